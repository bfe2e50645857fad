// Database secrets in the console: declare an instance (the local Redis),
// create a Redis/Tair secret through the wizard (Rampart creates the account
// and its clone), see it on the instance's page, rotate it with the
// confirmation that says what happens to the previous account.
// RAMPART_TEST_REDIS=skip skips it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { call, logOnAsRoot, nav, openBrowser, screenshots, unique } from './helpers.mjs';

const REDIS = (process.env.RAMPART_TEST_REDIS_URL || 'redis://127.0.0.1:6379').replace(/^redis:\/\//, '').replace(/\/$/, '');
const [REDIS_HOST, REDIS_PORT = '6379'] = REDIS.split(':');

function redisCli(...args) {
  return execFileSync('redis-cli', ['-h', REDIS_HOST, '-p', REDIS_PORT, ...args], { encoding: 'utf8' }).trim();
}

// Waits for the new secret's page; an error the form shows instead fails
// the test with that error's text, not with a timeout.
async function createdOrError(page) {
  const heading = page.getByRole('heading', { name: 'Rotation' });
  const error = page.locator('div.alert').first();
  const started = Date.now();
  for (;;) {
    if (await heading.isVisible()) return;
    if (await error.isVisible()) {
      const text = (await error.innerText()).trim();
      if (text) throw new Error(`creating the Redis secret failed after ${Date.now() - started} ms: ${text}`);
    }
    if (Date.now() - started > 60_000) {
      throw new Error('creating the Redis secret showed neither the secret nor an error within 60 s');
    }
    await page.waitForTimeout(200);
  }
}

test('Database instances and a Redis secret', { skip: process.env.RAMPART_TEST_REDIS === 'skip' }, async () => {
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'dbsecrets');
  const id = unique('r-console');
  const account = unique('app').replace(/-/g, '_');
  const secretName = unique('cache/app');
  try {
    await logOnAsRoot(page);
    await nav(page, 'Database Instances');
    await page.getByText('No database instance is declared.').waitFor();
    await page.getByRole('button', { name: 'Declare Instance' }).click();
    await page.getByLabel('Instance ID').fill(id);
    await page.getByLabel('Engine').selectOption('Redis');
    assert.equal(await page.getByLabel('Port').inputValue(), '6379');
    await page.getByLabel('Host').fill(REDIS_HOST);
    await page.getByLabel('Port').fill(REDIS_PORT);
    await shot('declare');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByText('No secret rotates accounts on this instance.').waitFor();
    const declared = await call('kms', 'DescribeSecret', { SecretName: `rampart/db-instances/${id}` });
    assert.equal(declared.SecretType, 'Generic');

    await nav(page, 'Secrets');
    await page.getByRole('button', { name: 'Create Secret' }).click();
    // The Redis form lists the declared instances first: slowed down here
    // (as on a loaded machine), the name typed at once must still land in
    // the Redis form, not in the generic form it replaces.
    const slow = async (route) => {
      await new Promise((r) => { setTimeout(r, 1500); });
      await route.continue();
    };
    await page.route('**/console/api/kms/ListSecrets', slow);
    await page.getByLabel('Redis/Tair Secret').check();
    await page.getByLabel('Secret Name').fill(secretName);
    await page.unroute('**/console/api/kms/ListSecrets', slow);
    await page.getByLabel('Database Instance').selectOption(id);
    await page.getByLabel('Account Name').fill(account);
    await page.getByText(`Rampart creates ${account} and ${account}_clone`).waitFor();
    await shot('create');
    await page.getByRole('button', { name: 'OK' }).click();
    // Creating the secret creates both Redis accounts before it answers:
    // on a loaded machine that can take a while.
    await createdOrError(page);
    await page.getByText('Dual accounts: ACSCurrent and ACSPrevious name one account each').waitFor();
    assert.match(redisCli('ACL', 'LIST'), new RegExp(`user ${account}_clone on`));

    const before = JSON.parse((await call('kms', 'GetSecretValue', { SecretName: secretName })).SecretData);
    assert.equal(before.AccountName, account);
    await page.getByRole('button', { name: 'Rotate Now' }).click();
    await page.getByText('keeps working, as ACSPrevious, until the next rotation').waitFor();
    await shot('rotate-confirm');
    await page.getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.getByText('Rotation completed').waitFor();
    const after = JSON.parse((await call('kms', 'GetSecretValue', { SecretName: secretName })).SecretData);
    assert.equal(after.AccountName, `${account}_clone`);
    assert.notEqual(after.AccountPassword, before.AccountPassword);

    // The instance's page lists the secret.
    await page.getByRole('link', { name: id }).click();
    await page.getByRole('link', { name: secretName }).waitFor();
    await shot('instance');
  } catch (e) {
    // What the page showed when it failed.
    await shot('failed').catch(() => {});
    throw e;
  } finally {
    for (const a of [account, `${account}_clone`]) {
      try { redisCli('ACL', 'DELUSER', a); } catch (_e) { /* not created */ }
    }
    await b.close();
  }
});
