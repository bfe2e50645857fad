// Run by https.test.mjs with NODE_EXTRA_CA_CERTS=<data-dir>/tls/ca.pem, the
// only way these clients trust the server: the Tea clients (RAM, STS, KMS),
// pop-core, and @alicloud/credentials' RAM role ARN provider, which speaks
// https only, at a given endpoint and at its fixed one (sts.aliyuncs.com,
// reached here because this process maps that name to the server: see
// mapHost).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';

import Credential, { Config as CredentialConfig } from '@alicloud/credentials';
import OpenApi from '@alicloud/openapi-core';
import RamMod from '@alicloud/ram20150501';

import { FLAVOURS, REGION, TeaRam, expectError, makeClient, uniq } from './helpers.mjs';
import { KMS_FLAVOURS } from './kmshelpers.mjs';

const port = Number(process.env.RAMPART_HTTPS_PORT);
const dataDir = process.env.RAMPART_HTTPS_DATA_DIR;
const creds = JSON.parse(fs.readFileSync(path.join(dataDir, 'root-credentials.json'), 'utf8'));
const srv = {
  port,
  endpoint: `127.0.0.1:${port}`,
  baseUrl: `https://127.0.0.1:${port}`,
  scheme: 'https',
  creds,
  accessKeyId: creds.AccessKeyId,
  accessKeySecret: creds.AccessKeySecret,
};

/** Inside this process only, TLS connections to `names` (any port) go to
 * the server, as a hosts-file entry plus a port mapping would; the
 * certificate is still checked against the name asked for. No other
 * Alibaba Cloud name can be reached. */
function mapHost(...names) {
  const real = tls.connect;
  tls.connect = function connect(...args) {
    const opts = typeof args[0] === 'object' ? args[0] : (typeof args[1] === 'object' ? args[1] : {});
    const host = (opts.host ?? opts.servername ?? '').toLowerCase();
    if (names.includes(host)) {
      return real.call(this, { ...opts, host: '127.0.0.1', port, servername: host }, ...args.filter((a) => typeof a === 'function'));
    }
    if (host.endsWith('.aliyuncs.com')) throw new Error(`${host} is not reachable in tests`);
    return real.apply(this, args);
  };
  return () => { tls.connect = real; };
}

for (const flavour of [...FLAVOURS, 'tea-v2']) {
  test(`RAM users over https: ${flavour}`, async () => {
    const ram = makeClient(flavour, srv);
    const name = uniq('tls');
    await ram.call('CreateUser', { UserName: name });
    const got = await ram.call('GetUser', { UserName: name });
    assert.equal(got.User.UserName, name);
    await ram.call('DeleteUser', { UserName: name });
    await expectError(() => ram.call('GetUser', { UserName: name }), 404, 'EntityNotExist.User');
  });
}

async function readerRole() {
  const ram = makeClient('tea-default', srv);
  const role = uniq('tlsrole');
  const trust = JSON.stringify({
    Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: [`acs:ram::${creds.AccountId}:root`] } }],
    Version: '1',
  });
  await ram.call('CreateRole', { RoleName: role, AssumeRolePolicyDocument: trust });
  await ram.call('AttachPolicyToRole', { PolicyType: 'System', PolicyName: 'AliyunRAMReadOnlyAccess', RoleName: role });
  return `acs:ram::${creds.AccountId}:role/${role}`;
}

test('STS AssumeRole over https, then the session reads RAM', async () => {
  const arn = await readerRole();
  for (const flavour of ['tea-default', 'tea-v2', 'pop-core-post']) {
    const sts = makeClient(flavour, srv, undefined, undefined, { product: 'sts' });
    const c = (await sts.call('AssumeRole', { RoleArn: arn, RoleSessionName: 'tls' })).Credentials;
    assert.match(c.AccessKeyId, /^STS\./);
    const ram = makeClient(flavour, srv, c.AccessKeyId, c.AccessKeySecret, { securityToken: c.SecurityToken });
    const body = await ram.call('ListUsers');
    assert.equal(typeof body.IsTruncated, 'boolean');
  }
});

for (const [flavour, make] of Object.entries(KMS_FLAVOURS)) {
  test(`KMS secrets over https: ${flavour}`, async () => {
    const kms = make(srv);
    const name = uniq('tls-secret');
    await kms.call('CreateSecret', { SecretName: name, VersionId: 'v1', SecretData: 'over tls' });
    const got = await kms.call('GetSecretValue', { SecretName: name });
    assert.equal(got.SecretData, 'over tls');
  });
}

/** A Tea RAM client signing with the credentials client `credential`. */
async function listUsersWith(credential) {
  const client = new RamMod.default(new OpenApi.$OpenApiUtil.Config({
    credential, endpoint: srv.endpoint, protocol: 'https', regionId: REGION,
  }));
  const resp = await client.listUsers(new RamMod.ListUsersRequest({}));
  assert.equal(resp.statusCode, 200);
}

test('@alicloud/credentials RAM role ARN (https only) at a given endpoint', async () => {
  const arn = await readerRole();
  const credential = new Credential.default(new CredentialConfig({
    type: 'ram_role_arn', accessKeyId: srv.accessKeyId, accessKeySecret: srv.accessKeySecret,
    roleArn: arn, roleSessionName: 'node-https', stsEndpoint: srv.endpoint,
  }));
  const c = await credential.getCredential();
  assert.match(c.accessKeyId, /^STS\./);
  assert.ok(c.securityToken);
  await listUsersWith(credential);
});

test('@alicloud/credentials RAM role ARN at its fixed endpoint sts.aliyuncs.com', async () => {
  const arn = await readerRole();
  const unmap = mapHost('sts.aliyuncs.com');
  try {
    const credential = new Credential.default(new CredentialConfig({
      type: 'ram_role_arn', accessKeyId: srv.accessKeyId, accessKeySecret: srv.accessKeySecret,
      roleArn: arn, roleSessionName: 'node-fixed',
    }));
    const c = await credential.getCredential();
    assert.match(c.accessKeyId, /^STS\./);
    await listUsersWith(credential);
  } finally {
    unmap();
  }
});

test('a Tea client at kms.<region>.aliyuncs.com and one at a name the certificate lacks', async () => {
  const unmap = mapHost(`kms.${REGION}.aliyuncs.com`, 'kms.example.com');
  try {
    const kms = KMS_FLAVOURS['openapi-v3']({ ...srv, endpoint: `kms.${REGION}.aliyuncs.com` });
    const keys = await kms.call('ListKeys', {});
    assert.ok(keys.Keys);
    const other = KMS_FLAVOURS['openapi-v3']({ ...srv, endpoint: 'kms.example.com' });
    await assert.rejects(other.call('ListKeys', {}), /altnames|ERR_TLS_CERT_ALTNAME_INVALID|does not match/i);
  } finally {
    unmap();
  }
});
