// RAM tags on roles and policies through @alicloud/pop-core (JSON strings)
// and @alicloud/ram20150501 (lists the SDK sends as JSON strings).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAVOURS, expectError, makeClient, startServer, uniq } from './helpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

const TRUST = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }] });

for (const flavour of FLAVOURS) {
  describe(flavour, () => {
    test('tags on a role', async () => {
      const ram = makeClient(flavour, srv);
      const pop = flavour.startsWith('pop');
      const arr = (v) => (pop ? JSON.stringify(v) : v);
      // The Tea client takes its own tag models (it writes the JSON itself).
      const tags = (list) => (pop ? JSON.stringify(list)
        : list.map((t) => new ram.models.TagResourcesRequestTag({ key: t.Key, value: t.Value })));
      const role = uniq('NodeTagRole');
      await ram.call('CreateRole', { RoleName: role, AssumeRolePolicyDocument: TRUST });
      await ram.call('TagResources', {
        ResourceType: 'role', ResourceNames: arr([role]), Tag: tags([{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'a' }]),
      });
      let got = (await ram.call('ListTagResources', { ResourceType: 'role', ResourceNames: arr([role]) })).TagResources;
      assert.deepEqual(got.map((t) => [t.ResourceName, t.ResourceType, t.TagKey, t.TagValue]).sort(),
        [[role, 'role', 'env', 'prod'], [role, 'role', 'team', 'a']]);
      await ram.call('UntagResources', { ResourceType: 'role', ResourceNames: arr([role]), TagKeys: arr(['env']) });
      got = (await ram.call('ListTagResources', { ResourceType: 'role', ResourceNames: arr([role]) })).TagResources;
      assert.deepEqual(got.map((t) => t.TagKey), ['team']);
      await expectError(() => ram.call('TagResources', {
        ResourceType: 'role', ResourceNames: arr([`${role}-missing`]), Tag: tags([{ Key: 'k', Value: 'v' }]),
      }), 404, 'EntityNotExist.Role');
      await ram.call('UntagResources', { ResourceType: 'role', ResourceNames: arr([role]), All: true });
      await ram.call('DeleteRole', { RoleName: role });
    });
  });
}
