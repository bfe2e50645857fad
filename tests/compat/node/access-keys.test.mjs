// AccessKeys through @alicloud/pop-core and @alicloud/ram20150501.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAVOURS, assertDate, expectError, makeClient, startServer, uniq } from './helpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

for (const flavour of FLAVOURS) {
  describe(flavour, () => {
    test('access key lifecycle, limit and delete conflict', async () => {
      const ram = makeClient(flavour, srv);
      const user = uniq('nak');
      await ram.call('CreateUser', { UserName: user });

      let body = await ram.call('CreateAccessKey', { UserName: user });
      assert.ok(body.RequestId);
      const ak = body.AccessKey;
      assert.ok(ak.AccessKeyId && ak.AccessKeySecret);
      assert.equal(ak.Status, 'Active');
      assertDate(ak.CreateDate, 'CreateDate');

      body = await ram.call('ListAccessKeys', { UserName: user });
      assert.deepEqual(body.AccessKeys.AccessKey.map((k) => k.AccessKeyId), [ak.AccessKeyId]);
      assert.equal(body.AccessKeys.AccessKey[0].Status, 'Active');
      assert.ok(!JSON.stringify(body).includes(ak.AccessKeySecret), 'ListAccessKeys leaks the secret');

      await ram.call('UpdateAccessKey', { UserName: user, UserAccessKeyId: ak.AccessKeyId, Status: 'Inactive' });
      body = await ram.call('ListAccessKeys', { UserName: user });
      assert.equal(body.AccessKeys.AccessKey[0].Status, 'Inactive');
      await ram.call('UpdateAccessKey', { UserName: user, UserAccessKeyId: ak.AccessKeyId, Status: 'Active' });

      body = await ram.call('GetAccessKeyLastUsed', { UserName: user, UserAccessKeyId: ak.AccessKeyId });
      assert.ok(body.RequestId);
      assert.ok('AccessKeyLastUsed' in body, JSON.stringify(body));

      const second = (await ram.call('CreateAccessKey', { UserName: user })).AccessKey.AccessKeyId;
      await expectError(() => ram.call('CreateAccessKey', { UserName: user }), 409, 'LimitExceeded.User.AccessKey');
      await expectError(() => ram.call('DeleteUser', { UserName: user }), 409, 'DeleteConflict.User.AccessKey');

      for (const id of [ak.AccessKeyId, second]) {
        body = await ram.call('DeleteAccessKey', { UserName: user, UserAccessKeyId: id });
        assert.ok(body.RequestId);
      }
      body = await ram.call('ListAccessKeys', { UserName: user });
      assert.deepEqual(body.AccessKeys?.AccessKey ?? [], []);
      await ram.call('DeleteUser', { UserName: user });
    });
  });
}
