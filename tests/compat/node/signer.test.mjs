// Unit tests of the hand-written RPC V1 signer (no server needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signV1, stringToSign } from './helpers.mjs';

test('V1 doc vector (GET CreateKey)', () => {
  const sts = stringToSign('GET', {
    AccessKeyId: 'testid', Action: 'CreateKey', Format: 'json', SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0', Timestamp: '2016-03-28T03:13:08Z', Version: '2016-01-20',
  });
  // The doc's signed URL carries 41wk...; its printed StringToSign has a
  // typo (literal '&' for '%26') whose HMAC is s/OdV...
  assert.equal(signV1('testsecret', sts), '41wk2SSX1GJh7fwnc5eqOfiJPFg=');
  assert.equal(signV1('testsecret', sts.replace(/%26/g, '&')), 's/OdVWMTmNGagvWlljdAJ7Itsew=');
});

test('V1 Tea vector (POST GetSecretValue)', () => {
  const sts = stringToSign('POST', {
    Action: 'GetSecretValue', Format: 'JSON', Version: '2016-01-20', AccessKeyId: 'testak',
    SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: 'nonce-1',
    Timestamp: '2024-01-01T00:00:00Z', SecretName: 'my secret*~',
  });
  assert.equal(sts, 'POST&%2F&AccessKeyId%3Dtestak%26Action%3DGetSecretValue%26Format%3DJSON'
    + '%26SecretName%3Dmy%2520secret%252A~%26SignatureMethod%3DHMAC-SHA1'
    + '%26SignatureNonce%3Dnonce-1%26SignatureVersion%3D1.0'
    + '%26Timestamp%3D2024-01-01T00%253A00%253A00Z%26Version%3D2016-01-20');
  assert.equal(signV1('testsecret', sts), 'Ttlp/oifoGGCmbeV0eG6aRfzj4Q=');
});
