// A RAM secret KMS rotates every 7 days, tested in seconds with node:test.
//
//   npm install ./rampart-server-<version>.tgz @alicloud/pop-core
//   node --test rotation.test.mjs
//
// startRampart() runs `rampart serve --test-mode` on a free port; advance()
// moves the server's clock and runs what falls due before it resolves.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import PopCore from '@alicloud/pop-core';
import { startRampart } from 'rampart-server';

let rampart;
const timing = {};

before(async () => {
  const t0 = performance.now();
  rampart = await startRampart();
  timing.startMs = performance.now() - t0;
});
beforeEach(async () => {
  const t0 = performance.now();
  await rampart.reset();
  timing.resetMs = performance.now() - t0;
});
after(async () => {
  await rampart?.stop();
  const ms = Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  console.log(`timing: ${JSON.stringify({ serverStartupMs: Math.round(rampart?.startupMs ?? 0), ...ms })}`);
});

// One RPC client per product, signed with the root key unless a key is given.
const VERSIONS = { ram: '2015-05-01', sts: '2015-04-01', kms: '2016-01-20' };
function client(product, key = [rampart.accessKeyId, rampart.accessKeySecret]) {
  const c = new PopCore.RPCClient({
    accessKeyId: key[0], accessKeySecret: key[1], endpoint: rampart.url, apiVersion: VERSIONS[product],
  });
  return (action, params = {}) => c.request(action, params, { method: 'POST', timeout: 30000 });
}

async function currentKey(kms, SecretName, VersionStage) {
  const body = await kms('GetSecretValue', VersionStage ? { SecretName, VersionStage } : { SecretName });
  const data = JSON.parse(body.SecretData);
  return [data.AccessKeyId, data.AccessKeySecret];
}

test('a RAM secret rotates every 7 days; the old key lasts 2 more days', async () => {
  const t0 = performance.now();
  const ram = client('ram');
  const kms = client('kms');
  // The service role KMS assumes to manage RAM secrets.
  await ram('CreatePolicy', {
    PolicyName: 'AliyunKMSManagedRAMCrendentialsRolePolicy',
    PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Resource: '*',
      Action: ['ram:ListAccessKeys', 'ram:CreateAccessKey', 'ram:DeleteAccessKey', 'ram:UpdateAccessKey'] }] }),
  });
  await ram('CreateRole', {
    RoleName: 'AliyunKMSManagedRAMCrendentialsRole',
    AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Action: 'sts:AssumeRole',
      Effect: 'Allow', Principal: { Service: ['kms.aliyuncs.com'] } }] }),
  });
  await ram('AttachPolicyToRole', { PolicyType: 'Custom', RoleName: 'AliyunKMSManagedRAMCrendentialsRole',
    PolicyName: 'AliyunKMSManagedRAMCrendentialsRolePolicy' });

  await ram('CreateUser', { UserName: 'app' });
  const { AccessKey } = await ram('CreateAccessKey', { UserName: 'app' });
  const first = [AccessKey.AccessKeyId, AccessKey.AccessKeySecret];
  const created = await kms('CreateSecret', {
    SecretName: '$Auto', SecretType: 'RAMCredentials', VersionId: 'v1',
    SecretData: JSON.stringify({ AccessKeys: [{ AccessKeyId: first[0], AccessKeySecret: first[1] }] }),
    ExtendedConfig: JSON.stringify({ SecretSubType: 'RamUserAccessKey', UserName: 'app', CustomData: {} }),
    EnableAutomaticRotation: 'true', RotationInterval: '7d',
  });
  const name = created.SecretName;
  assert.equal(name, 'acs/ram/user/app');

  await rampart.advance('7d');
  const second = await currentKey(kms, name);
  assert.notEqual(second[0], first[0]);
  assert.equal((await client('sts', second)('GetCallerIdentity')).IdentityType, 'RAMUser');
  assert.equal((await client('sts', first)('GetCallerIdentity')).IdentityType, 'RAMUser');
  assert.deepEqual(await currentKey(kms, name, 'ACSPrevious'), first);

  await rampart.advance('3d');
  await assert.rejects(client('sts', first)('GetCallerIdentity'), (e) => {
    assert.match(e.code ?? '', /^InvalidAccessKeyId/);
    return true;
  });
  assert.equal((await client('sts', second)('GetCallerIdentity')).IdentityType, 'RAMUser');
  timing.workedExampleMs = performance.now() - t0;
});

test('every test starts with an empty account', async () => {
  const { Users } = await client('ram')('ListUsers');
  assert.deepEqual(Users.User ?? [], []);
  const clock = await rampart.clock();
  assert.equal(clock.OffsetSeconds, 0);
});

test('snapshot and restore', async () => {
  const ram = client('ram');
  await ram('CreateUser', { UserName: 'kept' });
  let t0 = performance.now();
  await rampart.snapshot('one-user');
  timing.snapshotMs = performance.now() - t0;
  await ram('CreateUser', { UserName: 'dropped' });
  t0 = performance.now();
  await rampart.restore('one-user');
  timing.restoreMs = performance.now() - t0;
  const { Users } = await ram('ListUsers');
  assert.deepEqual(Users.User.map((u) => u.UserName), ['kept']);
});
