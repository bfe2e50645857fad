// Federation through the Node SDKs: IMS OIDC and SAML providers through
// @alicloud/ims20190815 (Tea V3) and @alicloud/pop-core (RPC V1);
// AssumeRoleWithOIDC through @alicloud/sts20150401 built without credentials
// (the action is anonymous in the SDK), the session it gives used with the
// Tea clients; @alicloud/credentials' oidc_role_arn provider (token file, and
// the RRSA environment variables) against `--tls-auto`, run in a child
// process (federation-client.mjs) that trusts the server's CA through
// NODE_EXTRA_CA_CERTS. The OIDC issuer is local (oidc-issuer.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import PopCore from '@alicloud/pop-core';

import { anonymousSts, oidcTrust, teaIms } from './fedhelpers.mjs';
import {
  DATE_RE, PopRam, expectError, makeClient, startServer, uniq,
} from './helpers.mjs';
import { Issuer, Key, jws, selfSignedCert } from './oidc-issuer.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const IMS_VERSION = '2019-08-15';
const CLIENT = 'client-a';

/** @alicloud/pop-core RPCClient for IMS (POST, every parameter in the form body). */
function popIms(srv) {
  const c = new PopRam(srv);
  c.client = new PopCore.RPCClient({
    accessKeyId: srv.accessKeyId, accessKeySecret: srv.accessKeySecret, endpoint: srv.baseUrl,
    apiVersion: IMS_VERSION,
  }, true);
  c.flavour = 'pop-core-ims';
  return c;
}

let srv;
let issuer;
before(async () => {
  srv = await startServer();
  issuer = await new Issuer().ready;
});
after(async () => {
  await issuer?.close();
  await srv?.stop();
});

const IMS_FLAVOURS = { 'tea-ims': (s) => teaIms(s), 'pop-core-ims': (s) => popIms(s) };

