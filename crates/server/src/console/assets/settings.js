'use strict';
// Account settings (password policy, security preference, account alias),
// changing one's own password, MFA on the user page, and tags on roles and
// policies. Loaded after app.js, whose helpers it uses.

// Settings ----------------------------------------------------------------

function numberInput(value, min, max) {
  return h('input', { type: 'number', min, max, value: String(value), inputmode: 'numeric' });
}

async function viewSettings() {
  const view = page('Settings');

  // Password policy.
  const pp = h('section', { 'aria-labelledby': 'pp-h' }, h('h2', { id: 'pp-h' }, 'Password Policy'));
  view.append(pp);
  const ppSlot = h('div', { role: 'alert' });
  pp.append(ppSlot);
  await attempt(ppSlot, async () => {
    const p = (await api('ram', 'GetPasswordPolicy')).PasswordPolicy;
    const len = numberInput(p.MinimumPasswordLength, 8, 32);
    const age = numberInput(p.MaxPasswordAge, 0, 1095);
    const reuse = numberInput(p.PasswordReusePrevention, 0, 24);
    const attempts = numberInput(p.MaxLoginAttemps, 0, 32);
    const lower = checkbox('Require lowercase letters', p.RequireLowercaseCharacters);
    const upper = checkbox('Require uppercase letters', p.RequireUppercaseCharacters);
    const digits = checkbox('Require digits', p.RequireNumbers);
    const symbols = checkbox('Require symbols', p.RequireSymbols);
    const hard = checkbox('Expired passwords cannot log on (hard expiry)', p.HardExpiry);
    pp.append(
      field('Minimum Length', len, '8 to 32 characters.'),
      h('fieldset', {}, h('legend', {}, 'Character Classes'), lower.el, upper.el, digits.el, symbols.el),
      field('Password Validity (days)', age, '0: passwords never expire.'),
      hard.el,
      field('Passwords Remembered', reuse, 'The last N passwords cannot be used again (0 to 24).'),
      field('Maximum Logon Attempts per Hour', attempts, '0: no limit. After that many failures the user waits out the hour.'),
      h('div', { class: 'buttons' }, button('Save Password Policy', () => attempt(ppSlot, async () => {
        await api('ram', 'SetPasswordPolicy', {
          MinimumPasswordLength: len.value, MaxPasswordAge: age.value,
          PasswordReusePrevention: reuse.value, MaxLoginAttemps: attempts.value,
          RequireLowercaseCharacters: lower.input.checked, RequireUppercaseCharacters: upper.input.checked,
          RequireNumbers: digits.input.checked, RequireSymbols: symbols.input.checked,
          HardExpiry: hard.input.checked,
        });
        notice('The password policy was saved.');
      }))));
  });

  // Security preference.
  const sp = h('section', { 'aria-labelledby': 'sp-h' }, h('h2', { id: 'sp-h' }, 'Security Preference'));
  view.append(sp);
  const spSlot = h('div', { role: 'alert' });
  sp.append(spSlot);
  await attempt(spSlot, async () => {
    const p = (await api('ram', 'GetSecurityPreference')).SecurityPreference;
    const lp = p.LoginProfilePreference || {};
    const chpw = checkbox('Users may change their own passwords', lp.AllowUserToChangePassword);
    const keys = checkbox('Users may manage their own AccessKeys', (p.AccessKeyPreference || {}).AllowUserToManageAccessKeys);
    const mfa = checkbox('Users may manage their own MFA devices', (p.MFAPreference || {}).AllowUserToManageMFADevices);
    const hours = numberInput(lp.LoginSessionDuration, 1, 24);
    const masks = h('input', { value: lp.LoginNetworkMasks || '', maxlength: 512 });
    sp.append(chpw.el, keys.el, mfa.el,
      field('Console Session (hours)', hours, '1 to 24.'),
      field('Logon Networks', masks, 'CIDR blocks separated by semicolons, such as 10.0.0.0/8;192.168.0.0/16. Empty: any address.'),
      h('div', { class: 'buttons' }, button('Save Security Preference', () => attempt(spSlot, async () => {
        await api('ram', 'SetSecurityPreference', {
          AllowUserToChangePassword: chpw.input.checked, AllowUserToManageAccessKeys: keys.input.checked,
          AllowUserToManageMFADevices: mfa.input.checked, LoginSessionDuration: hours.value,
          LoginNetworkMasks: masks.value,
        });
        notice('The security preference was saved.');
      }))));
  });

  // Account alias.
  const al = h('section', { 'aria-labelledby': 'al-h' }, h('h2', { id: 'al-h' }, 'Account Alias'));
  view.append(al);
  const alSlot = h('div', { role: 'alert' });
  al.append(alSlot);
  await attempt(alSlot, async () => {
    const cur = (await api('ram', 'GetAccountAlias')).AccountAlias;
    const input = h('input', { value: cur === state.principal.AccountId ? '' : cur, maxlength: 32 });
    al.append(
      h('p', {}, `RAM users log on as <user>@${cur}.onaliyun.com.`),
      field('Alias', input, '3 to 32 lowercase letters, digits and hyphens.'),
      h('div', { class: 'buttons' },
        button('Save Alias', () => attempt(alSlot, async () => {
          await api('ram', 'SetAccountAlias', { AccountAlias: input.value.trim() });
          notice('The account alias was saved.');
        })),
        button('Clear Alias', () => attempt(alSlot, async () => {
          await api('ram', 'ClearAccountAlias');
          notice('The account alias was cleared.');
        }), 'secondary')));
  });
}

