// KMS asymmetric keys and imported key material through the Node SDKs;
// signatures verified and ciphertexts made by node:crypto. Messages, secrets
// and key material are fixed; only Rampart's keys and its randomness vary.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { expectError, startServer } from './helpers.mjs';
import { KMS_FLAVOURS } from './kmshelpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

const b64 = (b) => Buffer.from(b).toString('base64');
/** n deterministic bytes (SHAKE-256 of the label): fixed test inputs. */
const fixed = (n, label) => crypto.createHash('shake256', { outputLength: n }).update(label).digest();

async function key(kms, params) {
  const md = (await kms.call('CreateKey', params)).KeyMetadata;
  const pem = params.Origin ? null
    : (await kms.call('GetPublicKey', { KeyId: md.KeyId, KeyVersionId: md.PrimaryKeyVersion })).PublicKey;
  return { id: md.KeyId, ver: md.PrimaryKeyVersion, md, pem };
}

for (const [flavour, make] of Object.entries(KMS_FLAVOURS)) {
  describe(`asymmetric keys ${flavour}`, () => {
    test('RSA-PSS and ECDSA signatures verify with node:crypto', async () => {
      const kms = make(srv);
      const message = fixed(100, 'signed message');
      const digest = crypto.createHash('sha256').update(message).digest();
      for (const [spec, alg, opts] of [
        ['RSA_2048', 'RSA_PSS_SHA_256', { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
        ['RSA_3072', 'RSA_PKCS1_SHA_256', {}],
        ['EC_P256', 'ECDSA_SHA_256', {}],
      ]) {
        const k = await key(kms, { KeySpec: spec, KeyUsage: 'SIGN/VERIFY' });
        const sig = Buffer.from((await kms.call('AsymmetricSign', { KeyId: k.id, KeyVersionId: k.ver,
          Algorithm: alg, Digest: b64(digest) })).Value, 'base64');
        assert.ok(crypto.verify('sha256', message, { key: k.pem, ...opts }, sig), `${spec} ${alg}`);
        const v = await kms.call('AsymmetricVerify', { KeyId: k.id, KeyVersionId: k.ver, Algorithm: alg,
          Digest: b64(digest), Value: b64(sig) });
        assert.equal(String(v.Value), 'true');
      }
    });

    test('RSA-OAEP ciphertexts of node:crypto decrypt', async () => {
      const kms = make(srv);
      const k = await key(kms, { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT/DECRYPT' });
      const secret = fixed(32, 'OAEP secret');
      const ct = crypto.publicEncrypt({ key: k.pem, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256' }, secret);
      const d = await kms.call('AsymmetricDecrypt', { KeyId: k.id, KeyVersionId: k.ver,
        Algorithm: 'RSAES_OAEP_SHA_256', CiphertextBlob: b64(ct) });
      assert.equal(d.Plaintext, b64(secret));
    });

    test('import flow: wrap with node:crypto, import, use, delete', async () => {
      const kms = make(srv);
      const k = await key(kms, { KeySpec: 'Aliyun_AES_256', Origin: 'EXTERNAL' });
      assert.equal(k.md.KeyState, 'PendingImport');
      const p = await kms.call('GetParametersForImport', { KeyId: k.id, WrappingAlgorithm: 'RSAES_OAEP_SHA_1',
        WrappingKeySpec: 'RSA_2048' });
      const publicKey = crypto.createPublicKey({ key: Buffer.from(p.PublicKey, 'base64'), format: 'der', type: 'spki' });
      const wrapped = crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha1' }, fixed(32, 'imported material'));
      await kms.call('ImportKeyMaterial', { KeyId: k.id, EncryptedKeyMaterial: b64(wrapped),
        ImportToken: p.ImportToken, KeyMaterialExpireUnix: Math.floor(Date.now() / 1000) + 3600 });
      const blob = (await kms.call('Encrypt', { KeyId: k.id, Plaintext: 'node import' })).CiphertextBlob;
      assert.equal((await kms.call('Decrypt', { CiphertextBlob: blob })).Plaintext, 'node import');
      await kms.call('DeleteKeyMaterial', { KeyId: k.id });
      await expectError(() => kms.call('Encrypt', { KeyId: k.id, Plaintext: 'x' }), 409, 'Rejected.PendingImport');
    });
  });
}
