// The console acts as the logged-on principal: a RAM user without policies
// gets NoPermission, shown in the page; the policy simulator explains why.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ROOT, call, logOn, logOnAsRoot, nav, openBrowser, screenshots, unique } from './helpers.mjs';

const PASSWORD = 'Console-Test-Passw0rd!';

async function userWithLogon(name) {
  await call('ram', 'CreateUser', { UserName: name });
  await call('ram', 'CreateLoginProfile', { UserName: name, Password: PASSWORD });
}

test('a RAM user with no policy sees NoPermission errors in the UI', async () => {
  const user = unique('viewer');
  await userWithLogon(user);
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'nopermission');
  try {
    await logOn(page, `${user}@${ROOT.AccountId}`, PASSWORD);
    await page.getByText(`Logged on as ${user}@${ROOT.AccountId}`).waitFor();
    // The landing page (Users) needs ram:ListUsers.
    const alert = page.locator('#alerts');
    await alert.getByText('NoPermission').waitFor();
    const text = await alert.textContent();
    assert.match(text, /You are not authorized to do this action/);
    assert.match(text, /Action: ram:ListUsers/);
    await shot('users-denied');

    await nav(page, 'Secrets');
    await alert.getByText(/Action: kms:ListSecrets/).waitFor();
    await shot('secrets-denied');

    // The alert links to the simulator, which names the implicit deny.
    await alert.getByRole('link', { name: /Why was this denied/ }).click();
    await page.getByRole('heading', { name: 'Policy Simulator', level: 1 }).waitFor();
    // A user without ram:GetUser cannot inspect itself: that denial is shown too.
    await page.getByText(/NoPermission/).first().waitFor();
    await shot('simulator-as-user');

    // Once granted read access through the API, the same page works.
    await call('ram', 'AttachPolicyToUser', { PolicyType: 'System', PolicyName: 'AliyunRAMReadOnlyAccess', UserName: user });
    await nav(page, 'Users');
    await page.getByRole('table', { name: 'RAM users' }).getByRole('link', { name: user }).waitFor();
    // Reading is allowed, creating is not.
    await page.getByRole('button', { name: 'Create User' }).click();
    const panel = page.getByRole('region', { name: 'Create User' });
    await panel.getByLabel('Logon Name').fill(unique('not-allowed'));
    await panel.getByRole('button', { name: 'OK' }).click();
    await panel.getByText(/Action: ram:CreateUser/).waitFor();
    await shot('create-denied');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the policy simulator explains an implicit deny and an explicit deny', async () => {
  const user = unique('sim-user');
  await call('ram', 'CreateUser', { UserName: user });
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'simulator');
  try {
    await logOnAsRoot(page);
    await nav(page, 'Policy Simulator');
    await page.getByRole('heading', { name: 'Policy Simulator', level: 1 }).waitFor();
    await page.getByRole('radio', { name: 'RAM User' }).check();
    await page.getByLabel('Principal Name').fill(user);
    await page.getByLabel('Action', { exact: true }).fill('kms:GetSecretValue');
    await page.getByLabel('Resource', { exact: true }).fill(`acs:kms:cn-hangzhou:${ROOT.AccountId}:secret/app/db`);
    await page.getByRole('button', { name: 'Simulate' }).click();
    const result = page.getByRole('region', { name: 'Result' });
    await result.getByText('Implicitly denied', { exact: true }).waitFor();
    const text = await result.textContent();
    assert.match(text, /implicitly denied: no statement of any policy attached to `acs:ram::\d+:user\//);
    assert.match(text, /No statement matched/);
    await shot('implicit-deny');

    // An allow plus an explicit deny: the deny wins and is named.
    const policy = unique('DenySecrets');
    await call('ram', 'CreatePolicy', {
      PolicyName: policy,
      PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Deny', Action: 'kms:GetSecretValue', Resource: '*' }] }),
    });
    await call('ram', 'AttachPolicyToUser', { PolicyType: 'Custom', PolicyName: policy, UserName: user });
    await call('ram', 'AttachPolicyToUser', { PolicyType: 'System', PolicyName: 'AliyunKMSFullAccess', UserName: user });
    await page.getByRole('button', { name: 'Simulate' }).click();
    await result.getByText('Explicitly denied', { exact: true }).waitFor();
    const statements = result.getByRole('table', { name: 'Statements behind the decision' });
    await statements.getByRole('cell', { name: policy }).waitFor();
    assert.match(await result.textContent(), new RegExp(`explicitly denied by statement 1 of Custom policy \`${policy}\``));
    await shot('explicit-deny');

    // Another action is allowed by the system policy.
    await page.getByLabel('Action', { exact: true }).fill('kms:ListSecrets');
    await page.getByLabel('Resource', { exact: true }).fill('*');
    await page.getByRole('button', { name: 'Simulate' }).click();
    await result.getByText('Allowed', { exact: true }).waitFor();
    await statements.getByRole('cell', { name: 'AliyunKMSFullAccess' }).waitFor();
    await shot('allowed');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a resource written as GetRole prints it is pointed out: it can match no RAM action', async () => {
  const role = unique('arn-role');
  const user = unique('arn-user');
  await call('ram', 'CreateUser', { UserName: user });
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'ram-arn-note');
  try {
    await logOnAsRoot(page);
    // The simulator notes it next to the result.
    await nav(page, 'Policy Simulator');
    await page.getByRole('radio', { name: 'RAM User' }).check();
    await page.getByLabel('Principal Name').fill(user);
    await page.getByLabel('Action', { exact: true }).fill('ram:DeleteRole');
    await page.getByLabel('Resource', { exact: true }).fill(`acs:ram::${ROOT.AccountId}:role/${role}`);
    await page.getByRole('button', { name: 'Simulate' }).click();
    await page.getByRole('note').getByText(/can match no RAM action/).waitFor();
    assert.match(await page.getByRole('note').textContent(), new RegExp(`acs:ram:\\*:${ROOT.AccountId}:role/${role}`));
    await shot('simulator');

    // The policy editor notes it under the document.
    await page.goto(`${page.url().split('#')[0]}#/policies/create`);
    await page.getByRole('radio', { name: 'Script' }).check();
    const doc = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Deny', Action: 'ram:DeleteRole',
      Resource: `acs:ram::${ROOT.AccountId}:role/${role}` }] });
    await page.getByLabel('Policy Document').fill(doc);
    const notes = page.getByRole('list', { name: 'Notes on the document' });
    await notes.getByText(/can match no RAM action/).waitFor();
    // The spelling RAM authorizes raises no note.
    await page.getByLabel('Policy Document').fill(doc.replace('acs:ram::', 'acs:ram:*:'));
    await page.waitForFunction(() => [...document.querySelectorAll('ul[aria-label="Notes on the document"]')].every((u) => u.hidden));
    await shot('editor');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
