// Actions tools call around the entities, through the Node SDKs: KMS
// DescribeRegions and DescribeAccountKmsStatus (@alicloud/kms20160120,
// openapi-core V3, pop-core), RAM DecodeDiagnosticMessage and
// DeleteServiceLinkedRole (@alicloud/ram20150501 V3, pop-core V1 POST and GET).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { FLAVOURS, REGION, expectError, makeClient, startServer, uniq } from './helpers.mjs';
import { KMS_FLAVOURS } from './kmshelpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

for (const [flavour, make] of Object.entries(KMS_FLAVOURS)) {
  test(`KMS account actions ${flavour}`, async () => {
    const kms = make(srv);
    const r = await kms.call('DescribeRegions');
    assert.deepEqual(r.Regions.Region.map((x) => x.RegionId), [REGION]);
    assert.equal((await kms.call('DescribeAccountKmsStatus')).AccountStatus, 'Enabled');
  });
}

async function deniedDetail() {
  const root = makeClient('pop-core-post', srv);
  const name = uniq('diag');
  await root.call('CreateUser', { UserName: name });
  const ak = (await root.call('CreateAccessKey', { UserName: name })).AccessKey;
  const user = makeClient('tea-default', srv, ak.AccessKeyId, ak.AccessKeySecret);
  const e = await expectError(() => user.call('ListGroups'), 403, 'NoPermission');
  return [name, e.data.AccessDeniedDetail];
}

describe('DecodeDiagnosticMessage', () => {
  for (const flavour of FLAVOURS) {
    test(flavour, async () => {
      const [, detail] = await deniedDetail();
      assert.equal(detail.NoPermissionType, 'ImplicitDeny');
      const ram = makeClient(flavour, srv);
      const m = (await ram.call('DecodeDiagnosticMessage', { EncodedDiagnosticMessage: detail.EncodedDiagnosticMessage }))
        .DecodedDiagnosticMessage;
      assert.equal(m.AuthAction, 'ram:ListGroups');
      assert.equal(m.ExplicitDeny, false);
      assert.equal(m.AuthPrincipal.AuthPrincipalType, 'SubUser');
      assert.equal(m.AuthPrincipal.AuthPrincipalOwnerId, srv.creds.AccountId);
      await expectError(() => ram.call('DecodeDiagnosticMessage', { EncodedDiagnosticMessage: 'forged' }),
        400, 'InvalidParameter.EncodedDiagnosticMessage');
    });
  }
});

// @alicloud/ram20150501 1.2.1 has no (Create|Delete)ServiceLinkedRole method:
// pop-core only.
test('DeleteServiceLinkedRole', async () => {
  const slr = 'AliyunKMSManageRAMCredentialsRole';
  for (const flavour of ['pop-core-post', 'pop-core-get']) {
    const ram = makeClient(flavour, srv);
    await ram.call('CreateServiceLinkedRole', { ServiceName: 'ramcredentials.kms.aliyuncs.com' });
    const task = (await ram.call('DeleteServiceLinkedRole', { RoleName: slr })).DeletionTaskId;
    assert.ok(task.startsWith(`task/acs-service-role/ramcredentials.kms.aliyuncs.com/${slr}/`), task);
    await expectError(() => ram.call('GetRole', { RoleName: slr }), 404, 'EntityNotExist.Role');
    await expectError(() => ram.call('DeleteServiceLinkedRole', { RoleName: slr }), 404, 'EntityNotExist.Role');
  }
});