for (const [flavour, make] of Object.entries(IMS_FLAVOURS)) {
  describe(`IMS providers: ${flavour}`, () => {
    test('OIDC provider: create, get, list, update, client ids, fingerprints, delete', async () => {
      const ims = make(srv);
      const name = uniq('oidcp');
      const url = `https://oidc.example.test/${name}`;
      const p = (await ims.call('CreateOIDCProvider', {
        OIDCProviderName: name, IssuerUrl: url, ClientIds: 'app-1,app-2',
        Fingerprints: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01', Description: 'node',
      })).OIDCProvider;
      assert.equal(p.Arn, `acs:ram::${srv.creds.AccountId}:oidc-provider/${name}`);
      assert.equal(p.Fingerprints, 'abcdef0123456789abcdef0123456789abcdef01');
      assert.deepEqual([p.ClientIds, p.IssuanceLimitTime, p.IssuerUrl, p.Description], ['app-1,app-2', 12, url, 'node']);
      assert.match(p.CreateDate, DATE_RE);
      assert.match(String(p.GmtCreate), /^\d+$/);
      assert.deepEqual((await ims.call('GetOIDCProvider', { OIDCProviderName: name })).OIDCProvider, p);
      const listed = (await ims.call('ListOIDCProviders', { MaxItems: 100 })).OIDCProviders.OIDCProvider;
      assert.deepEqual(listed.filter((x) => x.OIDCProviderName === name), [p]);

      let u = (await ims.call('UpdateOIDCProvider', {
        OIDCProviderName: name, ClientIds: 'app-3', IssuanceLimitTime: 24, NewDescription: 'updated',
      })).OIDCProvider;
      assert.deepEqual([u.ClientIds, u.IssuanceLimitTime, u.Description], ['app-3', 24, 'updated']);
      u = (await ims.call('AddClientIdToOIDCProvider', { OIDCProviderName: name, ClientId: 'app-4' })).OIDCProvider;
      assert.equal(u.ClientIds, 'app-3,app-4');
      u = (await ims.call('RemoveClientIdFromOIDCProvider', { OIDCProviderName: name, ClientId: 'app-3' })).OIDCProvider;
      assert.equal(u.ClientIds, 'app-4');
      u = (await ims.call('AddFingerprintToOIDCProvider', {
        OIDCProviderName: name, Fingerprint: 'FEDCBA9876543210FEDCBA9876543210FEDCBA98',
      })).OIDCProvider;
      assert.equal(u.Fingerprints.split(',').length, 2);
      u = (await ims.call('RemoveFingerprintFromOIDCProvider', {
        OIDCProviderName: name, Fingerprint: 'abcdef0123456789abcdef0123456789abcdef01',
      })).OIDCProvider;
      assert.equal(u.Fingerprints, 'fedcba9876543210fedcba9876543210fedcba98');

      await expectError(() => ims.call('CreateOIDCProvider', { OIDCProviderName: `${name}-2`, IssuerUrl: url, ClientIds: 'x' }),
        409, 'EntityAlreadyExists.OIDCProvider');
      await expectError(() => ims.call('CreateOIDCProvider', {
        OIDCProviderName: uniq('oidcp'), IssuerUrl: 'http://oidc.example.test/plain', ClientIds: 'x',
      }), 400, 'InvalidParameter.IssuerUrl');
      await expectError(() => ims.call('UpdateOIDCProvider', { OIDCProviderName: name, IssuanceLimitTime: 169 }),
        400, 'InvalidParameter.IssuanceLimitTime');
      await expectError(() => ims.call('AddFingerprintToOIDCProvider', { OIDCProviderName: name, Fingerprint: 'abc' }),
        400, 'InvalidParameter.Fingerprint');
      await ims.call('DeleteOIDCProvider', { OIDCProviderName: name });
      await expectError(() => ims.call('GetOIDCProvider', { OIDCProviderName: name }), 404, 'EntityNotExist.OIDCProvider');
    });

    test('SAML provider: create, get, list, update, delete', async () => {
      const ims = make(srv);
      const name = uniq('samlp');
      const { cert } = selfSignedCert('idp.example.test', { rsa: true, san: 'DNS:idp.example.test' });
      const der = cert.replace(/-----[A-Z ]+-----|\s/g, '');
      const metadata = (entity) => Buffer.from(
        `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entity}">`
        + '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        + `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`
        + '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/>'
        + '</md:IDPSSODescriptor></md:EntityDescriptor>',
      ).toString('base64');
      const p = (await ims.call('CreateSAMLProvider', {
        SAMLProviderName: name, EncodedSAMLMetadataDocument: metadata('https://idp.example.test/a'),
        AuthnSignAlgo: 'rsa-sha256', Description: 'node idp',
      })).SAMLProvider;
      assert.equal(p.Arn, `acs:ram::${srv.creds.AccountId}:saml-provider/${name}`);
      assert.deepEqual([p.AuthnSignAlgo, p.Description], ['rsa-sha256', 'node idp']);
      const got = (await ims.call('GetSAMLProvider', { SAMLProviderName: name })).SAMLProvider;
      assert.equal(got.EncodedSAMLMetadataDocument, metadata('https://idp.example.test/a'));
      const listed = (await ims.call('ListSAMLProviders', {})).SAMLProviders.SAMLProvider;
      assert.ok(listed.some((x) => x.SAMLProviderName === name));
      await ims.call('UpdateSAMLProvider', {
        SAMLProviderName: name, NewEncodedSAMLMetadataDocument: metadata('https://idp.example.test/b'), NewDescription: 'b',
      });
      assert.equal((await ims.call('GetSAMLProvider', { SAMLProviderName: name })).SAMLProvider.EncodedSAMLMetadataDocument,
        metadata('https://idp.example.test/b'));
      await expectError(() => ims.call('CreateSAMLProvider', {
        SAMLProviderName: uniq('samlp'), EncodedSAMLMetadataDocument: Buffer.from('<x/>').toString('base64'),
      }), 400, 'InvalidParameter.EncodedSAMLMetadataDocument');
      await ims.call('DeleteSAMLProvider', { SAMLProviderName: name });
      await expectError(() => ims.call('GetSAMLProvider', { SAMLProviderName: name }), 404, 'EntityNotExist.SAMLProvider');
    });
  });
}

