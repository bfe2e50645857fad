// KMS keys, generic secrets and RAM secrets through the Node SDKs:
// @alicloud/kms20160120 (Tea RPC V1), @alicloud/openapi-core callApi (V3) and
// @alicloud/pop-core (RPC V1, a subset).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { assertDate, expectError, makeClient, startServer, uniq } from './helpers.mjs';
import { KMS_FLAVOURS, stages } from './kmshelpers.mjs';

const GRACE_S = 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv;
before(async () => {
  srv = await startServer(['--rotation-grace-period', `${GRACE_S}s`, '--min-rotation-interval', '30s']);
});
after(async () => { await srv?.stop(); });

const ROLE_POLICY = '{"Statement":[{"Effect":"Allow","Action":["ram:ListAccessKeys","ram:CreateAccessKey",'
  + '"ram:DeleteAccessKey","ram:UpdateAccessKey"],"Resource":"*"}],"Version":"1"}';
const TRUST = '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",'
  + '"Principal":{"Service":["kms.aliyuncs.com"]}}],"Version":"1"}';

async function seedRole() {
  const ram = makeClient('tea-default', srv);
  for (const [a, p] of [
    ['CreatePolicy', { PolicyName: 'AliyunKMSManagedRAMCrendentialsRolePolicy', PolicyDocument: ROLE_POLICY }],
    ['CreateRole', { RoleName: 'AliyunKMSManagedRAMCrendentialsRole', AssumeRolePolicyDocument: TRUST }],
    ['AttachPolicyToRole', { PolicyType: 'Custom', PolicyName: 'AliyunKMSManagedRAMCrendentialsRolePolicy',
      RoleName: 'AliyunKMSManagedRAMCrendentialsRole' }],
  ]) {
    try { await ram.call(a, p); } catch (e) { if (!String(e.code).startsWith('EntityAlreadyExist')) throw e; }
  }
}

async function userWithKey(name) {
  const ram = makeClient('pop-core-post', srv);
  await ram.call('CreateUser', { UserName: name });
  await ram.call('AttachPolicyToUser', { PolicyType: 'System', PolicyName: 'AliyunRAMReadOnlyAccess', UserName: name });
  const ak = (await ram.call('CreateAccessKey', { UserName: name })).AccessKey;
  return [ak.AccessKeyId, ak.AccessKeySecret];
}

async function userKeys(name) {
  const body = await makeClient('pop-core-post', srv).call('ListAccessKeys', { UserName: name });
  return body.AccessKeys.AccessKey.map((k) => k.AccessKeyId).sort();
}

