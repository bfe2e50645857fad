// Login profiles through @alicloud/pop-core and @alicloud/ram20150501.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAVOURS, ApiError, assertDate, expectError, makeClient, startServer, uniq } from './helpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

const PASSWORD = 'Compat-Test-Passw0rd!';

for (const flavour of FLAVOURS) {
  describe(flavour, () => {
    test('login profile lifecycle', async () => {
      const ram = makeClient(flavour, srv);
      const user = uniq('nlp');
      await ram.call('CreateUser', { UserName: user });

      let body = await ram.call('CreateLoginProfile', {
        UserName: user, Password: PASSWORD, PasswordResetRequired: true, MFABindRequired: false,
      });
      assert.equal(body.LoginProfile.UserName, user);
      assert.equal(body.LoginProfile.PasswordResetRequired, true);
      assert.equal(body.LoginProfile.MFABindRequired, false);
      assertDate(body.LoginProfile.CreateDate, 'CreateDate');

      body = await ram.call('GetLoginProfile', { UserName: user });
      assert.equal(body.LoginProfile.UserName, user);
      assert.equal(body.LoginProfile.PasswordResetRequired, true);
      assert.ok(!JSON.stringify(body).includes(PASSWORD), 'GetLoginProfile returns the password');
      assert.ok(!('Password' in body.LoginProfile));

      await ram.call('UpdateLoginProfile', { UserName: user, PasswordResetRequired: false });
      body = await ram.call('GetLoginProfile', { UserName: user });
      assert.equal(body.LoginProfile.PasswordResetRequired, false);

      await expectError(() => ram.call('DeleteUser', { UserName: user }), 409, 'DeleteConflict.User.LoginProfile');
      await ram.call('DeleteLoginProfile', { UserName: user });
      await assert.rejects(() => ram.call('GetLoginProfile', { UserName: user }), (e) => {
        assert.ok(e instanceof ApiError, String(e));
        assert.equal(e.status, 404);
        assert.ok(String(e.code).startsWith('EntityNotExist.'), e.code);
        return true;
      });
      await ram.call('DeleteUser', { UserName: user });
    });
  });
}