// Changing one's own password (also the only page while a change is due).
function viewChangePassword() {
  const view = page('Change Password');
  const slot = h('div', { role: 'alert' });
  const old = h('input', { type: 'password', autocomplete: 'current-password' });
  const pwd = h('input', { type: 'password', autocomplete: 'new-password' });
  if (state.mustChangePassword) {
    view.append(h('p', {}, 'Your password must be changed before you continue.'));
  }
  view.append(slot, field('Current Password', old), field('New Password', pwd),
    h('div', { class: 'buttons' }, button('Change Password', () => attempt(slot, async () => {
      await api('ram', 'ChangePassword', { OldPassword: old.value, NewPassword: pwd.value });
      state.mustChangePassword = false;
      showLogin('Your password was changed. Log on with the new one.');
    }))));
}

// MFA on the user page ------------------------------------------------------

async function mfaSection(view, name) {
  const sec = h('section', { 'aria-labelledby': 'mfa-h' }, h('h2', { id: 'mfa-h' }, 'MFA Device'));
  view.append(sec);
  const slot = h('div', { role: 'alert' });
  sec.append(slot);
  const reload = () => route();
  let serial = null;
  try {
    serial = (await api('ram', 'GetUserMFAInfo', { UserName: name })).MFADevice.SerialNumber;
  } catch (e) {
    if (!(e instanceof ApiError && e.body.Code === 'EntityNotExist.User.MFADevice')) {
      slot.replaceChildren(errorBox(e));
      return;
    }
  }
  if (serial) {
    sec.append(h('p', {}, `Bound device: ${serial}`), h('div', { class: 'buttons' },
      button('Unbind MFA Device', (ev) => confirmInline(ev.target.parentElement,
        `Unbind ${serial}? The user then logs on with the password alone.`, 'Unbind', async () => {
          await api('ram', 'UnbindMFADevice', { UserName: name });
          await api('ram', 'DeleteVirtualMFADevice', { SerialNumber: serial }).catch(() => {});
          reload();
        }), 'secondary')));
    return;
  }
  sec.append(h('p', {}, 'No MFA device is bound.'));
  sec.append(h('div', { class: 'buttons' }, button('Enable MFA Device', () => attempt(slot, async () => {
    const mine = `acs:ram::${state.principal.AccountId}:mfa/${name}`;
    // A device left from an unfinished attempt is replaced.
    await api('ram', 'DeleteVirtualMFADevice', { SerialNumber: mine }).catch(() => {});
    const d = (await api('ram', 'CreateVirtualMFADevice', { VirtualMFADeviceName: name })).VirtualMFADevice;
    const c1 = h('input', { inputmode: 'numeric', maxlength: 6, autocomplete: 'one-time-code' });
    const c2 = h('input', { inputmode: 'numeric', maxlength: 6, autocomplete: 'one-time-code' });
    const bindSlot = h('div', { role: 'alert' });
    showPanel(sec, panel('Bind a Virtual MFA Device',
      h('p', {}, 'Scan the QR code with an authenticator app, or enter the key by hand.'),
      h('img', { src: `data:image/png;base64,${d.QRCodePNG}`, alt: `QR code of the MFA device of ${name}`, class: 'qr' }),
      info([['Serial Number', d.SerialNumber], ['Key (Base32)', h('code', { class: 'seed' }, d.Base32StringSeed)]]),
      bindSlot,
      field('First Code', c1, 'A code the app shows.'),
      field('Second Code', c2, 'The next code, after the first one changes.'),
      h('div', { class: 'buttons' }, button('Bind', () => attempt(bindSlot, async () => {
        await api('ram', 'BindMFADevice', {
          UserName: name, SerialNumber: d.SerialNumber,
          AuthenticationCode1: c1.value.trim(), AuthenticationCode2: c2.value.trim(),
        });
        notice('The MFA device was bound.');
        reload();
      })))));
  }))));
}

// Tags on roles and policies -------------------------------------------------

async function tagsSection(view, kind, name) {
  const sec = h('section', { 'aria-labelledby': 'tags-h' }, h('h2', { id: 'tags-h' }, 'Tags'));
  view.append(sec);
  const slot = h('div', { role: 'alert' });
  sec.append(slot);
  const names = JSON.stringify([name]);
  await attempt(slot, async () => {
    const r = await api('ram', 'ListTagResources', { ResourceType: kind, ResourceNames: names });
    const rows = r.TagResources || [];
    const key = h('input', { maxlength: 128 });
    const value = h('input', { maxlength: 256 });
    sec.append(table(`Tags of ${name}`, [
      { label: 'Key', render: (t) => t.TagKey },
      { label: 'Value', render: (t) => t.TagValue },
      { label: 'Actions', cls: 'actions', render: (t) => button('Remove', () => attempt(slot, async () => {
        await api('ram', 'UntagResources', { ResourceType: kind, ResourceNames: names, TagKeys: JSON.stringify([t.TagKey]) });
        route();
      }), 'link') },
    ], rows, 'No tags.'),
    h('div', { class: 'toolbar' }, field('Tag Key', key), field('Tag Value', value),
      button('Add Tag', () => attempt(slot, async () => {
        await api('ram', 'TagResources', {
          ResourceType: kind, ResourceNames: names,
          Tag: JSON.stringify([{ Key: key.value.trim(), Value: value.value }]),
        });
        route();
      }), 'secondary')));
  });
}

ROUTES.push([/^#\/settings$/, () => viewSettings()]);
ROUTES.push([/^#\/password$/, () => viewChangePassword()]);
