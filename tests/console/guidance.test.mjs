// The console guides: a new AccessKey goes into a RAM secret without being
// pasted, the secret's name is shown before it is created, rotation periods
// follow the server's --min-rotation-interval, Rotate Now asks first and says
// what happens to the previous key, a shown secret value can be hidden, the
// role wizard's last step has one way out, policy types are told apart, and
// the trail fits the window and tells routine look-ups from failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { call, logOnAsRoot, nav, openBrowser, screenshots, signedCall, unique } from './helpers.mjs';

// A RAM secret needs Secrets Manager's service role; the service-linked one
// serves (the seed steps test creates the other one by hand).
async function serviceRole() {
  const r = await signedCall('ram', 'CreateServiceLinkedRole', { ServiceName: 'ramcredentials.kms.aliyuncs.com' });
  assert.ok(r.status === 200 || /EntityAlreadyExists/.test(r.body.Code), JSON.stringify(r.body));
}

async function userWithKey(prefix) {
  const user = unique(prefix);
  await call('ram', 'CreateUser', { UserName: user });
  const key = (await call('ram', 'CreateAccessKey', { UserName: user })).AccessKey;
  return { user, key };
}

test('AccessKey created: Create a RAM secret with this key, the period from the server minimum', async () => {
  await serviceRole();
  const user = unique('app-user');
  await call('ram', 'CreateUser', { UserName: user });
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'guidance-key-secret');
  try {
    await logOnAsRoot(page);
    await page.goto(`${new URL(page.url()).origin}/console/#/users/${encodeURIComponent(user)}`);
    await page.getByRole('heading', { name: user, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Create AccessKey' }).click();
    const created = page.getByRole('region', { name: 'AccessKey Created' });
    const keyId = await created.getByLabel('AccessKey ID').inputValue();
    await created.getByRole('button', { name: 'Create a RAM secret with this key' }).click();
    const form = page.getByRole('region', { name: 'Create RAM Secret' });
    await form.getByText(`AccessKey ${keyId}: its secret is filled in by the console.`).waitFor();
    assert.equal(await form.getByLabel('Secret Name').inputValue(), `acs/ram/user/${user}`);
    assert.equal(await form.getByLabel('RAM User').inputValue(), user);
    assert.equal(await form.locator('input[type=password]').count(), 0, 'no secret to paste');
    // The server's smallest rotation interval (6 hours by default) bounds the period.
    await form.getByText("From 6 hours (the server's smallest rotation interval) to 365 days.").waitFor();
    await form.getByLabel('Period Unit').selectOption({ label: 'Hours' });
    assert.equal(await form.getByLabel('Rotation Period', { exact: true }).getAttribute('min'), '6');
    await form.getByLabel('Rotation Period', { exact: true }).fill('5');
    await form.getByRole('button', { name: 'OK' }).click();
    await form.getByText('The rotation period must be at least 6 hours').waitFor();
    await form.getByLabel('Rotation Period', { exact: true }).fill('12');
    await shot('form');
    await form.getByRole('button', { name: 'OK' }).click();
    const name = `acs/ram/user/${user}`;
    await page.getByRole('heading', { name, level: 1 }).waitFor();
    await shot('secret');
    const got = JSON.parse((await call('kms', 'GetSecretValue', { SecretName: name })).SecretData);
    assert.equal(got.AccessKeyId, keyId);
    const desc = await call('kms', 'DescribeSecret', { SecretName: name });
    assert.equal(desc.RotationInterval, '43200s');
    assert.deepEqual(b.errors, []);
  } catch (e) {
    await shot('failure').catch(() => {});
    throw e;
  } finally {
    await b.close();
  }
});

test('Rotate Now asks first and names the grace period; Show Secret Value can hide it again', async () => {
  await serviceRole();
  const { user, key } = await userWithKey('rot-user');
  const created = await call('kms', 'CreateSecret', {
    SecretName: '$Auto', SecretType: 'RAMCredentials', VersionId: 'v1',
    SecretData: JSON.stringify({ AccessKeys: [{ AccessKeyId: key.AccessKeyId, AccessKeySecret: key.AccessKeySecret }] }),
    ExtendedConfig: JSON.stringify({ SecretSubType: 'RamUserAccessKey', UserName: user, CustomData: {} }),
  });
  const name = created.SecretName;
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'guidance-rotate');
  try {
    await logOnAsRoot(page);
    await page.goto(`${new URL(page.url()).origin}/console/#/secrets/${encodeURIComponent(name)}`);
    await page.getByRole('heading', { name, level: 1 }).waitFor();

    // Cancel: nothing rotates.
    await page.getByRole('button', { name: 'Rotate Now' }).click();
    const confirm = page.locator('.warning').filter({ hasText: `Rotate ${name} now?` });
    await confirm.getByText(`A new AccessKey of ${user} becomes the current version (ACSCurrent).`).waitFor();
    await confirm.getByText(/keeps working for the grace period, 2 days, and is then deleted/).waitFor();
    await confirm.getByText(/the one that is not current is deleted at once/).waitFor();
    await shot('confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    let versions = await call('kms', 'ListSecretVersionIds', { SecretName: name });
    assert.equal(versions.VersionIds.VersionId.length, 1, 'Cancel rotated nothing');

    await page.getByRole('button', { name: 'Rotate Now' }).click();
    await page.getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.getByText(/Rotation completed/).waitFor();
    versions = await call('kms', 'ListSecretVersionIds', { SecretName: name });
    assert.equal(versions.VersionIds.VersionId.length, 2);

    // Show, then hide again.
    const show = page.getByRole('button', { name: 'Show Secret Value' });
    await show.click();
    const value = page.getByLabel('Secret value (ACSCurrent)');
    await value.waitFor();
    assert.match(await value.textContent(), /AccessKeyId/);
    const hide = page.getByRole('button', { name: 'Hide Secret Value' });
    assert.equal(await hide.getAttribute('aria-expanded'), 'true');
    await shot('shown');
    await hide.click();
    await value.waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('button', { name: 'Show Secret Value' }).getAttribute('aria-expanded'), 'false');
    assert.deepEqual(b.errors, []);
  } catch (e) {
    await shot('failure').catch(() => {});
    throw e;
  } finally {
    await b.close();
  }
});

