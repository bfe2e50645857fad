// Run by federation.test.mjs with NODE_EXTRA_CA_CERTS=<data-dir>/tls/ca.pem
// against `rampart serve --tls-auto`: @alicloud/credentials' oidc_role_arn
// provider (https only) reading a token file, across refreshes, and the
// default credential chain from the RRSA environment variables alone, with
// STS at its fixed endpoint sts.aliyuncs.com (mapped to the server inside
// this process, as in https-client.mjs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

import Credential, { Config as CredentialConfig } from '@alicloud/credentials';
import OpenApi from '@alicloud/openapi-core';
import RamMod from '@alicloud/ram20150501';

import { oidcTrust, teaIms } from './fedhelpers.mjs';
import { REGION, TeaRam, expectError, makeClient, uniq } from './helpers.mjs';
import { Issuer } from './oidc-issuer.mjs';

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

let issuer;
let tenant;
let providerArn;
let role;
let tmp;
let tokenFile;
const AUD = 'sts.aliyuncs.com';
const tokenFor = (sub) => tenant.token({ sub, aud: AUD });

before(async () => {
  issuer = await new Issuer().ready;
  tenant = issuer.tenant(uniq('rrsa'));
  const ims = teaIms(srv);
  providerArn = (await ims.call('CreateOIDCProvider', {
    OIDCProviderName: uniq('rrsa'), IssuerUrl: tenant.url, ClientIds: AUD, Fingerprints: issuer.fingerprint,
  })).OIDCProvider.Arn;
  const ram = makeClient('tea-default', srv);
  const name = uniq('rrsarole');
  const r = (await ram.call('CreateRole', {
    RoleName: name,
    AssumeRolePolicyDocument: oidcTrust(providerArn, { StringLike: { 'oidc:sub': 'system:serviceaccount:prod:*' } }),
  })).Role;
  await ram.call('AttachPolicyToRole', { PolicyType: 'System', PolicyName: 'AliyunRAMReadOnlyAccess', RoleName: name });
  role = { name, arn: r.Arn };
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rampart-node-rrsa-'));
  tokenFile = path.join(tmp, 'token');
  fs.writeFileSync(tokenFile, tokenFor('system:serviceaccount:prod:app'));
});

after(async () => {
  await issuer?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function whoAmI(c) {
  const sts = new TeaRam(srv, c.accessKeyId, c.accessKeySecret, undefined,
    { product: 'sts', securityToken: c.securityToken });
  return sts.call('GetCallerIdentity');
}

test('oidc_role_arn with a token file; the file is read again at each refresh', async () => {
  const cred = new Credential.default(new CredentialConfig({
    type: 'oidc_role_arn', roleArn: role.arn, oidcProviderArn: providerArn, oidcTokenFilePath: tokenFile,
    roleSessionName: 'node-provider', roleSessionExpiration: 900, stsEndpoint: srv.endpoint,
  }));
  const c1 = await cred.getCredential();
  assert.match(c1.accessKeyId, /^STS\./);
  assert.equal(c1.type, 'oidc_role_arn');
  const who = await whoAmI(c1);
  assert.equal(who.Arn, `acs:ram::${creds.AccountId}:assumed-role/${role.name}/node-provider`);
  // 900 s sessions are already inside the provider's 15 min margin: each
  // call refreshes, reading the file again: a new session ...
  fs.writeFileSync(tokenFile, tokenFor('system:serviceaccount:prod:other'));
  const c2 = await cred.getCredential();
  assert.notEqual(c2.accessKeyId, c1.accessKeyId);
  await whoAmI(c2);
  // ... and with a token the trust policy refuses the refresh fails, so this
  // provider keeps the last session (a refresh with the old token would have
  // given a new one).
  fs.writeFileSync(tokenFile, tokenFor('system:serviceaccount:dev:app'));
  const c3 = await cred.getCredential();
  assert.equal(c3.accessKeyId, c2.accessKeyId);
  // A Tea client built on the credential.
  const ram = new TeaRam(srv, undefined, undefined);
  ram.client = new RamMod.default(new OpenApi.$OpenApiUtil.Config({
    credential: cred, endpoint: srv.endpoint, protocol: 'https', regionId: REGION,
  }));
  await ram.call('ListUsers');
  await expectError(() => ram.call('CreateUser', { UserName: 'nope' }), 403, 'NoPermission');
});

test('the default chain from the RRSA variables, STS at sts.aliyuncs.com', async () => {
  fs.writeFileSync(tokenFile, tokenFor('system:serviceaccount:prod:pod'));
  process.env.ALIBABA_CLOUD_ROLE_ARN = role.arn;
  process.env.ALIBABA_CLOUD_OIDC_PROVIDER_ARN = providerArn;
  process.env.ALIBABA_CLOUD_OIDC_TOKEN_FILE = tokenFile;
  process.env.ALIBABA_CLOUD_ROLE_SESSION_NAME = 'rrsa-pod';
  process.env.ALIBABA_CLOUD_CLI_PROFILE_DISABLED = 'true';
  process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = 'true';
  process.env.HOME = tmp;
  const restore = mapHost('sts.aliyuncs.com');
  try {
    const cred = new Credential.default();
    const c = await cred.getCredential();
    assert.match(c.accessKeyId, /^STS\./);
    assert.match(String(c.providerName), /oidc_role_arn/);
    const who = await whoAmI(c);
    assert.equal(who.Arn, `acs:ram::${creds.AccountId}:assumed-role/${role.name}/rrsa-pod`);
  } finally {
    restore();
  }
});