for (const [flavour, make] of Object.entries(KMS_FLAVOURS)) {
  describe(`keys ${flavour}`, () => {
    test('create, describe, list, update', async () => {
      const kms = make(srv);
      const md = (await kms.call('CreateKey', { KeySpec: 'Aliyun_AES_256', Description: 'node key' })).KeyMetadata;
      assert.equal(md.Arn, `acs:kms:cn-hangzhou:${srv.creds.AccountId}:key/${md.KeyId}`);
      assert.deepEqual([md.KeyState, md.KeyUsage], ['Enabled', 'ENCRYPT/DECRYPT']);
      assertDate(md.CreationDate, 'CreationDate');
      await kms.call('UpdateKeyDescription', { KeyId: md.KeyId, Description: 'changed' });
      assert.equal((await kms.call('DescribeKey', { KeyId: md.Arn })).KeyMetadata.Description, 'changed');
      const keys = (await kms.call('ListKeys', { PageSize: 100 })).Keys.Key;
      assert.ok(keys.some((k) => k.KeyId === md.KeyId && k.KeyArn === md.Arn));
    });

    test('encrypt/decrypt, context, tampering, data keys', async () => {
      const kms = make(srv);
      const kid = (await kms.call('CreateKey')).KeyMetadata.KeyId;
      const text = 'nöde plaintext & more *~';
      const enc = await kms.call('Encrypt', { KeyId: kid, Plaintext: text, EncryptionContext: { a: 'b' } });
      const dec = await kms.call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: 'b' } });
      assert.deepEqual([dec.Plaintext, dec.KeyId], [text, kid]);
      await expectError(() => kms.call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: 'x' } }),
        400, 'InvalidParameter.CiphertextBlob');
      const raw = Buffer.from(enc.CiphertextBlob, 'base64');
      raw[raw.length - 1] ^= 1;
      await expectError(() => kms.call('Decrypt', { CiphertextBlob: raw.toString('base64') }),
        400, 'InvalidParameter.CiphertextBlob');
      const dk = await kms.call('GenerateDataKey', { KeyId: kid, KeySpec: 'AES_128' });
      assert.equal(Buffer.from(dk.Plaintext, 'base64').length, 16);
      assert.equal((await kms.call('Decrypt', { CiphertextBlob: dk.CiphertextBlob })).Plaintext, dk.Plaintext);
      assert.ok((await kms.call('GetRandomPassword', { PasswordLength: '20' })).RandomPassword.length === 20);
    });

    test('aliases, states and errors', async () => {
      const kms = make(srv);
      const kid = (await kms.call('CreateKey')).KeyMetadata.KeyId;
      const alias = `alias/${uniq('n')}`;
      await kms.call('CreateAlias', { AliasName: alias, KeyId: kid });
      await expectError(() => kms.call('CreateAlias', { AliasName: alias, KeyId: kid }), 400, 'AliasAlreadyExists');
      assert.equal((await kms.call('DescribeKey', { KeyId: alias })).KeyMetadata.KeyId, kid);
      await kms.call('DisableKey', { KeyId: alias });
      await expectError(() => kms.call('Encrypt', { KeyId: kid, Plaintext: 'x' }), 409, 'Rejected.Disabled');
      await kms.call('EnableKey', { KeyId: kid });
      await kms.call('ScheduleKeyDeletion', { KeyId: kid, PendingWindowInDays: '7' });
      await expectError(() => kms.call('Encrypt', { KeyId: kid, Plaintext: 'x' }), 409, 'Rejected.PendingDeletion');
      await kms.call('CancelKeyDeletion', { KeyId: kid });
      await kms.call('DeleteAlias', { AliasName: alias });
      await expectError(() => kms.call('DescribeKey', { KeyId: alias }), 404, 'Forbidden.AliasNotFound');
      await expectError(() => kms.call('DescribeKey', { KeyId: '00000000-0000-0000-0000-000000000000' }),
        404, 'Forbidden.KeyNotFound');
    });
  });

  describe(`generic secrets ${flavour}`, () => {
    test('create, read, versions, stages', async () => {
      const kms = make(srv);
      const name = uniq('ns');
      const c = await kms.call('CreateSecret', { SecretName: name, VersionId: 'v1', SecretData: 'one two+%&',
        Description: 'node', Tags: '[{"TagKey":"t","TagValue":"1"}]' });
      assert.deepEqual([c.SecretName, c.VersionId], [name, 'v1']);
      assert.equal(c.Arn, `acs:kms:cn-hangzhou:${srv.creds.AccountId}:secret/${name}`);
      const g = await kms.call('GetSecretValue', { SecretName: name });
      assert.deepEqual([g.SecretData, g.SecretDataType, g.VersionId], ['one two+%&', 'text', 'v1']);
      assert.deepEqual(stages(g), ['ACSCurrent']);
      await expectError(() => kms.call('CreateSecret', { SecretName: name, VersionId: 'v9', SecretData: 'x' }),
        409, 'Rejected.ResourceExist');

      await kms.call('PutSecretValue', { SecretName: name, VersionId: 'v2', SecretData: 'two' });
      await expectError(() => kms.call('PutSecretValue', { SecretName: name, VersionId: 'v2', SecretData: 'zzz' }),
        409, 'Rejected.ResourceExist');
      assert.equal((await kms.call('GetSecretValue', { SecretName: name })).SecretData, 'two');
      assert.equal((await kms.call('GetSecretValue', { SecretName: name, VersionStage: 'ACSPrevious' })).VersionId, 'v1');
      await kms.call('PutSecretValue', { SecretName: name, VersionId: 'v3', SecretData: 'three', VersionStages: '["MyLabel"]' });
      assert.equal((await kms.call('GetSecretValue', { SecretName: name })).VersionId, 'v2');
      await kms.call('UpdateSecretVersionStage', { SecretName: name, VersionStage: 'ACSCurrent',
        RemoveFromVersion: 'v2', MoveToVersion: 'v3' });
      assert.equal((await kms.call('GetSecretValue', { SecretName: name })).SecretData, 'three');
      const ids = (await kms.call('ListSecretVersionIds', { SecretName: name })).VersionIds.VersionId;
      assert.deepEqual(Object.fromEntries(ids.map((v) => [v.VersionId, stages(v)])),
        { v2: ['ACSPrevious'], v3: ['ACSCurrent', 'MyLabel'] });

      const d = await kms.call('DescribeSecret', { SecretName: name, FetchTags: 'true' });
      assert.equal(d.Description, 'node');
      // @alicloud/kms20160120's DescribeSecretResponse model predates SecretType
      if (flavour !== 'tea-kms') assert.equal(d.SecretType, 'Generic');
      assert.deepEqual(d.Tags.Tag.map((t) => [t.TagKey, t.TagValue]), [['t', '1']]);
      await kms.call('UpdateSecret', { SecretName: name, Description: 'new' });
      assert.equal((await kms.call('DescribeSecret', { SecretName: name })).Description, 'new');
    });

    test('list, delete window, restore, tags, not found', async () => {
      const kms = make(srv);
      const prefix = uniq('nl');
      for (const i of [1, 2]) {
        await kms.call('CreateSecret', { SecretName: `${prefix}-${i}`, VersionId: 'v1', SecretData: `d${i}` });
      }
      const l = await kms.call('ListSecrets', { Filters: JSON.stringify([{ Key: 'SecretName', Values: [`${prefix}-1`, `${prefix}-2`] }]) });
      assert.deepEqual(l.SecretList.Secret.map((s) => s.SecretName).sort(), [`${prefix}-1`, `${prefix}-2`]);
      assert.equal(l.TotalCount, 2);

      const name = `${prefix}-1`;
      await kms.call('TagResource', { SecretName: name, Tags: '[{"TagKey":"a","TagValue":"b"}]' });
      await kms.call('UntagResource', { SecretName: name, TagKeys: '["a"]' });
      const dd = await kms.call('DescribeSecret', { SecretName: name, FetchTags: 'true' });
      assert.equal((dd.Tags?.Tag ?? []).length, 0);

      const del = await kms.call('DeleteSecret', { SecretName: name, RecoveryWindowInDays: '7' });
      assertDate(del.PlannedDeleteTime, 'PlannedDeleteTime');
      await expectError(() => kms.call('GetSecretValue', { SecretName: name }), 409, 'Rejected.ResourceInDeleteWindow');
      await kms.call('RestoreSecret', { SecretName: name });
      assert.equal((await kms.call('GetSecretValue', { SecretName: name })).SecretData, 'd1');
      await kms.call('DeleteSecret', { SecretName: name, ForceDeleteWithoutRecovery: 'true' });
      await expectError(() => kms.call('GetSecretValue', { SecretName: name }), 404, 'Forbidden.ResourceNotFound');
      await expectError(() => kms.call('DescribeSecret', { SecretName: uniq('none') }), 404, 'Forbidden.ResourceNotFound');
    });
  });
}

