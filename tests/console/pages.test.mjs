// The other console pages: the visual policy editor and the engine's errors,
// users (AccessKeys, console logon, groups), role trust policies, and generic
// secrets (versions, deletion with a recovery window, restore).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { call, logOnAsRoot, nav, openBrowser, screenshots, signedCall, unique } from './helpers.mjs';

test('Create Policy: Visual builds the JSON; the engine\'s error is shown on submit', async () => {
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'policy-visual');
  try {
    await logOnAsRoot(page);
    await nav(page, 'Policies');
    await page.getByRole('button', { name: 'Create Policy' }).click();
    const name = unique('ReadSecrets');
    await page.getByLabel('Policy Name').fill(name);
    await page.getByRole('radio', { name: 'Visual' }).check();
    await page.getByLabel('Service', { exact: true }).selectOption('kms');
    await page.getByRole('checkbox', { name: 'kms:GetSecretValue', exact: true }).check();
    await page.getByRole('checkbox', { name: 'kms:DescribeSecret', exact: true }).check();
    await page.getByLabel('Resources').fill('acs:kms:*:*:secret/app/*');
    await shot('visual');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();
    const got = await call('ram', 'GetPolicy', { PolicyName: name, PolicyType: 'Custom' });
    assert.deepEqual(JSON.parse(got.DefaultPolicyVersion.PolicyDocument), {
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['kms:GetSecretValue', 'kms:DescribeSecret'], Resource: ['acs:kms:*:*:secret/app/*'] }],
    });
    // Modify Policy Document makes v2 the default; both versions are listed.
    await page.getByRole('button', { name: 'Modify Policy Document' }).click();
    const modify = page.getByRole('region', { name: 'Modify Policy Document' });
    await modify.getByLabel('Policy Document').fill('{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:List*","Resource":"*"}]}');
    await modify.getByRole('button', { name: 'OK' }).click();
    const versions = page.getByRole('table', { name: `Versions of ${name}` });
    await versions.getByRole('cell', { name: 'v2' }).waitFor();
    await versions.getByRole('cell', { name: 'v1' }).waitFor();

    // Script: valid JSON that the policy engine rejects; its message is shown.
    await nav(page, 'Policies');
    await page.getByRole('button', { name: 'Create Policy' }).click();
    await page.getByLabel('Policy Name').fill(unique('Broken'));
    await page.getByRole('radio', { name: 'Script' }).check();
    await page.getByLabel('Policy Document').fill('{"Version":"1","Statement":[{"Effect":"Maybe","Action":"ram:*","Resource":"*"}]}');
    await page.getByText('The document is valid JSON.').waitFor();
    await page.getByRole('button', { name: 'OK' }).click();
    const err = page.locator('.alert').filter({ hasText: 'MalformedPolicyDocument' });
    await err.waitFor();
    assert.match(await err.textContent(), /Effect/);
    await shot('engine-error');

    // The search box filters the list.
    await nav(page, 'Policies');
    await page.getByLabel('Search policies').fill('KMSSecretAdmin');
    const table = page.getByRole('table', { name: /^Policies/ });
    await table.getByRole('link', { name: 'AliyunKMSSecretAdminAccess' }).waitFor();
    assert.equal(await table.getByRole('link').count(), 1);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('Users: AccessKeys, console logon, groups and permissions', async () => {
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'users');
  const user = unique('dev');
  const group = unique('devs');
  try {
    await logOnAsRoot(page);
    await nav(page, 'Groups');
    await page.getByRole('button', { name: 'Create Group' }).click();
    await page.getByLabel('Group Name').fill(group);
    await page.getByRole('region', { name: 'Create Group' }).getByRole('button', { name: 'OK' }).click();
    await page.getByRole('heading', { name: group, level: 1 }).waitFor();

    await nav(page, 'Users');
    await page.getByRole('button', { name: 'Create User' }).click();
    const create = page.getByRole('region', { name: 'Create User' });
    await create.getByLabel('Logon Name').fill(user);
    await create.getByLabel('Display Name').fill('Developer');
    await create.getByRole('checkbox', { name: 'Console Access' }).check();
    await create.getByLabel('Logon Password').fill('Dev-Passw0rd-123!');
    await create.getByRole('checkbox', { name: 'OpenAPI Access' }).check();
    await create.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('heading', { name: user, level: 1 }).waitFor();
    const keyId = await page.getByLabel('AccessKey ID').inputValue();
    const keySecret = await page.getByLabel('AccessKey Secret').inputValue();
    await page.getByText(/Console logon is enabled/).waitFor();

    // The key works until it is disabled; its last use is shown.
    const creds = { AccessKeyId: keyId, AccessKeySecret: keySecret };
    assert.equal((await signedCall('sts', 'GetCallerIdentity', {}, creds)).status, 200);
    await nav(page, 'Users');
    await page.getByRole('link', { name: user }).click();
    const keys = page.getByRole('table', { name: `AccessKeys of ${user}` });
    const row = keys.getByRole('row').filter({ hasText: keyId });
    await row.waitFor();
    assert.doesNotMatch(await row.textContent(), /Never/, 'the last use is recorded');
    assert.equal(await page.getByLabel('AccessKey Secret').count(), 0, 'the secret is never shown again');
    await row.getByRole('button', { name: 'Disable' }).click();
    await keys.getByRole('row').filter({ hasText: keyId }).getByText('Disabled').waitFor();
    assert.notEqual((await signedCall('sts', 'GetCallerIdentity', {}, creds)).status, 200, 'a disabled key is refused');
    await shot('key-disabled');

    // Groups and permissions.
    await page.getByLabel('Group', { exact: true }).selectOption(group);
    await page.getByRole('button', { name: 'Add to Group' }).click();
    await page.getByRole('table', { name: `Groups of ${user}` }).getByRole('link', { name: group }).waitFor();
    await page.getByRole('button', { name: 'Add Permissions' }).click();
    const perms = page.getByRole('region', { name: 'Add Permissions' });
    await perms.getByRole('checkbox', { name: 'AliyunRAMReadOnlyAccess', exact: true }).check();
    await perms.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('table', { name: `Policies attached to ${user}` }).getByRole('link', { name: 'AliyunRAMReadOnlyAccess' }).waitFor();
    await shot('user-detail');
    const attached = await call('ram', 'ListPoliciesForUser', { UserName: user });
    assert.ok(attached.Policies.Policy.some((p) => p.PolicyName === 'AliyunRAMReadOnlyAccess'));
    const groups = await call('ram', 'ListGroupsForUser', { UserName: user });
    assert.ok(groups.Groups.Group.some((g) => g.GroupName === group));

    // The grant shows on the Grants page.
    await nav(page, 'Grants');
    await page.getByRole('table', { name: 'Grants' }).getByRole('row').filter({ hasText: user }).first().waitFor();

    // Delete the key (confirmed inline).
    await nav(page, 'Users');
    await page.getByRole('link', { name: user }).click();
    const row2 = page.getByRole('table', { name: `AccessKeys of ${user}` }).getByRole('row').filter({ hasText: keyId });
    await row2.getByRole('button', { name: 'Delete' }).click();
    await row2.getByRole('button', { name: 'Delete' }).last().click();
    await page.getByText('The user has no AccessKey.').waitFor();
    const left = await call('ram', 'ListAccessKeys', { UserName: user });
    assert.equal(left.AccessKeys.AccessKey.length, 0);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('RAM role detail: edit the trust policy', async () => {
  const role = unique('ci-deployer');
  const b = await openBrowser();
  const { page } = b;
  try {
    await logOnAsRoot(page);
    await nav(page, 'RAM Roles');
    await page.getByRole('button', { name: 'Create RAM Role' }).click();
    const wizard = page.getByRole('region', { name: 'Create RAM Role' });
    await wizard.getByRole('radio', { name: 'Alibaba Cloud Account' }).check();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('RAM Role Name').fill(role);
    await wizard.getByRole('radio', { name: /Current Alibaba Cloud Account/ }).check();
    await wizard.getByRole('button', { name: 'OK' }).click();
    await wizard.getByRole('button', { name: 'Complete' }).click();
    await page.getByRole('table', { name: 'RAM roles' }).getByRole('link', { name: role }).click();
    await page.getByRole('heading', { name: role, level: 1 }).waitFor();
    const editor = page.getByRole('textbox', { name: 'Trust Policy' });
    const doc = JSON.parse(await editor.inputValue());
    assert.match(doc.Statement[0].Principal.RAM[0], /^acs:ram::\d+:root$/);
    const next = { Version: '1', Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['ecs.aliyuncs.com'] } }] };
    await editor.fill('{ "broken": ');
    await page.getByText(/JSON syntax error/).waitFor();
    await editor.fill(JSON.stringify(next, null, 2));
    await page.getByRole('button', { name: 'Edit Trust Policy' }).click();
    await page.getByText('The trust policy was updated.').waitFor();
    const got = await call('ram', 'GetRole', { RoleName: role });
    assert.deepEqual(JSON.parse(got.Role.AssumeRolePolicyDocument).Statement[0].Principal, { Service: ['ecs.aliyuncs.com'] });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('Create RAM Role: the last step ends with Complete, which closes the wizard', async () => {
  const role = unique('svc-role');
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'role-wizard');
  try {
    await logOnAsRoot(page);
    await nav(page, 'RAM Roles');
    await page.getByRole('button', { name: 'Create RAM Role' }).click();
    const wizard = page.getByRole('region', { name: 'Create RAM Role' });
    await wizard.getByRole('radio', { name: 'Alibaba Cloud Service' }).check();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('radio', { name: 'Normal Service Role' }).check();
    await wizard.getByLabel('RAM Role Name').fill(role);
    await wizard.getByLabel('Select Trusted Service').selectOption({ label: 'Key Management Service' });
    await wizard.getByRole('button', { name: 'OK' }).click();
    await wizard.getByText(`The RAM role ${role} has been created.`).waitFor();
    assert.equal(await wizard.getByRole('listitem').filter({ hasText: 'Finish' }).getAttribute('aria-current'), 'step');
    await shot('finish');
    await wizard.getByRole('button', { name: 'Complete' }).click();
    await wizard.waitFor({ state: 'detached' });
    // Back on the role list, focused on its heading, with the new role listed.
    await page.getByRole('table', { name: 'RAM roles' }).getByRole('link', { name: role }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.textContent), 'RAM Roles');
    const got = await call('ram', 'GetRole', { RoleName: role });
    assert.deepEqual(JSON.parse(got.Role.AssumeRolePolicyDocument).Statement[0].Principal, { Service: ['kms.aliyuncs.com'] });
    await shot('completed');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('Secrets: generic secret, new version, delete with a recovery window, restore', async () => {
  const name = unique('app/db-password');
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'secrets');
  try {
    await logOnAsRoot(page);
    await nav(page, 'Secrets');
    await page.getByRole('button', { name: 'Create Secret' }).click();
    const create = page.getByRole('region', { name: 'Create Secret' });
    await create.getByRole('radio', { name: 'Generic Secret' }).check();
    await create.getByLabel('Secret Name').fill(name);
    await create.getByLabel('Secret Value').fill('s3cr3t-one');
    await create.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Store New Version' }).click();
    const store = page.getByRole('region', { name: 'Store New Version' });
    await store.getByLabel('Version').fill('v2');
    await store.getByLabel('Secret Value').fill('s3cr3t-two');
    await store.getByRole('button', { name: 'OK' }).click();
    const versions = page.getByRole('table', { name: `Versions of ${name}` });
    await versions.getByRole('row').filter({ hasText: 'v2' }).getByText('ACSCurrent').waitFor();
    await page.getByRole('button', { name: 'Show Secret Value' }).click();
    await page.getByText('s3cr3t-two').waitFor();

    await page.getByRole('button', { name: 'Delete Secret' }).click();
    const del = page.getByRole('region', { name: 'Delete Secret' });
    await del.getByRole('radio', { name: 'Schedule Deletion' }).check();
    await del.getByLabel('Recovery Window (days)').fill('7');
    await del.getByRole('button', { name: 'OK' }).click();
    await page.getByText(/scheduled for deletion/).waitFor();
    await shot('pending-deletion');
    const pending = await call('kms', 'DescribeSecret', { SecretName: name });
    const days = (Date.parse(pending.PlannedDeleteTime) - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days < 7.1, `planned in 7 days, got ${pending.PlannedDeleteTime}`);

    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('button', { name: 'Delete Secret' }).waitFor();
    const restored = await call('kms', 'DescribeSecret', { SecretName: name });
    assert.equal(restored.PlannedDeleteTime, undefined);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