describe('AssumeRoleWithOIDC', () => {
  let tenant;
  let providerArn;
  let role;
  before(async () => {
    tenant = issuer.tenant(uniq('node'), [new Key('k1'), new Key('e1', 'EC')]);
    const ims = teaIms(srv);
    providerArn = (await ims.call('CreateOIDCProvider', {
      OIDCProviderName: uniq('nodeoidc'), IssuerUrl: tenant.url, ClientIds: CLIENT, Fingerprints: issuer.fingerprint,
    })).OIDCProvider.Arn;
    const ram = makeClient('tea-default', srv);
    const name = uniq('noderole');
    const r = (await ram.call('CreateRole', {
      RoleName: name,
      AssumeRolePolicyDocument: oidcTrust(providerArn, { StringEquals: { 'oidc:aud': CLIENT }, StringLike: { 'oidc:sub': 'team:*' } }),
    })).Role;
    await ram.call('AttachPolicyToRole', { PolicyType: 'System', PolicyName: 'AliyunRAMReadOnlyAccess', RoleName: name });
    role = { name, arn: r.Arn, id: r.RoleId };
  });

  const assume = (token, extra = {}) => anonymousSts(srv).call('AssumeRoleWithOIDC', {
    OIDCProviderArn: providerArn, RoleArn: role.arn, OIDCToken: token, RoleSessionName: 'node-session', ...extra,
  });

  test('the Tea STS client without credentials, and the session it gives', async () => {
    for (const key of tenant.keys) {
      const body = await assume(tenant.token({ key, sub: 'team:web' }), { DurationSeconds: 900 });
      const c = body.Credentials;
      assert.match(c.AccessKeyId, /^STS\./);
      assert.ok(c.AccessKeySecret && c.SecurityToken);
      assert.deepEqual(body.AssumedRoleUser, { Arn: `${role.arn}/node-session`, AssumedRoleId: `${role.id}:node-session` });
      assert.deepEqual([body.OIDCTokenInfo.Subject, body.OIDCTokenInfo.Issuer, body.OIDCTokenInfo.ClientIds],
        ['team:web', tenant.url, CLIENT]);
      assert.match(body.OIDCTokenInfo.IssuanceTime, DATE_RE);
      const who = await makeClient('tea-default', srv, c.AccessKeyId, c.AccessKeySecret,
        { securityToken: c.SecurityToken, product: 'sts' }).call('GetCallerIdentity');
      assert.deepEqual([who.IdentityType, who.Arn],
        ['AssumedRoleUser', `acs:ram::${srv.creds.AccountId}:assumed-role/${role.name}/node-session`]);
      const ram = makeClient('pop-core-post', srv, c.AccessKeyId, c.AccessKeySecret, { securityToken: c.SecurityToken });
      await ram.call('ListUsers');
      await expectError(() => ram.call('CreateUser', { UserName: 'nope' }), 403, 'NoPermission');
    }
    // The JWKS was fetched once for all of it.
    assert.equal(issuer.count(`/${tenant.name}/keys`), 1);
  });

  test('refusals through the Tea client', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      [tenant.token({ sub: 'other:web' }), 'AuthenticationFail.NoPermission'],
      [tenant.token({ sub: 'team:web', aud: 'client-z' }), 'AuthenticationFail.OIDCToken.AudienceNotMatch'],
      [tenant.token({ sub: 'team:web', iat: now - 1200, exp: now - 600 }), 'AuthenticationFail.OIDCToken.Expired'],
      [tenant.token({ sub: 'team:web', iss: `${tenant.url}/` }), 'AuthenticationFail.OIDCToken.IssuerNotMatch'],
      [tenant.token({ sub: 'team:web', key: new Key('k1') }), 'AuthenticationFail.OIDCToken.InvalidSignature'],
      [tenant.token({ sub: 'team:web', kid: null }), 'AuthenticationFail.OIDCToken.InvalidSignature'],
      [jws({ alg: 'none', kid: 'k1' }, { iss: tenant.url, sub: 'team:web', aud: CLIENT, iat: now, exp: now + 600 }),
        'AuthenticationFail.OIDCToken.Invalid'],
      ['', 'AuthenticationFail.OIDCToken.Invalid'],
    ];
    for (const [token, code] of cases) {
      await expectError(() => assume(token), 401, code);
    }
    await expectError(() => anonymousSts(srv).call('AssumeRoleWithOIDC', {
      OIDCProviderArn: `${providerArn}-gone`, RoleArn: role.arn, OIDCToken: tenant.token({ sub: 'team:web' }),
      RoleSessionName: 'x-session',
    }), 401, 'AuthenticationFail.NoPermission');
    await expectError(() => anonymousSts(srv).call('AssumeRoleWithOIDC', {
      OIDCProviderArn: providerArn, RoleArn: `${role.arn}-gone`, OIDCToken: tenant.token({ sub: 'team:web' }),
      RoleSessionName: 'x-session',
    }), 404, 'EntityNotExist.Role');
    await expectError(() => assume(tenant.token({ sub: 'team:web' }), { DurationSeconds: 100 }), 400,
      'InvalidParameter.DurationSeconds');
  });

  test('a session Policy narrows the role', async () => {
    const body = await assume(tenant.token({ sub: 'team:web' }), {
      Policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'ram:GetRole', Resource: '*' }] }),
    });
    const c = body.Credentials;
    const ram = makeClient('tea-default', srv, c.AccessKeyId, c.AccessKeySecret, { securityToken: c.SecurityToken });
    await ram.call('GetRole', { RoleName: role.name });
    await expectError(() => ram.call('ListUsers'), 403, 'NoPermission');
  });
});

describe('@alicloud/credentials oidc_role_arn over HTTPS', () => {
  let tls;
  before(async () => { tls = await startServer([], { tls: true }); });
  after(async () => { await tls?.stop(); });

  test('token file, refresh, RRSA variables (child process trusting ca.pem)', () => {
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    for (const k of Object.keys(env)) if (k.startsWith('ALIBABA_CLOUD_')) delete env[k];
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', path.join(HERE, 'federation-client.mjs')], {
      cwd: HERE,
      env: {
        ...env,
        NODE_EXTRA_CA_CERTS: tls.ca,
        RAMPART_HTTPS_PORT: String(tls.port),
        RAMPART_HTTPS_DATA_DIR: tls.dataDir,
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `federation-client.mjs failed (${r.status} ${r.signal ?? ''}):\n${r.stdout}\n${r.stderr}\nserver log:\n${tls.tail()}`);
    assert.match(r.stdout, /# pass [1-9]/);
    assert.match(r.stdout, /# fail 0/);
  });
});
