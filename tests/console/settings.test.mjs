// The Settings page (password policy, security preference, account alias),
// MFA on the user page (QR code, Base32 key, bind with two codes), a RAM
// user's logon with its MFA code, and tags on a role.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { ROOT, call, logOn, logOnAsRoot, nav, openBrowser, screenshots, unique } from './helpers.mjs';

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0; let value = 0; const out = [];
  for (const c of s.trim()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

/** RFC 6238 code of time step `step` (SHA-1, 6 digits, 30 s). */
function totp(seed, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', seed).update(msg).digest();
  const off = mac[19] & 0x0f;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

const step = () => Math.floor(Date.now() / 1000 / 30);

test('Settings: the password policy is changed through the page and enforced', async () => {
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'settings');
  try {
    await logOnAsRoot(page);
    await nav(page, 'Settings');
    await page.getByRole('heading', { name: 'Password Policy' }).waitFor();
    await page.getByLabel('Minimum Length').fill('12');
    await page.getByRole('checkbox', { name: 'Require digits' }).check();
    await page.getByRole('checkbox', { name: 'Require symbols' }).check();
    await page.getByLabel('Maximum Logon Attempts per Hour').fill('5');
    await page.getByRole('button', { name: 'Save Password Policy' }).click();
    await page.getByText('The password policy was saved.').waitFor();
    await shot('password-policy');
    const got = (await call('ram', 'GetPasswordPolicy')).PasswordPolicy;
    assert.equal(got.MinimumPasswordLength, 12);
    assert.equal(got.RequireNumbers, true);
    assert.equal(got.RequireSymbols, true);
    assert.equal(got.MaxLoginAttemps, 5);

    // Enforced: a weak console password is refused with the policy's reasons.
    const user = unique('weakpw');
    await call('ram', 'CreateUser', { UserName: user });
    await nav(page, 'Users');
    await page.goto(`${page.url().split('#')[0]}#/users/${user}`);
    await page.getByLabel('Logon Password').fill('short1!');
    await page.getByRole('button', { name: 'Enable Console Logon' }).click();
    await page.locator('.alert').filter({ hasText: 'InvalidParameter.Password' }).waitFor();

    // Security preference and alias through the same page.
    await nav(page, 'Settings');
    await page.getByLabel('Console Session (hours)').fill('4');
    await page.getByRole('button', { name: 'Save Security Preference' }).click();
    await page.getByText('The security preference was saved.').waitFor();
    assert.equal((await call('ram', 'GetSecurityPreference')).SecurityPreference.LoginProfilePreference.LoginSessionDuration, 4);
    await page.getByLabel('Alias', { exact: true }).fill('console-settings');
    await page.getByRole('button', { name: 'Save Alias' }).click();
    await page.getByText('The account alias was saved.').waitFor();
    assert.equal((await call('ram', 'GetAccountAlias')).AccountAlias, 'console-settings');
    await page.getByRole('button', { name: 'Clear Alias' }).click();
    await page.getByText('The account alias was cleared.').waitFor();
    assert.deepEqual(b.errors, []);
  } finally {
    // The defaults again, for the other tests.
    await call('ram', 'SetPasswordPolicy', {});
    await call('ram', 'SetSecurityPreference', { LoginSessionDuration: 6 });
    await b.close();
  }
});

test('MFA: bound on the user page, then asked for at logon', async () => {
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'mfa');
  const user = unique('mfauser');
  const password = 'Mfa-Console-Passw0rd!';
  try {
    await call('ram', 'CreateUser', { UserName: user });
    await call('ram', 'CreateLoginProfile', { UserName: user, Password: password });
    await logOnAsRoot(page);
    await page.goto(`${page.url().split('#')[0]}#/users/${user}`);
    await page.getByRole('heading', { name: 'MFA Device' }).waitFor();
    await page.getByRole('button', { name: 'Enable MFA Device' }).click();
    const bindPanel = page.getByRole('region', { name: 'Bind a Virtual MFA Device' });
    await bindPanel.getByRole('img', { name: /QR code/ }).waitFor();
    const key = (await bindPanel.locator('code.seed').textContent()).trim();
    await shot('bind');
    const seed = base32Decode(key);
    // Two consecutive codes that are already past, so the logon's code is new.
    const now = step();
    await bindPanel.getByLabel('First Code').fill(totp(seed, now - 2));
    await bindPanel.getByLabel('Second Code').fill(totp(seed, now - 1));
    await bindPanel.getByRole('button', { name: 'Bind' }).click();
    await page.getByText(/Bound device: acs:ram::/).waitFor();
    const info = await call('ram', 'GetUserMFAInfo', { UserName: user });
    assert.equal(info.MFADevice.SerialNumber, `acs:ram::${ROOT.AccountId}:mfa/${user}`);
    await page.getByRole('button', { name: 'Log Out' }).click();

    // The user's logon: the password, then the code.
    await logOn(page, `${user}@${ROOT.AccountId}.onaliyun.com`, password);
    const err = page.locator('#login-error');
    await err.getByText(/InvalidLogin\.MFARequired/).waitFor();
    await page.getByLabel('MFA Code').waitFor();
    await shot('code-asked');
    await page.getByLabel('MFA Code').fill(totp(seed, step()));
    await page.getByRole('button', { name: 'Log On' }).click();
    await page.getByRole('button', { name: 'Log Out' }).waitFor();
    assert.match(await page.locator('#whoami').textContent(), new RegExp(user));
    assert.deepEqual(b.errors, []);
  } finally {
    await call('ram', 'UnbindMFADevice', { UserName: user }).catch(() => {});
    await b.close();
  }
});

test('Tags: added and removed on a role page', async () => {
  const b = await openBrowser();
  const { page } = b;
  try {
    const role = unique('TagRole');
    await call('ram', 'CreateRole', {
      RoleName: role,
      AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }] }),
    });
    await logOnAsRoot(page);
    await page.goto(`${page.url().split('#')[0]}#/roles/${role}`);
    await page.getByRole('heading', { name: 'Tags' }).waitFor();
    await page.getByLabel('Tag Key').fill('env');
    await page.getByLabel('Tag Value').fill('prod');
    await page.getByRole('button', { name: 'Add Tag' }).click();
    const table = page.getByRole('table', { name: `Tags of ${role}` });
    await table.getByRole('cell', { name: 'prod' }).waitFor();
    const got = await call('ram', 'ListTagResources', { ResourceType: 'role', ResourceNames: JSON.stringify([role]) });
    assert.deepEqual(got.TagResources.map((t) => [t.TagKey, t.TagValue]), [['env', 'prod']]);
    await table.getByRole('button', { name: 'Remove' }).click();
    await table.getByText('No tags.').waitFor();
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
