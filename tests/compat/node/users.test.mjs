// Users through @alicloud/pop-core (RPC V1) and @alicloud/ram20150501 (Tea, as shipped).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { FLAVOURS, assertDate, expectError, makeClient, startServer, uniq } from './helpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

test('root-credentials.json is complete and mode 0600', () => {
  for (const k of ['AccountId', 'AccessKeyId', 'AccessKeySecret', 'ConsolePassword']) {
    assert.ok(typeof srv.creds[k] === 'string' && srv.creds[k], `missing ${k}`);
  }
  assert.equal(srv.credentialsMode.toString(8), '600');
});

test('the Tea client, as shipped, signs with ACS3-HMAC-SHA256', async () => {
  // capture one request on a throw-away local listener
  const seen = [];
  const cap = http.createServer((req, res) => {
    seen.push(req.headers);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ RequestId: 'capture', Users: { User: [] }, IsTruncated: false }));
  });
  await new Promise((r) => cap.listen(0, '127.0.0.1', r));
  try {
    const fake = { ...srv, endpoint: `127.0.0.1:${cap.address().port}` };
    await makeClient('tea-default', fake).call('ListUsers');
  } finally {
    cap.close();
  }
  assert.equal(seen.length, 1);
  assert.match(seen[0].authorization ?? '', /^ACS3-HMAC-SHA256 Credential=/);
  assert.equal(seen[0]['x-acs-action'], 'ListUsers');
  assert.equal(seen[0]['x-acs-version'], '2015-05-01');
});

for (const flavour of FLAVOURS) {
  describe(flavour, () => {
    test('user lifecycle', async () => {
      const ram = makeClient(flavour, srv);
      const name = uniq('nuser');
      let body = await ram.call('CreateUser', {
        UserName: name, DisplayName: 'Node User', Email: 'n@example.com',
        MobilePhone: '86-18600008888', Comments: 'from node',
      });
      assert.ok(body.RequestId);
      assert.equal(body.User.UserName, name);
      assert.equal(body.User.DisplayName, 'Node User');
      assert.equal(body.User.Email, 'n@example.com');
      assert.equal(body.User.MobilePhone, '86-18600008888');
      assert.equal(body.User.Comments, 'from node');
      assert.ok(body.User.UserId);
      assertDate(body.User.CreateDate, 'CreateDate');
      const userId = body.User.UserId;

      body = await ram.call('GetUser', { UserName: name });
      assert.equal(body.User.UserId, userId);
      assertDate(body.User.UpdateDate, 'UpdateDate');

      const renamed = uniq('nrenamed');
      body = await ram.call('UpdateUser', { UserName: name, NewUserName: renamed, NewDisplayName: 'Renamed', NewComments: 'c2' });
      assert.equal(body.User.UserName, renamed);
      assert.equal(body.User.DisplayName, 'Renamed');
      assert.equal(body.User.Comments, 'c2');
      assert.equal(body.User.UserId, userId);
      await expectError(() => ram.call('GetUser', { UserName: name }), 404, 'EntityNotExist.User');

      body = await ram.call('DeleteUser', { UserName: renamed });
      assert.ok(body.RequestId);
      await expectError(() => ram.call('GetUser', { UserName: renamed }), 404, 'EntityNotExist.User');
    });

    test('ListUsers paging with MaxItems=1', async () => {
      const ram = makeClient(flavour, srv);
      const names = [uniq('npage'), uniq('npage'), uniq('npage')];
      for (const n of names) await ram.call('CreateUser', { UserName: n });
      const seen = [];
      let marker;
      for (let i = 0; ; i++) {
        assert.ok(i < 1000, 'paging does not terminate');
        const body = await ram.call('ListUsers', { MaxItems: 1, Marker: marker });
        const users = body.Users?.User ?? [];
        assert.ok(users.length <= 1, `MaxItems=1 returned ${users.length}`);
        assert.equal(typeof body.IsTruncated, 'boolean');
        seen.push(...users.map((u) => u.UserName));
        if (!body.IsTruncated) {
          assert.ok(!('Marker' in body), `Marker present although not truncated: ${body.Marker}`);
          break;
        }
        assert.ok(body.Marker, 'truncated without Marker');
        marker = body.Marker;
      }
      assert.equal(new Set(seen).size, seen.length, `duplicates: ${seen}`);
      for (const n of names) assert.ok(seen.includes(n), `${n} missing`);
      for (const n of names) await ram.call('DeleteUser', { UserName: n });
    });

    test('user errors', async () => {
      const ram = makeClient(flavour, srv);
      await expectError(() => ram.call('GetUser', { UserName: uniq('missing') }), 404, 'EntityNotExist.User');
      const name = uniq('ndup');
      await ram.call('CreateUser', { UserName: name });
      await expectError(() => ram.call('CreateUser', { UserName: name }), 409, 'EntityAlreadyExists.User');
      await expectError(() => ram.call('CreateUser', { UserName: 'bad name!' }), 400, 'InvalidParameter.UserName.InvalidChars');
      await ram.call('DeleteUser', { UserName: name });
    });
  });
}

test('pop-core GET is accepted too', async () => {
  const ram = makeClient('pop-core-get', srv);
  const body = await ram.call('ListUsers');
  assert.ok(body.RequestId);
});

test('Tea with signatureAlgorithm v2 (RPC V1)', async () => {
  const ram = makeClient('tea-v2', srv);
  const name = uniq('nv2');
  const body = await ram.call('CreateUser', { UserName: name, Comments: 'a b+c' });
  assert.equal(body.User.Comments, 'a b+c');
  await ram.call('DeleteUser', { UserName: name });
});

test('Tea typed response fields', async () => {
  const ram = makeClient('tea-default', srv);
  const name = uniq('ntyped');
  await ram.call('CreateUser', { UserName: name, DisplayName: 'Typed' });
  const resp = ram.lastResponse;
  assert.equal(resp.body.user.userName, name);
  assert.equal(resp.body.user.displayName, 'Typed');
  assert.ok(resp.body.requestId);
  await ram.call('DeleteUser', { UserName: name });
});
