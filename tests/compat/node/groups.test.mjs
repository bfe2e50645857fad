// Groups through @alicloud/pop-core and @alicloud/ram20150501.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAVOURS, assertDate, expectError, makeClient, startServer, uniq } from './helpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

for (const flavour of FLAVOURS) {
  describe(flavour, () => {
    test('group lifecycle and membership', async () => {
      const ram = makeClient(flavour, srv);
      const group = uniq('ngrp');
      const user = uniq('nmember');

      let body = await ram.call('CreateGroup', { GroupName: group, Comments: 'c1' });
      assert.equal(body.Group.GroupName, group);
      assert.equal(body.Group.Comments, 'c1');
      assert.ok(body.Group.GroupId);
      assertDate(body.Group.CreateDate, 'CreateDate');

      body = await ram.call('GetGroup', { GroupName: group });
      assert.equal(body.Group.GroupName, group);

      const renamed = uniq('ngrp2');
      body = await ram.call('UpdateGroup', { GroupName: group, NewGroupName: renamed, NewComments: 'c2' });
      assert.equal(body.Group.GroupName, renamed);
      assert.equal(body.Group.Comments, 'c2');
      await expectError(() => ram.call('GetGroup', { GroupName: group }), 404, 'EntityNotExist.Group');

      body = await ram.call('ListGroups', {});
      assert.ok(body.Groups.Group.some((g) => g.GroupName === renamed));
      assert.equal(typeof body.IsTruncated, 'boolean');

      await ram.call('CreateUser', { UserName: user, DisplayName: 'Member' });
      await ram.call('AddUserToGroup', { GroupName: renamed, UserName: user });
      body = await ram.call('ListGroupsForUser', { UserName: user });
      assert.deepEqual(body.Groups.Group.map((g) => g.GroupName), [renamed]);
      assertDate(body.Groups.Group[0].JoinDate, 'JoinDate');
      body = await ram.call('ListUsersForGroup', { GroupName: renamed });
      assert.deepEqual(body.Users.User.map((u) => u.UserName), [user]);
      assert.equal(body.Users.User[0].DisplayName, 'Member');
      assertDate(body.Users.User[0].JoinDate, 'JoinDate');

      await expectError(() => ram.call('DeleteUser', { UserName: user }), 409, 'DeleteConflict.User.Group');
      await ram.call('RemoveUserFromGroup', { GroupName: renamed, UserName: user });
      body = await ram.call('ListGroupsForUser', { UserName: user });
      assert.deepEqual(body.Groups?.Group ?? [], []);

      await ram.call('DeleteUser', { UserName: user });
      await ram.call('DeleteGroup', { GroupName: renamed });
      await expectError(() => ram.call('GetGroup', { GroupName: renamed }), 404, 'EntityNotExist.Group');
    });
  });
}
