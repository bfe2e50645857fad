// STS (2015-04-01) and authorization through @alicloud/pop-core (RPC V1,
// securityToken) and @alicloud/sts20150401 / @alicloud/ram20150501 (Tea).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAVOURS, STS_VERSION, expectError, makeClient, signedRequest, startServer, uniq,
} from './helpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

const uid = () => srv.creds.AccountId;
const allow = (actions, resource = '*', effect = 'Allow') => JSON.stringify({
  Version: '1', Statement: [{ Effect: effect, Action: [].concat(actions), Resource: [].concat(resource) }],
});
const trust = (principal) => JSON.stringify({
  Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: principal }], Version: '1',
});
const EXP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

async function makeRole(root, { principal, systemPolicies = [] } = {}) {
  const name = uniq('nsrole');
  const body = await root.call('CreateRole', {
    RoleName: name, AssumeRolePolicyDocument: trust(principal ?? { RAM: [`acs:ram::${uid()}:root`] }),
  });
  for (const p of systemPolicies) await root.call('AttachPolicyToRole', { PolicyType: 'System', PolicyName: p, RoleName: name });
  return { name, id: body.Role.RoleId, arn: `acs:ram::${uid()}:role/${name}` };
}

async function userWithKey(root, prefix = 'nsu') {
  const name = uniq(prefix);
  await root.call('CreateUser', { UserName: name });
  const ak = (await root.call('CreateAccessKey', { UserName: name })).AccessKey;
  return { name, ak: ak.AccessKeyId, sk: ak.AccessKeySecret };
}

const session = (flavour, c, product = 'ram') => makeClient(flavour, srv, c.AccessKeyId, c.AccessKeySecret,
  { securityToken: c.SecurityToken, product });