// RAM secrets: the V3 generic client and the Tea KMS client (its doRequest,
// since its typed CreateSecret/RotateSecret predate RAM secrets).
for (const flavour of ['openapi-v3', 'tea-kms']) {
  describe(`RAM secrets ${flavour}`, () => {
    before(seedRole);

    test('create, read, rotate now, old key deleted after the grace period', async () => {
      const kms = KMS_FLAVOURS[flavour](srv);
      const user = uniq('nu');
      const [akId, akSecret] = await userWithKey(user);
      const c = await kms.call('CreateSecret', {
        SecretName: '$Auto', SecretType: 'RAMCredentials', VersionId: 'v1',
        SecretData: JSON.stringify({ AccessKeys: [{ AccessKeyId: akId, AccessKeySecret: akSecret }] }),
        ExtendedConfig: { SecretSubType: 'RamUserAccessKey', UserName: user, CustomData: {} },
        EnableAutomaticRotation: 'True', RotationInterval: '7d',
      });
      const name = c.SecretName;
      assert.equal(name, `acs/ram/user/${user}`);
      assert.deepEqual([c.AutomaticRotation, c.RotationInterval], ['Enabled', '604800s']);
      assertDate(c.NextRotationDate, 'NextRotationDate');

      const g = await kms.call('GetSecretValue', { SecretName: name, FetchExtendedConfig: 'True' });
      const data = JSON.parse(g.SecretData);
      assert.deepEqual([data.AccessKeyId, data.AccessKeySecret], [akId, akSecret]);
      assertDate(data.GenerateTimestamp, 'GenerateTimestamp');
      assert.equal(g.SecretType, 'RAMCredentials');
      assert.equal(JSON.parse(g.ExtendedConfig).UserName, user);

      await expectError(() => kms.call('PutSecretValue', { SecretName: name, VersionId: 'x', SecretData: 'x' }),
        400, 'Rejected.UnsupportedOperation');

      await kms.call('RotateSecret', { SecretName: name, VersionId: 'r1' });
      const t0 = Date.now();
      const cur = JSON.parse((await kms.call('GetSecretValue', { SecretName: name })).SecretData);
      assert.notEqual(cur.AccessKeyId, akId);
      const prev = JSON.parse((await kms.call('GetSecretValue', { SecretName: name, VersionStage: 'ACSPrevious' })).SecretData);
      assert.equal(prev.AccessKeyId, akId);
      await makeClient('pop-core-post', srv, cur.AccessKeyId, cur.AccessKeySecret).call('ListUsers');
      await makeClient('pop-core-post', srv, akId, akSecret).call('ListUsers');

      while (Date.now() < t0 + (GRACE_S + 15) * 1000 && (await userKeys(user)).includes(akId)) await sleep(1000);
      assert.deepEqual(await userKeys(user), [cur.AccessKeyId]);
      await expectError(() => makeClient('pop-core-post', srv, akId, akSecret).call('ListUsers'),
        404, 'InvalidAccessKeyId.NotFound');
      await makeClient('tea-default', srv, cur.AccessKeyId, cur.AccessKeySecret).call('ListUsers');

      await kms.call('UpdateSecretRotationPolicy', { SecretName: name, EnableAutomaticRotation: 'False' });
      // (@alicloud/kms20160120's DescribeSecretResponse model has no AutomaticRotation)
      const reader = flavour === 'tea-kms' ? KMS_FLAVOURS['openapi-v3'](srv) : kms;
      assert.equal((await reader.call('DescribeSecret', { SecretName: name })).AutomaticRotation, 'Disabled');
      await kms.call('DeleteSecret', { SecretName: name, ForceDeleteWithoutRecovery: 'true' });
      assert.deepEqual(await userKeys(user), [cur.AccessKeyId]);
    });
  });
}
