// Logon, lockout, the session cookie, CSRF protection and logout.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { BASE, ROOT, logOn, logOnAsRoot, nav, openBrowser, screenshots, unique } from './helpers.mjs';

test('a wrong password shows the logon error; five failures lock the name', async () => {
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'login');
  try {
    await logOn(page, ROOT.AccountId, 'not-the-password');
    const alert = page.locator('#login-error');
    await alert.getByText('The logon name or password is wrong.').waitFor();
    assert.match(await alert.textContent(), /InvalidLogin/);
    await shot('wrong-password');

    // A name of its own, so the account root stays usable for the other tests.
    const name = `${unique('nobody')}@${ROOT.AccountId}`;
    for (let i = 0; i < 5; i++) {
      await page.getByLabel('Logon Name').fill(name);
      await page.getByLabel('Password', { exact: true }).fill(`wrong-${i}`);
      await page.getByRole('button', { name: 'Log On' }).click();
      await alert.getByText(/InvalidLogin/).waitFor();
    }
    await page.getByLabel('Password', { exact: true }).fill('wrong-again');
    await page.getByRole('button', { name: 'Log On' }).click();
    await alert.getByText(/InvalidLogin\.Locked/).waitFor();
    assert.match(await alert.textContent(), /Too many failed logons/);
    await shot('locked');
    // Still not logged on.
    assert.equal(await page.getByRole('button', { name: 'Log Out' }).isVisible(), false);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the session cookie is HttpOnly, SameSite=Strict, scoped to /console', async () => {
  const b = await openBrowser();
  try {
    await logOnAsRoot(b.page);
    const cookies = await b.context.cookies(`${BASE}/console/`);
    const c = cookies.find((x) => x.name === 'rampart_console');
    assert.ok(c, 'the session cookie is set');
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Strict');
    assert.equal(c.path, '/console');
    assert.equal(c.value.length, 64, '32 random bytes, hex');
    // Not readable from scripts.
    assert.equal(await b.page.evaluate(() => document.cookie.includes('rampart_console')), false);
  } finally {
    await b.close();
  }
});

test('a POST without the CSRF token (or with a wrong one) is refused with 403', async () => {
  const b = await openBrowser();
  const { page } = b;
  try {
    await logOnAsRoot(page);
    const results = await page.evaluate(async () => {
      const send = async (headers) => {
        const r = await fetch('/console/api/ram/ListUsers', { method: 'POST', headers, body: new URLSearchParams() });
        return { status: r.status, body: await r.json() };
      };
      const session = await (await fetch('/console/api/session')).json();
      return {
        none: await send({}),
        wrong: await send({ 'X-CSRF-Token': 'f'.repeat(64) }),
        right: await send({ 'X-CSRF-Token': session.CsrfToken }),
        logoutNone: await (async () => {
          const r = await fetch('/console/api/logout', { method: 'POST' });
          return { status: r.status };
        })(),
      };
    });
    assert.equal(results.none.status, 403);
    assert.equal(results.none.body.Code, 'Console.InvalidCsrfToken');
    assert.equal(results.wrong.status, 403);
    assert.equal(results.right.status, 200, 'the same request with the token works');
    assert.ok(results.right.body.Users);
    assert.equal(results.logoutNone.status, 403, 'logout needs the token too');

    // A request from another origin is refused even with the cookie and token.
    const cookie = (await b.context.cookies(`${BASE}/console/`)).find((x) => x.name === 'rampart_console');
    const session = await page.evaluate(async () => (await fetch('/console/api/session')).json());
    const cross = await fetch(`${BASE}/console/api/ram/ListUsers`, {
      method: 'POST',
      headers: { Cookie: `rampart_console=${cookie.value}`, 'X-CSRF-Token': session.CsrfToken, Origin: 'http://evil.example' },
    });
    assert.equal(cross.status, 403);
  } finally {
    await b.close();
  }
});

test('Log Out ends the session on the server', async () => {
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'logout');
  try {
    await logOnAsRoot(page);
    await nav(page, 'Policies');
    await page.getByRole('heading', { name: 'Policies', level: 1 }).waitFor();
    const cookie = (await b.context.cookies(`${BASE}/console/`)).find((x) => x.name === 'rampart_console').value;
    const csrf = (await page.evaluate(async () => (await fetch('/console/api/session')).json())).CsrfToken;
    await page.getByRole('button', { name: 'Log Out' }).click();
    await page.getByRole('heading', { name: 'Log On to the RAM Console' }).waitFor();
    await page.getByText('You have logged out.').waitFor();
    await shot('logged-out');
    assert.equal((await b.context.cookies(`${BASE}/console/`)).some((x) => x.name === 'rampart_console'), false, 'the cookie is cleared');
    // The old token no longer works, even replayed with its CSRF token.
    const replay = await fetch(`${BASE}/console/api/ram/ListUsers`, {
      method: 'POST',
      headers: { Cookie: `rampart_console=${cookie}`, 'X-CSRF-Token': csrf },
    });
    assert.equal(replay.status, 401);
    assert.equal((await replay.json()).Code, 'Console.NotLoggedOn');
    // Reloading shows the logon page, not the console.
    await page.reload();
    await page.getByLabel('Logon Name').waitFor();
    assert.equal(await page.getByRole('navigation', { name: 'Console' }).isVisible(), false);
  } finally {
    await b.close();
  }
});