for (const flavour of FLAVOURS) {
  describe(flavour, () => {
    test('AssumeRole as root and RAM calls with the session credentials', async () => {
      const root = makeClient(flavour, srv);
      const role = await makeRole(root, { systemPolicies: ['AliyunRAMReadOnlyAccess'] });
      const sts = makeClient(flavour, srv, undefined, undefined, { product: 'sts' });
      const t0 = Date.now();
      const body = await sts.call('AssumeRole', { RoleArn: role.arn, RoleSessionName: 'node-sess', DurationSeconds: 1800 });
      const c = body.Credentials;
      assert.ok(c.AccessKeyId.startsWith('STS.'), c.AccessKeyId);
      assert.ok(c.AccessKeySecret && c.SecurityToken);
      assert.match(c.Expiration, EXP_RE);
      assert.ok(Math.abs(Date.parse(c.Expiration) - (t0 + 1800_000)) <= 60_000, `Expiration ${c.Expiration}`);
      assert.equal(body.AssumedRoleUser.Arn, `acs:ram::${uid()}:role/${role.name}/node-sess`);
      assert.equal(body.AssumedRoleUser.AssumedRoleId, `${role.id}:node-sess`);

      const ram = session(flavour, c);
      const list = await ram.call('ListUsers', {});
      assert.equal(typeof list.IsTruncated, 'boolean');
      const e = await expectError(() => ram.call('CreateUser', { UserName: uniq('never') }), 403, 'NoPermission');
      assert.ok(String(e.apiMessage).includes('Action: ram:CreateUser'), e.apiMessage);

      const who = await session(flavour, c, 'sts').call('GetCallerIdentity', {});
      assert.equal(who.IdentityType, 'AssumedRoleUser');
      assert.equal(who.Arn, `acs:ram::${uid()}:assumed-role/${role.name}/node-sess`);
      assert.equal(who.RoleId, role.id);
      assert.equal(who.PrincipalId, `${role.id}:node-sess`);
      assert.equal(who.AccountId, uid());

      // a session policy narrows the role
      const narrow = (await sts.call('AssumeRole', { RoleArn: role.arn, RoleSessionName: 'narrow', Policy: allow('ram:GetUser') })).Credentials;
      await expectError(() => session(flavour, narrow).call('ListUsers', {}), 403, 'NoPermission');
    });

    test('GetCallerIdentity for root and a RAM user', async () => {
      const root = makeClient(flavour, srv);
      let who = await makeClient(flavour, srv, undefined, undefined, { product: 'sts' }).call('GetCallerIdentity', {});
      assert.deepEqual([who.IdentityType, who.Arn, who.AccountId], ['Account', `acs:ram::${uid()}:root`, uid()]);
      const u = await userWithKey(root);
      const userId = (await root.call('GetUser', { UserName: u.name })).User.UserId;
      who = await makeClient(flavour, srv, u.ak, u.sk, { product: 'sts' }).call('GetCallerIdentity', {});
      assert.deepEqual([who.IdentityType, who.Arn, who.UserId, who.PrincipalId],
        ['RAMUser', `acs:ram::${uid()}:user/${u.name}`, userId, userId]);
    });

    test('RAM user authorization follows its policies', async () => {
      const root = makeClient(flavour, srv);
      const u = await userWithKey(root);
      const ram = makeClient(flavour, srv, u.ak, u.sk);
      let e = await expectError(() => ram.call('ListUsers', {}), 403, 'NoPermission');
      assert.ok(String(e.apiMessage).includes('Action: ram:ListUsers'), e.apiMessage);
      assert.ok(e.data && typeof e.data.AccessDeniedDetail === 'object', `no AccessDeniedDetail: ${JSON.stringify(e.data)}`);

      const p1 = uniq('nsallow');
      await root.call('CreatePolicy', { PolicyName: p1, PolicyDocument: allow('ram:ListUsers') });
      await root.call('AttachPolicyToUser', { PolicyType: 'Custom', PolicyName: p1, UserName: u.name });
      await ram.call('ListUsers', {});
      await expectError(() => ram.call('CreateUser', { UserName: uniq('never') }), 403, 'NoPermission');

      const p2 = uniq('nsdeny');
      await root.call('CreatePolicy', { PolicyName: p2, PolicyDocument: allow('ram:ListUsers', '*', 'Deny') });
      await root.call('AttachPolicyToUser', { PolicyType: 'Custom', PolicyName: p2, UserName: u.name });
      e = await expectError(() => ram.call('ListUsers', {}), 403, 'NoPermission');

      // AssumeRole needs sts:AssumeRole for a RAM user
      const role = await makeRole(root);
      const sts = makeClient(flavour, srv, u.ak, u.sk, { product: 'sts' });
      await expectError(() => sts.call('AssumeRole', { RoleArn: role.arn, RoleSessionName: 'u-sess' }), 403, 'NoPermission');
      await root.call('AttachPolicyToUser', { PolicyType: 'System', PolicyName: 'AliyunSTSAssumeRoleAccess', UserName: u.name });
      const ok = await sts.call('AssumeRole', { RoleArn: role.arn, RoleSessionName: 'u-sess' });
      assert.ok(ok.Credentials.AccessKeyId.startsWith('STS.'));
      // ...but never a role trusted only by a cloud service
      const svc = await makeRole(root, { principal: { Service: ['kms.aliyuncs.com'] } });
      await expectError(() => sts.call('AssumeRole', { RoleArn: svc.arn, RoleSessionName: 'u-sess' }), 403, 'NoPermission');
    });

    test('AssumeRole parameter errors', async () => {
      const root = makeClient(flavour, srv);
      const role = await makeRole(root);
      const sts = makeClient(flavour, srv, undefined, undefined, { product: 'sts' });
      await expectError(() => sts.call('AssumeRole', { RoleArn: 'not-an-arn', RoleSessionName: 's1' }), 400, 'InvalidParameter.RoleArn');
      await expectError(() => sts.call('AssumeRole', { RoleArn: role.arn, RoleSessionName: 'a' }), 400, 'InvalidParameter.RoleSessionName');
      await expectError(() => sts.call('AssumeRole', { RoleArn: role.arn, RoleSessionName: 'bad!name' }), 400, 'InvalidParameter.RoleSessionName');
      await expectError(() => sts.call('AssumeRole', { RoleArn: role.arn, RoleSessionName: 's1', DurationSeconds: 899 }), 400, 'InvalidParameter.DurationSeconds');
      await expectError(() => sts.call('AssumeRole', { RoleArn: role.arn, RoleSessionName: 's1', DurationSeconds: 3601 }), 400, 'InvalidParameter.DurationSeconds');
      await expectError(() => sts.call('AssumeRole', { RoleArn: role.arn, RoleSessionName: 's1', Policy: '{"Statement":[' }), 400, 'InvalidParameter.PolicyGrammar');
      await expectError(() => sts.call('AssumeRole', { RoleArn: `acs:ram::${uid()}:role/no-such-role-node`, RoleSessionName: 's1' }), 404, 'EntityNotExist.Role');
    });

    test('security token checks', async () => {
      const root = makeClient(flavour, srv);
      const role = await makeRole(root, { systemPolicies: ['AliyunRAMReadOnlyAccess'] });
      const sts = makeClient(flavour, srv, undefined, undefined, { product: 'sts' });
      const c1 = (await sts.call('AssumeRole', { RoleArn: role.arn, RoleSessionName: 'one' })).Credentials;
      const c2 = (await sts.call('AssumeRole', { RoleArn: role.arn, RoleSessionName: 'two' })).Credentials;
      const t = c1.SecurityToken;
      const i = Math.floor(t.length / 2);
      const forged = t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
      await expectError(() => session(flavour, { ...c1, SecurityToken: forged }).call('ListUsers', {}), 400, 'InvalidSecurityToken.Malformed');
      await expectError(() => session(flavour, { ...c2, SecurityToken: c1.SecurityToken }).call('ListUsers', {}), 400, 'InvalidSecurityToken.MismatchWithAccessKey');
      await expectError(() => makeClient(flavour, srv, c1.AccessKeyId, c1.AccessKeySecret).call('ListUsers', {}), 400, 'MissingSecurityToken');
    });
  });
}

test('hand-signed V1 GetCallerIdentity with a security token', async () => {
  const root = makeClient('pop-core-post', srv);
  const role = await makeRole(root);
  const c = (await makeClient('tea-default', srv, undefined, undefined, { product: 'sts' })
    .call('AssumeRole', { RoleArn: role.arn, RoleSessionName: 'raw-sess' })).Credentials;
  const req = signedRequest(srv, 'GetCallerIdentity', { SecurityToken: c.SecurityToken },
    { ak: c.AccessKeyId, sk: c.AccessKeySecret, version: STS_VERSION });
  const r = await req.send();
  assert.equal(r.status, 200, `${r.text}\n${req.describe()}`);
  assert.equal(r.json.IdentityType, 'AssumedRoleUser');
});
