// Roles and the KMS RAM-credentials service-role setup through
// @alicloud/pop-core (RPC V1) and @alicloud/ram20150501 (Tea, as shipped).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAVOURS, assertDate, expectError, makeClient, startServer, uniq } from './helpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

const trust = (principal) => JSON.stringify({
  Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: principal }], Version: '1',
});

const SEED_POLICY = '{"Statement":[{"Effect":"Allow","Action":["ram:ListAccessKeys","ram:CreateAccessKey","ram:DeleteAccessKey","ram:UpdateAccessKey"],"Resource":"*"}],"Version":"1"}';
const SEED_TRUST = '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["kms.aliyuncs.com"]}}],"Version":"1"}';

async function seed(ram, policyName, roleName) {
  let body = await ram.call('CreatePolicy', { PolicyName: policyName, PolicyDocument: SEED_POLICY });
  assert.deepEqual([body.Policy.PolicyName, body.Policy.PolicyType, body.Policy.DefaultVersion], [policyName, 'Custom', 'v1']);
  body = await ram.call('CreateRole', { RoleName: roleName, AssumeRolePolicyDocument: SEED_TRUST });
  assert.equal(body.Role.Arn, `acs:ram::${srv.creds.AccountId}:role/${roleName}`);
  assert.deepEqual(JSON.parse(body.Role.AssumeRolePolicyDocument), JSON.parse(SEED_TRUST));
  await ram.call('AttachPolicyToRole', { PolicyType: 'Custom', PolicyName: policyName, RoleName: roleName });
  body = await ram.call('ListPoliciesForRole', { RoleName: roleName });
  assert.deepEqual(body.Policies.Policy.map((p) => [p.PolicyName, p.PolicyType]), [[policyName, 'Custom']]);
  assertDate(body.Policies.Policy[0].AttachDate, 'AttachDate');
}

test('KMS service role setup with the exact documented names (Tea)', async () => {
  await seed(makeClient('tea-default', srv), 'AliyunKMSManagedRAMCrendentialsRolePolicy', 'AliyunKMSManagedRAMCrendentialsRole');
});

test('KMS service role setup (pop-core, unique names)', async () => {
  await seed(makeClient('pop-core-post', srv), uniq('AliyunKMSManagedRAMCrendentialsRolePolicy'),
    uniq('AliyunKMSManagedRAMCrendentialsRole'));
});

for (const flavour of FLAVOURS) {
  describe(flavour, () => {
    test('role lifecycle', async () => {
      const ram = makeClient(flavour, srv);
      const name = uniq('nrole');
      const t1 = trust({ RAM: [`acs:ram::${srv.creds.AccountId}:root`] });
      let body = await ram.call('CreateRole', { RoleName: name, AssumeRolePolicyDocument: t1, Description: 'rd', MaxSessionDuration: 7200 });
      const r = body.Role;
      assert.equal(r.RoleName, name);
      assert.ok(r.RoleId);
      assert.equal(r.Arn, `acs:ram::${srv.creds.AccountId}:role/${name}`);
      assert.equal(r.Description, 'rd');
      assert.equal(r.MaxSessionDuration, 7200);
      assertDate(r.CreateDate, 'CreateDate');
      await expectError(() => ram.call('CreateRole', { RoleName: name, AssumeRolePolicyDocument: t1 }), 409, 'EntityAlreadyExists.Role');

      body = await ram.call('GetRole', { RoleName: name });
      assert.equal(body.Role.RoleId, r.RoleId);
      assertDate(body.Role.UpdateDate, 'UpdateDate');

      const t2 = trust({ Service: ['kms.aliyuncs.com'] });
      body = await ram.call('UpdateRole', { RoleName: name, NewAssumeRolePolicyDocument: t2, NewMaxSessionDuration: 3600, NewDescription: 'rd2' });
      assert.deepEqual([body.Role.Description, body.Role.MaxSessionDuration], ['rd2', 3600]);
      assert.deepEqual(JSON.parse(body.Role.AssumeRolePolicyDocument), JSON.parse(t2));

      body = await ram.call('ListRoles', { MaxItems: 1000 });
      assert.ok(body.Roles.Role.some((x) => x.RoleName === name));
      assert.equal(typeof body.IsTruncated, 'boolean');

      await ram.call('DeleteRole', { RoleName: name });
      await expectError(() => ram.call('GetRole', { RoleName: name }), 404, 'EntityNotExist.Role');
    });

    test('MaxSessionDuration bounds', async () => {
      const ram = makeClient(flavour, srv);
      for (const v of [3599, 43201]) {
        await expectError(() => ram.call('CreateRole', {
          RoleName: uniq('nrmax'), AssumeRolePolicyDocument: trust({ Service: ['kms.aliyuncs.com'] }), MaxSessionDuration: v,
        }), 400, 'InvalidParameter.MaxSessionDuration');
      }
    });

    test('federated trust principal is accepted', async () => {
      const ram = makeClient(flavour, srv);
      const name = uniq('nrfed');
      const doc = JSON.stringify({
        Statement: [{
          Action: 'sts:AssumeRole', Effect: 'Allow',
          Principal: { Federated: [`acs:ram::${srv.creds.AccountId}:saml-provider/testprovider`] },
          Condition: { StringEquals: { 'saml:recipient': 'https://signin.aliyun.com/saml-role/sso' } },
        }],
        Version: '1',
      });
      const body = await ram.call('CreateRole', { RoleName: name, AssumeRolePolicyDocument: doc });
      assert.deepEqual(JSON.parse(body.Role.AssumeRolePolicyDocument), JSON.parse(doc));
      await ram.call('DeleteRole', { RoleName: name });
    });
  });
}
