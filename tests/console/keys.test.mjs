// The Keys page: list, create a symmetric and an asymmetric key, disable and
// enable, download the public key, edit the key policy, schedule and cancel
// deletion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { call, logOnAsRoot, nav, openBrowser, screenshots } from './helpers.mjs';

test('Keys: create, disable and enable, public key, key policy, deletion', async () => {
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'keys');
  try {
    await logOnAsRoot(page);
    await nav(page, 'Keys');
    await page.getByRole('button', { name: 'Create Key' }).click();
    await page.getByLabel('Key Spec').selectOption('RSA_2048');
    await page.getByLabel('Key Usage').selectOption('SIGN/VERIFY');
    await page.getByLabel('Description').fill('console signing key');
    await shot('create');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('heading', { name: 'Key Versions' }).waitFor();
    const id = (await page.locator('#view h1').textContent()).trim();
    const md = (await call('kms', 'DescribeKey', { KeyId: id })).KeyMetadata;
    assert.equal(md.KeySpec, 'RSA_2048');
    assert.equal(md.KeyUsage, 'SIGN/VERIFY');

    // Download the public key of the first version.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download Public Key' }).click(),
    ]);
    const pem = fs.readFileSync(await download.path(), 'utf8');
    const pk = await call('kms', 'GetPublicKey', { KeyId: id, KeyVersionId: md.PrimaryKeyVersion });
    assert.equal(pem, pk.PublicKey);
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----/);

    // Disable, then enable.
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    assert.equal((await call('kms', 'DescribeKey', { KeyId: id })).KeyMetadata.KeyState, 'Disabled');
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('button', { name: 'Disable' }).waitFor();

    // Edit the key policy; the engine's error is shown for a bad one.
    const editor = page.getByLabel('Key Policy Document');
    assert.match(await editor.inputValue(), /"kms:\*"/);
    const deny = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Deny', Action: ['kms:AsymmetricSign'],
      Resource: ['*'], Principal: { RAM: [`acs:ram::${md.Creator}:user/nobody`] } }] });
    await editor.fill(deny);
    await page.getByRole('button', { name: 'Save Key Policy' }).click();
    await page.getByText('The key policy was saved.').waitFor();
    assert.deepEqual(JSON.parse((await call('kms', 'GetKeyPolicy', { KeyId: id, PolicyName: 'default' })).Policy),
      JSON.parse(deny));
    await editor.fill('{"Version":"1","Statement":[{"Effect":"Maybe","Action":"kms:*","Resource":"*"}]}');
    await page.getByRole('button', { name: 'Save Key Policy' }).click();
    await page.locator('.alert').filter({ hasText: 'MalformedPolicyDocument' }).waitFor();
    await shot('policy');

    // Schedule deletion, then cancel it.
    await page.getByRole('button', { name: 'Schedule Deletion' }).click();
    await page.getByLabel('Pending Period (days)').fill('7');
    await page.getByRole('region', { name: 'Schedule Deletion' }).getByRole('button', { name: 'OK' }).click();
    await page.getByRole('button', { name: 'Cancel Deletion' }).waitFor();
    assert.equal((await call('kms', 'DescribeKey', { KeyId: id })).KeyMetadata.KeyState, 'PendingDeletion');
    await page.getByRole('button', { name: 'Cancel Deletion' }).click();
    await page.getByRole('button', { name: 'Disable' }).waitFor();

    // A symmetric key; both are listed.
    await nav(page, 'Keys');
    await page.getByRole('button', { name: 'Create Key' }).click();
    await page.getByLabel('Key Spec').selectOption('Aliyun_SM4');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('heading', { name: 'Key Policy' }).waitFor();
    const sm4 = (await page.locator('#view h1').textContent()).trim();
    await nav(page, 'Keys');
    const keys = page.getByRole('table', { name: 'Keys' });
    await keys.getByRole('link', { name: id }).waitFor();
    await keys.getByRole('link', { name: sm4 }).waitFor();
    await shot('list');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
