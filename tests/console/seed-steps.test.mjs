// The documented console steps, followed in the browser as the account root:
// the service role for RAM secrets (behaviour.md §1.2), then a RAM secret
// created in the Secrets page and rotated with Rotate Now, checked through the
// signed API.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { call, logOnAsRoot, nav, openBrowser, screenshots, unique } from './helpers.mjs';

const POLICY = 'AliyunKMSManagedRAMCrendentialsRolePolicy';
const ROLE = 'AliyunKMSManagedRAMCrendentialsRole';
const POLICY_DOC = '{"Statement":[{"Effect":"Allow","Action":["ram:ListAccessKeys","ram:CreateAccessKey","ram:DeleteAccessKey","ram:UpdateAccessKey"],"Resource":"*"}],"Version":"1"}';

test('seed steps: service role by script, RAM secret, Rotate Now', async () => {
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'seed');
  try {
    await logOnAsRoot(page);
    await shot('logged-on');

    // Permissions > Policies > Create Policy > Configuration Mode: Script.
    await nav(page, 'Policies');
    await page.getByRole('heading', { name: 'Policies', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Create Policy' }).click();
    await page.getByRole('heading', { name: 'Create Policy', level: 1 }).waitFor();
    await page.getByLabel('Policy Name').fill(POLICY);
    await page.getByRole('group', { name: 'Configuration Mode' }).getByRole('radio', { name: 'Script' }).check();
    const editor = page.getByLabel('Policy Document');
    await editor.fill('{"Statement": [');
    await page.getByText(/JSON syntax error at line 1, column \d+/).waitFor();
    await shot('policy-script-invalid');
    await editor.fill(POLICY_DOC);
    await page.getByText('The document is valid JSON.').waitFor();
    await shot('policy-script');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('heading', { name: POLICY, level: 1 }).waitFor();
    // The seed's custom policy is told apart from the system policy whose name is two letters away.
    await page.locator('.policy-kind').getByText('Custom', { exact: true }).first().waitFor();
    await page.getByText(/Not to be confused with the system policy AliyunKMSManageRAMCredentialsRolePolicy/).waitFor();
    await shot('policy-created');

    // RAM Roles > Create RAM Role > Alibaba Cloud Service > Normal Service Role > Key Management Service.
    await nav(page, 'RAM Roles');
    await page.getByRole('heading', { name: 'RAM Roles', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Create RAM Role' }).click();
    const wizard = page.getByRole('region', { name: 'Create RAM Role' });
    await wizard.getByRole('radio', { name: 'Alibaba Cloud Service' }).check();
    await shot('role-trusted-entity');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('radio', { name: 'Normal Service Role' }).check();
    await wizard.getByLabel('RAM Role Name').fill(ROLE);
    await wizard.getByLabel('Select Trusted Service').selectOption({ label: 'Key Management Service' });
    await shot('role-configure');
    await wizard.getByRole('button', { name: 'OK' }).click();
    await wizard.getByText(`The RAM role ${ROLE} has been created.`).waitFor();
    await shot('role-finish');

    // Finish > Add Permissions to RAM Role > Custom Policy > the policy.
    await wizard.getByRole('button', { name: 'Add Permissions to RAM Role' }).click();
    const perms = page.getByRole('region', { name: 'Add Permissions to RAM Role' });
    await perms.getByRole('radio', { name: 'Custom Policy' }).check();
    await perms.getByRole('checkbox', { name: POLICY, exact: true }).check();
    await shot('role-add-permissions');
    await perms.getByRole('button', { name: 'OK' }).click();
    await perms.getByText(/Authorization succeeded/).waitFor();
    await shot('role-permissions-added');
    await wizard.getByRole('button', { name: 'Complete' }).click();
    await wizard.waitFor({ state: 'detached' });

    // A RAM user with an AccessKey; the secret is shown once.
    const user = unique('app-user');
    await nav(page, 'Users');
    await page.getByRole('button', { name: 'Create User' }).click();
    const create = page.getByRole('region', { name: 'Create User' });
    await create.getByLabel('Logon Name').fill(user);
    await create.getByRole('checkbox', { name: 'OpenAPI Access' }).check();
    await create.getByRole('button', { name: 'OK' }).click();
    const created = page.getByRole('region', { name: 'AccessKey Created' });
    await created.waitFor();
    const keyId = await created.getByLabel('AccessKey ID').inputValue();
    const keySecret = await created.getByLabel('AccessKey Secret').inputValue();
    assert.match(keyId, /^LTAI/);
    assert.ok(keySecret.length >= 20);
    await shot('user-accesskey-created');
    const download = page.waitForEvent('download');
    await created.getByRole('button', { name: 'Download CSV File' }).click();
    const csv = await (await download).path();
    assert.ok(csv, 'the AccessKey CSV was downloaded');

    // Secrets Manager > Secrets > Create Secret > RAM Secret.
    await nav(page, 'Secrets');
    await page.getByRole('button', { name: 'Create Secret' }).click();
    const sec = page.getByRole('region', { name: 'Create Secret' });
    await sec.getByRole('radio', { name: 'RAM Secret' }).check();
    await sec.getByLabel('RAM User').selectOption(user);
    await sec.getByLabel(`AccessKey Secret of ${keyId}`).fill(keySecret);
    assert.equal(await sec.getByLabel('Secret Name').inputValue(), `acs/ram/user/${user}`);
    await sec.getByRole('radio', { name: 'Enable' }).check();
    await sec.getByLabel('Rotation Period', { exact: true }).fill('30');
    await sec.getByLabel('Period Unit').selectOption({ label: 'Days' });
    await shot('secret-create');
    await sec.getByRole('button', { name: 'OK' }).click();
    const secretName = `acs/ram/user/${user}`;
    await page.getByRole('heading', { name: secretName, level: 1 }).waitFor();
    await shot('secret-detail');

    const before = JSON.parse((await call('kms', 'GetSecretValue', { SecretName: secretName })).SecretData);
    assert.equal(before.AccessKeyId, keyId);

    await page.getByRole('button', { name: 'Rotate Now' }).click();
    await page.getByText(/The previous key \(ACSPrevious\) keeps working for the grace period/).waitFor();
    await page.getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.getByText(/Rotation completed/).waitFor();
    await page.getByRole('table', { name: `Versions of ${secretName}` }).getByText('ACSPrevious').waitFor();
    await shot('secret-rotated');

    // Checked through the signed API, not the console.
    const after = await call('kms', 'GetSecretValue', { SecretName: secretName });
    const current = JSON.parse(after.SecretData);
    assert.notEqual(current.AccessKeyId, keyId, 'the current AccessKey changed');
    assert.match(current.AccessKeyId, /^LTAI/);
    const desc = await call('kms', 'DescribeSecret', { SecretName: secretName });
    assert.equal(desc.SecretType, 'RAMCredentials');
    assert.ok(desc.LastRotationDate, 'LastRotationDate is set');
    const policy = await call('ram', 'GetPolicy', { PolicyName: POLICY, PolicyType: 'Custom' });
    assert.deepEqual(JSON.parse(policy.DefaultPolicyVersion.PolicyDocument), JSON.parse(POLICY_DOC));
    const role = await call('ram', 'GetRole', { RoleName: ROLE });
    assert.deepEqual(JSON.parse(role.Role.AssumeRolePolicyDocument).Statement[0].Principal.Service, ['kms.aliyuncs.com']);
    const attached = await call('ram', 'ListPoliciesForRole', { RoleName: ROLE });
    assert.ok(attached.Policies.Policy.some((p) => p.PolicyName === POLICY && p.PolicyType === 'Custom'));
    const keys = await call('ram', 'ListAccessKeys', { UserName: user });
    assert.ok(keys.AccessKeys.AccessKey.some((k) => k.AccessKeyId === current.AccessKeyId), 'the new key belongs to the user');

    assert.deepEqual(b.errors, [], 'no script errors in the page');
  } catch (e) {
    await shot('failure').catch(() => {});
    throw e;
  } finally {
    await b.close();
  }
});
