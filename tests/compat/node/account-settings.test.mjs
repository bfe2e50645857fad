// Account-wide RAM settings (password policy, account alias, security
// preference) and ChangePassword through @alicloud/pop-core and
// @alicloud/ram20150501.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAVOURS, expectError, makeClient, startServer } from './helpers.mjs';

const PASSWORD = 'Compat-Node-Passw0rd!';

for (const flavour of FLAVOURS) {
  describe(flavour, () => {
    // A server of its own: the settings are account-wide.
    let srv;
    before(async () => { srv = await startServer(); });
    after(async () => { await srv?.stop(); });

    test('password policy, alias and security preference', async () => {
      const ram = makeClient(flavour, srv);
      let p = (await ram.call('GetPasswordPolicy')).PasswordPolicy;
      assert.equal(p.MinimumPasswordLength, 8);
      assert.equal(p.MaxLoginAttemps, 0);
      const set = (await ram.call('SetPasswordPolicy', {
        MinimumPasswordLength: 11, RequireNumbers: true, RequireSymbols: true,
        MaxLoginAttemps: 6, HardExpiry: true, MaxPasswordAge: 60, PasswordReusePrevention: 3,
      })).PasswordPolicy;
      assert.equal(set.MaxLoginAttemps, 6);
      assert.equal(set.HardExpiry, true);
      p = (await ram.call('GetPasswordPolicy')).PasswordPolicy;
      assert.deepEqual(p, set);
      await expectError(() => ram.call('SetPasswordPolicy', { MaxPasswordAge: 2000 }), 400,
        'InvalidParameter.MaxPasswordAge');

      await ram.call('SetAccountAlias', { AccountAlias: 'node-corp' });
      assert.equal((await ram.call('GetAccountAlias')).AccountAlias, 'node-corp');
      await expectError(() => ram.call('SetAccountAlias', { AccountAlias: 'a--b' }), 400,
        'InvalidParameter.AccountAlias.Format');
      await ram.call('ClearAccountAlias');
      assert.equal((await ram.call('GetAccountAlias')).AccountAlias, srv.creds.AccountId);

      const pref = (await ram.call('SetSecurityPreference', {
        AllowUserToManageAccessKeys: true, LoginSessionDuration: 4, LoginNetworkMasks: '10.0.0.0/8',
      })).SecurityPreference;
      assert.equal(pref.AccessKeyPreference.AllowUserToManageAccessKeys, true);
      assert.equal(pref.LoginProfilePreference.LoginSessionDuration, 4);
      assert.equal(pref.LoginProfilePreference.LoginNetworkMasks, '10.0.0.0/8');
      assert.equal(pref.LoginProfilePreference.AllowUserToChangePassword, true);
      assert.equal(pref.MFAPreference.AllowUserToManageMFADevices, true);
      assert.deepEqual((await ram.call('GetSecurityPreference')).SecurityPreference, pref);
      await expectError(() => ram.call('SetSecurityPreference', { LoginSessionDuration: 0 }), 400,
        'InvalidParameter.LoginSessionDuration');
    });

    test('a RAM user changes its own password', async () => {
      const ram = makeClient(flavour, srv);
      await ram.call('SetPasswordPolicy', { MinimumPasswordLength: 10, RequireNumbers: true });
      const user = `chpw-${flavour}`;
      await ram.call('CreateUser', { UserName: user });
      await expectError(() => ram.call('CreateLoginProfile', { UserName: user, Password: 'no-digits-here' }),
        400, 'InvalidParameter.Password');
      await ram.call('CreateLoginProfile', { UserName: user, Password: PASSWORD });
      const k = (await ram.call('CreateAccessKey', { UserName: user })).AccessKey;
      const me = makeClient(flavour, srv, k.AccessKeyId, k.AccessKeySecret);
      await expectError(() => me.call('ChangePassword', { OldPassword: 'Wrong-Passw0rd', NewPassword: 'Next-Passw0rd1' }),
        400, 'InvalidParameter.OldPassword');
      await me.call('ChangePassword', { OldPassword: PASSWORD, NewPassword: 'Next-Passw0rd1' });
      await me.call('ChangePassword', { OldPassword: 'Next-Passw0rd1', NewPassword: PASSWORD });
      await expectError(() => ram.call('ChangePassword', { OldPassword: PASSWORD, NewPassword: 'Next-Passw0rd1' }),
        403, 'Forbidden.NotRAMUser');
    });
  });
}