test('Create RAM Role: the last step has one way out, Complete', async () => {
  const role = unique('one-way');
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'guidance-wizard');
  try {
    await logOnAsRoot(page);
    await nav(page, 'RAM Roles');
    await page.getByRole('button', { name: 'Create RAM Role' }).click();
    const wizard = page.getByRole('region', { name: 'Create RAM Role' });
    // Before the last step the panel can be closed.
    assert.equal(await wizard.getByRole('button', { name: 'Close' }).count(), 1);
    await wizard.getByRole('radio', { name: 'Alibaba Cloud Service' }).check();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('RAM Role Name').fill(role);
    await wizard.getByRole('button', { name: 'OK' }).click();
    await wizard.getByText(`The RAM role ${role} has been created.`).waitFor();
    await wizard.getByRole('button', { name: 'Add Permissions to RAM Role' }).click();
    await page.getByRole('region', { name: 'Add Permissions to RAM Role' }).waitFor();
    const names = await wizard.getByRole('button').allTextContents();
    for (const away of ['Close', 'Previous', 'View RAM Role', 'Cancel']) {
      assert.ok(!names.includes(away), `no ${away} on the last step: ${names}`);
    }
    assert.equal(names.filter((n) => n === 'Complete').length, 1, `${names}`);
    await shot('last-step');
    await wizard.getByRole('button', { name: 'Complete' }).click();
    await wizard.waitFor({ state: 'detached' });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('Policies: System and Custom badges; a custom policy named like a system one says so', async () => {
  // One letter from the system policy AliyunKMSReadOnlyAccess.
  const lookalike = 'AliyunKMSReadOnlyAcess';
  const r = await signedCall('ram', 'CreatePolicy', { PolicyName: lookalike, PolicyDocument: JSON.stringify({
    Version: '1', Statement: [{ Effect: 'Allow', Action: ['kms:List*'], Resource: '*' }] }) });
  assert.ok(r.status === 200 || /EntityAlreadyExists/.test(r.body.Code), JSON.stringify(r.body));
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'guidance-policies');
  try {
    await logOnAsRoot(page);
    await nav(page, 'Policies');
    await page.getByLabel('Search policies').fill('AliyunKMSReadOnly');
    const rows = page.getByRole('table', { name: /Policies/ }).getByRole('row');
    // The row of a policy: its name is the link right in the first cell (the
    // notes under it link to the look-alike).
    const nameLink = (n) => page.locator('td > a', { hasText: new RegExp(`^${n}$`) });
    const system = rows.filter({ has: nameLink('AliyunKMSReadOnlyAccess') });
    const custom = rows.filter({ has: nameLink(lookalike) });
    await system.locator('.badge-system').waitFor();
    await custom.locator('.badge-custom').waitFor();
    assert.equal(await system.locator('.badge').textContent(), 'System');
    assert.equal(await custom.locator('.badge').textContent(), 'Custom');
    await custom.getByText(`Not to be confused with the system policy AliyunKMSReadOnlyAccess: ${lookalike} is a custom policy.`).waitFor();
    await system.getByText(`Not to be confused with the custom policy ${lookalike}: AliyunKMSReadOnlyAccess is a system policy.`).waitFor();
    await shot('list');
    await custom.locator('td > a').first().click();
    await page.getByRole('heading', { name: lookalike, level: 1 }).waitFor();
    await page.locator('.policy-kind .badge-custom').waitFor();
    await page.getByText(/Not to be confused with the system policy AliyunKMSReadOnlyAccess/).waitFor();
    await shot('detail');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('Trail: fits 1280 px, hides the console\'s own reads, routine look-ups that find nothing are not failures', async () => {
  const user = unique('trail-user');
  await call('ram', 'CreateUser', { UserName: user });
  // A failed change through the API, and a read through the API that finds nothing.
  const gone = unique('nobody');
  assert.equal((await signedCall('ram', 'DeleteUser', { UserName: gone })).status, 404);
  assert.equal((await signedCall('ram', 'GetLoginProfile', { UserName: user })).status, 404);
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'guidance-trail');
  const width = () => page.evaluate(() => document.documentElement.scrollWidth);
  try {
    await logOnAsRoot(page);
    // The user page asks for an MFA device and a login profile the user has not.
    await page.goto(`${new URL(page.url()).origin}/console/#/users/${encodeURIComponent(user)}`);
    await page.getByRole('heading', { name: 'MFA Device' }).waitFor();
    await page.getByText('No MFA device is bound.').waitFor();

    await nav(page, 'Trail');
    await page.locator('#main[aria-busy="false"]').waitFor();
    const events = page.getByRole('table', { name: 'Events, newest first' });
    await events.waitFor();
    assert.ok(await width() <= 1280, `the trail is ${await width()} px wide`);
    await shot('default');
    const hide = page.getByRole('checkbox', { name: "Hide the console's own page-view reads" });
    assert.equal(await hide.isChecked(), true);
    // Hidden: the console's reads; shown: the API's read (not found) and change (failed).
    assert.equal(await events.getByRole('row').filter({ hasText: ':GetUserMFAInfo' }).count(), 0);
    const apiRead = events.getByRole('row').filter({ hasText: ':GetLoginProfile' }).filter({ hasNotText: '(console)' });
    assert.equal(await apiRead.first().getByRole('cell').last().textContent(), 'Not found');
    const failed = events.getByRole('row').filter({ hasText: ':DeleteUser' }).filter({ hasText: 'EntityNotExist.User' });
    assert.ok(await failed.count() >= 1, 'a failed change shows its code');
    await page.getByText(/by the console itself hidden/).waitFor();

    // Shown again: the console's look-ups that found nothing read "Not found".
    await hide.uncheck();
    await page.getByLabel('Event Name').fill('GetUserMFAInfo');
    await page.getByRole('button', { name: 'Search' }).click();
    const mfa = events.getByRole('row').filter({ hasText: ':GetUserMFAInfo' });
    await mfa.first().waitFor();
    for (const row of await mfa.all()) {
      assert.equal(await row.getByRole('cell').last().textContent(), 'Not found');
      assert.match(await row.textContent(), /\(console\)/);
    }
    assert.equal(await events.getByText('EntityNotExist.User.MFADevice').count(), 0);
    await page.getByLabel('Event Name').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await events.getByRole('row').filter({ hasText: '(console)' }).first().waitFor();
    assert.ok(await width() <= 1280, `the trail is ${await width()} px wide with every event`);
    await shot('everything');
    assert.deepEqual(b.errors, []);
  } catch (e) {
    await shot('failure').catch(() => {});
    throw e;
  } finally {
    await b.close();
  }
});
