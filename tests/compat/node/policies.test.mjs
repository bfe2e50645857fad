// Policies, versions and attachments through @alicloud/pop-core (RPC V1)
// and @alicloud/ram20150501 (Tea, as shipped).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAVOURS, assertDate, expectError, makeClient, startServer, uniq } from './helpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

const allow = (actions, resource = '*') => JSON.stringify({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: [].concat(actions), Resource: [].concat(resource) }],
});

const SYSTEM = ['AdministratorAccess', 'ReadOnlyAccess', 'AliyunRAMFullAccess', 'AliyunRAMReadOnlyAccess',
  'AliyunSTSAssumeRoleAccess', 'AliyunKMSFullAccess', 'AliyunKMSReadOnlyAccess',
  'AliyunKMSSecretAdminAccess', 'AliyunKMSSecretReadOnlyAccess', 'AliyunKMSManageRAMCredentialsRolePolicy'];

async function allPolicies(ram, PolicyType, MaxItems) {
  const out = [];
  let Marker;
  for (let i = 0; i < 1000; i++) {
    const body = await ram.call('ListPolicies', { PolicyType, Marker, MaxItems });
    assert.equal(typeof body.IsTruncated, 'boolean');
    const page = body.Policies?.Policy ?? [];
    if (MaxItems) assert.ok(page.length <= MaxItems);
    out.push(...page);
    if (!body.IsTruncated) return out;
    assert.ok(body.Marker, 'IsTruncated without Marker');
    Marker = body.Marker;
  }
  throw new Error('ListPolicies paging does not terminate');
}

