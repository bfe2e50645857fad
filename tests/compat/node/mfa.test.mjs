// Virtual MFA devices through @alicloud/pop-core and @alicloud/ram20150501:
// create, bind with two consecutive RFC 6238 codes, read, unbind, delete.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { FLAVOURS, expectError, makeClient, startServer, uniq } from './helpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0; let value = 0; const out = [];
  for (const c of s.replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

function totp(seed, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', seed).update(msg).digest();
  const off = mac[19] & 0x0f;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

for (const flavour of FLAVOURS) {
  describe(flavour, () => {
    test('virtual MFA device lifecycle', async () => {
      const ram = makeClient(flavour, srv);
      const user = uniq('nmfa');
      await ram.call('CreateUser', { UserName: user });
      await expectError(() => ram.call('GetUserMFAInfo', { UserName: user }), 404, 'EntityNotExist.User.MFADevice');
      const d = (await ram.call('CreateVirtualMFADevice', { VirtualMFADeviceName: user })).VirtualMFADevice;
      assert.equal(d.SerialNumber, `acs:ram::${srv.creds.AccountId}:mfa/${user}`);
      assert.equal(Buffer.from(d.QRCodePNG, 'base64').subarray(1, 4).toString(), 'PNG');
      const seed = base32Decode(d.Base32StringSeed);
      const step = Math.floor(Date.now() / 1000 / 30);
      await ram.call('BindMFADevice', {
        UserName: user, SerialNumber: d.SerialNumber,
        AuthenticationCode1: totp(seed, step - 1), AuthenticationCode2: totp(seed, step),
      });
      assert.equal((await ram.call('GetUserMFAInfo', { UserName: user })).MFADevice.SerialNumber, d.SerialNumber);
      const list = (await ram.call('ListVirtualMFADevices')).VirtualMFADevices.VirtualMFADevice;
      assert.equal(list.find((x) => x.SerialNumber === d.SerialNumber).User.UserName, user);
      await expectError(() => ram.call('DeleteUser', { UserName: user }), 409, 'DeleteConflict.User.MFADevice');
      assert.equal((await ram.call('UnbindMFADevice', { UserName: user })).MFADevice.SerialNumber, d.SerialNumber);
      await expectError(() => ram.call('UnbindMFADevice', { UserName: user }), 404, 'EntityNotExist.User.MFADevice');
      await ram.call('DeleteVirtualMFADevice', { SerialNumber: d.SerialNumber });
      await ram.call('DeleteUser', { UserName: user });
    });
  });
}