for (const flavour of FLAVOURS) {
  describe(flavour, () => {
    test('custom policy lifecycle and versions', async () => {
      const ram = makeClient(flavour, srv);
      const name = uniq('npol');
      const doc1 = allow('ram:GetUser');
      let body = await ram.call('CreatePolicy', { PolicyName: name, PolicyDocument: doc1, Description: 'd1' });
      assert.deepEqual([body.Policy.PolicyName, body.Policy.PolicyType, body.Policy.Description, body.Policy.DefaultVersion],
        [name, 'Custom', 'd1', 'v1']);
      assertDate(body.Policy.CreateDate, 'CreateDate');
      await expectError(() => ram.call('CreatePolicy', { PolicyName: name, PolicyDocument: doc1 }),
        409, 'EntityAlreadyExists.Policy');

      body = await ram.call('GetPolicy', { PolicyName: name, PolicyType: 'Custom' });
      assert.equal(body.Policy.AttachmentCount, 0);
      assertDate(body.Policy.UpdateDate, 'UpdateDate');
      assert.equal(body.DefaultPolicyVersion.VersionId, 'v1');
      assert.equal(body.DefaultPolicyVersion.IsDefaultVersion, true);
      assert.deepEqual(JSON.parse(body.DefaultPolicyVersion.PolicyDocument), JSON.parse(doc1));

      body = await ram.call('UpdatePolicyDescription', { PolicyName: name, NewDescription: 'd2' });
      assert.equal(body.Policy.Description, 'd2');

      body = await ram.call('CreatePolicyVersion', { PolicyName: name, PolicyDocument: allow('ram:ListUsers'), SetAsDefault: true });
      assert.deepEqual([body.PolicyVersion.VersionId, body.PolicyVersion.IsDefaultVersion], ['v2', true]);
      assertDate(body.PolicyVersion.CreateDate, 'CreateDate');
      for (let i = 3; i <= 5; i++) {
        body = await ram.call('CreatePolicyVersion', { PolicyName: name, PolicyDocument: allow(`ram:GetUser${i}`) });
        assert.deepEqual([body.PolicyVersion.VersionId, body.PolicyVersion.IsDefaultVersion], [`v${i}`, false]);
      }
      await expectError(() => ram.call('CreatePolicyVersion', { PolicyName: name, PolicyDocument: allow('ram:GetUser6') }),
        409, 'LimitExceeded.Policy.Version');
      body = await ram.call('CreatePolicyVersion', {
        PolicyName: name, PolicyDocument: allow('ram:GetUser6'),
        RotateStrategy: 'DeleteOldestNonDefaultVersionWhenLimitExceeded',
      });
      assert.equal(body.PolicyVersion.VersionId, 'v6');
      body = await ram.call('ListPolicyVersions', { PolicyName: name, PolicyType: 'Custom' });
      assert.deepEqual(body.PolicyVersions.PolicyVersion.map((v) => v.VersionId), ['v2', 'v3', 'v4', 'v5', 'v6']);
      assert.deepEqual(body.PolicyVersions.PolicyVersion.filter((v) => v.IsDefaultVersion).map((v) => v.VersionId), ['v2']);

      body = await ram.call('GetPolicyVersion', { PolicyName: name, PolicyType: 'Custom', VersionId: 'v4' });
      assert.deepEqual(JSON.parse(body.PolicyVersion.PolicyDocument), JSON.parse(allow('ram:GetUser4')));
      await ram.call('SetDefaultPolicyVersion', { PolicyName: name, VersionId: 'v4' });
      body = await ram.call('GetPolicy', { PolicyName: name, PolicyType: 'Custom' });
      assert.equal(body.Policy.DefaultVersion, 'v4');
      await expectError(() => ram.call('DeletePolicyVersion', { PolicyName: name, VersionId: 'v4' }),
        409, 'DeleteConflict.Policy.Version.Default');
      await ram.call('DeletePolicyVersion', { PolicyName: name, VersionId: 'v2' });

      await expectError(() => ram.call('DeletePolicy', { PolicyName: name }), 409, 'DeleteConflict.Policy.Version');
      await ram.call('DeletePolicy', { PolicyName: name, CascadingDelete: true });
      await expectError(() => ram.call('GetPolicy', { PolicyName: name, PolicyType: 'Custom' }), 404, 'EntityNotExist.Policy');
    });

    test('system policies are listed and readable', async () => {
      const ram = makeClient(flavour, srv);
      const sys = await allPolicies(ram, 'System', 6);
      const names = sys.map((p) => p.PolicyName);
      assert.equal(new Set(names).size, names.length, 'a system policy appeared twice');
      for (const n of SYSTEM) assert.ok(names.includes(n), `${n} missing from ListPolicies System`);
      assert.ok(sys.every((p) => p.PolicyType === 'System'));
      const body = await ram.call('GetPolicy', { PolicyName: 'AdministratorAccess', PolicyType: 'System' });
      assert.equal(body.Policy.PolicyType, 'System');
      assert.equal(body.DefaultPolicyVersion.IsDefaultVersion, true);
      await expectError(() => ram.call('GetPolicy', { PolicyName: 'AdministratorAccess', PolicyType: 'Bogus' }),
        400, 'InvalidParameter.PolicyType');
    });

    test('malformed documents are refused', async () => {
      const ram = makeClient(flavour, srv);
      for (const [doc, field] of [
        ['{"Version":"1","Statement":[', null],
        [JSON.stringify({ Version: '1', Statement: [{ Effect: 'allow', Action: ['ram:GetUser'], Resource: '*' }] }), 'Effect'],
        [JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Resource: '*' }] }), 'Action'],
      ]) {
        const e = await expectError(() => ram.call('CreatePolicy', { PolicyName: uniq('nbad'), PolicyDocument: doc }),
          400, 'MalformedPolicyDocument');
        if (field) {
          assert.ok(String(e.apiMessage).includes(field), `message does not name ${field}: ${e.apiMessage}`);
          assert.ok(String(e.apiMessage).toLowerCase().includes('statement 1'), `message does not name the statement: ${e.apiMessage}`);
        }
      }
    });

    test('attach, list, detach and the delete conflicts', async () => {
      const ram = makeClient(flavour, srv);
      const user = uniq('nau');
      const group = uniq('nag');
      const role = uniq('nar');
      const pol = uniq('napol');
      await ram.call('CreateUser', { UserName: user });
      await ram.call('CreateGroup', { GroupName: group });
      await ram.call('CreateRole', {
        RoleName: role,
        AssumeRolePolicyDocument: JSON.stringify({ Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: [`acs:ram::${srv.creds.AccountId}:root`] } }], Version: '1' }),
      });
      await ram.call('CreatePolicy', { PolicyName: pol, PolicyDocument: allow('ram:GetUser'), Description: 'nd' });
      const kinds = [['User', user], ['Group', group], ['Role', role]];
      for (const [kind, n] of kinds) {
        await ram.call(`AttachPolicyTo${kind}`, { PolicyType: 'Custom', PolicyName: pol, [`${kind}Name`]: n });
        await expectError(() => ram.call(`AttachPolicyTo${kind}`, { PolicyType: 'Custom', PolicyName: pol, [`${kind}Name`]: n }),
          409, `EntityAlreadyExists.${kind}.Policy`);
        const body = await ram.call(`ListPoliciesFor${kind}`, { [`${kind}Name`]: n });
        assert.deepEqual(body.Policies.Policy.map((p) => [p.PolicyName, p.PolicyType, p.Description, p.DefaultVersion]),
          [[pol, 'Custom', 'nd', 'v1']]);
        assertDate(body.Policies.Policy[0].AttachDate, 'AttachDate');
      }
      let body = await ram.call('ListEntitiesForPolicy', { PolicyName: pol, PolicyType: 'Custom' });
      assert.deepEqual(body.Users.User.map((x) => x.UserName), [user]);
      assert.deepEqual(body.Groups.Group.map((x) => x.GroupName), [group]);
      assert.deepEqual(body.Roles.Role.map((x) => x.RoleName), [role]);
      assert.equal(body.Roles.Role[0].Arn, `acs:ram::${srv.creds.AccountId}:role/${role}`);
      body = await ram.call('GetPolicy', { PolicyName: pol, PolicyType: 'Custom' });
      assert.equal(body.Policy.AttachmentCount, 3);

      for (const [kind, n] of kinds) {
        // attached to this kind (and to later ones): a DeleteConflict.Policy.<Kind> conflict
        const e = await ram.call('DeletePolicy', { PolicyName: pol }).then(() => null, (err) => err);
        assert.ok(e && e.status === 409 && /^DeleteConflict\.Policy\.(User|Group|Role)$/.test(e.code),
          `DeletePolicy of an attached policy: ${e ? `${e.status} ${e.code}` : 'succeeded'}`);
        if (kind === 'Role') assert.equal(e.code, 'DeleteConflict.Policy.Role'); // only the role is left
        await expectError(() => ram.call(`Delete${kind}`, { [`${kind}Name`]: n }), 409, `DeleteConflict.${kind}.Policy`);
        await ram.call(`DetachPolicyFrom${kind}`, { PolicyType: 'Custom', PolicyName: pol, [`${kind}Name`]: n });
        await expectError(() => ram.call(`DetachPolicyFrom${kind}`, { PolicyType: 'Custom', PolicyName: pol, [`${kind}Name`]: n }),
          404, `EntityNotExist.${kind}.Policy`);
        await ram.call(`Delete${kind}`, { [`${kind}Name`]: n });
      }
      await ram.call('DeletePolicy', { PolicyName: pol });
    });
  });
}
