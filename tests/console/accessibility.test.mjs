// Accessibility basics: landmarks, an accessible name for every form control
// and button, and the console usable from the keyboard alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ROOT, BASE, logOnAsRoot, nav, openBrowser, screenshots } from './helpers.mjs';

// Visible form controls and buttons without an accessible name.
async function unnamedControls(page) {
  return page.evaluate(() => {
    const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    const named = (el) => {
      if (el.getAttribute('aria-label')) return true;
      const by = el.getAttribute('aria-labelledby');
      if (by && by.split(/\s+/).some((id) => document.getElementById(id)?.textContent.trim())) return true;
      if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
      if (el.tagName === 'BUTTON' && el.textContent.trim()) return true;
      return false;
    };
    return [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => visible(el) && el.type !== 'hidden' && !named(el))
      .map((el) => el.outerHTML.slice(0, 120));
  });
}

async function nonButtonClickables(page) {
  // Anything made clickable must be a real button or link: no div/span with a role of button.
  return page.evaluate(() => [...document.querySelectorAll('[role="button"], [onclick], [tabindex]:not(h1, h2, pre, main)')]
    .map((el) => el.outerHTML.slice(0, 120)));
}

test('every input, select, textarea and button has an accessible name; landmarks exist', async () => {
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'a11y');
  try {
    await page.goto(`${BASE}/console/`);
    await page.getByLabel('Logon Name').waitFor();
    assert.deepEqual(await unnamedControls(page), [], 'logon page');
    assert.equal(await page.getByRole('main').count(), 1);
    await logOnAsRoot(page);
    assert.equal(await page.getByRole('navigation', { name: 'Console' }).count(), 1, 'a nav landmark');
    assert.equal(await page.getByRole('main').count(), 1, 'one main landmark');
    assert.equal(await page.getByRole('banner').count(), 1, 'a banner landmark');

    const pages = [
      ['Users', 'Create User'],
      ['Groups', 'Create Group'],
      ['Policies', null],
      ['Grants', 'Grant Permission'],
      ['RAM Roles', 'Create RAM Role'],
      ['Secrets', 'Create Secret'],
      ['Policy Simulator', null],
      ['Trail', null],
    ];
    for (const [name, panelButton] of pages) {
      await nav(page, name);
      await page.getByRole('heading', { name, level: 1, exact: true }).waitFor();
      await page.locator('#main[aria-busy="false"]').waitFor();
      if (panelButton) {
        await page.getByRole('button', { name: panelButton }).click();
        await page.getByRole('region', { name: panelButton === 'Grant Permission' ? 'Grant Permission' : panelButton }).waitFor();
      }
      assert.deepEqual(await unnamedControls(page), [], `page ${name}`);
      assert.deepEqual(await nonButtonClickables(page), [], `page ${name}`);
      const current = await page.getByRole('navigation', { name: 'Console' }).locator('[aria-current="page"]').textContent();
      assert.equal(current, name, 'the current page is marked in the navigation');
    }
    // Both configuration modes of Create Policy, and the RAM secret form.
    await nav(page, 'Policies');
    await page.getByRole('button', { name: 'Create Policy' }).click();
    await page.getByRole('heading', { name: 'Create Policy', level: 1 }).waitFor();
    assert.deepEqual(await unnamedControls(page), [], 'Create Policy, Visual');
    await shot('create-policy-visual');
    await page.getByRole('radio', { name: 'Script' }).check();
    assert.deepEqual(await unnamedControls(page), [], 'Create Policy, Script');
    await nav(page, 'Secrets');
    await page.getByRole('button', { name: 'Create Secret' }).click();
    await page.getByRole('radio', { name: 'RAM Secret' }).check();
    await page.getByLabel('RAM User').waitFor();
    assert.deepEqual(await unnamedControls(page), [], 'Create Secret, RAM secret');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the console works from the keyboard alone', async () => {
  const b = await openBrowser();
  const { page } = b;
  const shot = screenshots(page, 'keyboard');
  try {
    await page.goto(`${BASE}/console/`);
    await page.getByLabel('Logon Name').waitFor();
    // The logon field has focus; type, tab to the password, press Enter.
    assert.equal(await page.evaluate(() => document.activeElement.id), 'login-name');
    await page.keyboard.type(ROOT.AccountId);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'login-password');
    await page.keyboard.type(ROOT.ConsolePassword);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Log Out' }).waitFor();

    // Tab from the top of the page to the "Policies" link and follow it with Enter.
    await page.locator('body').focus();
    await page.evaluate(() => document.activeElement.blur());
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement.textContent === 'Policies' && document.activeElement.tagName === 'A');
    }
    assert.ok(reached, 'the Policies link is reachable with Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Policies', level: 1 }).waitFor();
    // Focus moves to the page heading, so the next Tab continues in the page.
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Create Policy');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Create Policy', level: 1 }).waitFor();
    await shot('create-policy');

    // Radio buttons of Configuration Mode switch with the arrow keys.
    await page.getByRole('radio', { name: 'Visual' }).focus();
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getByRole('radio', { name: 'Script' }).isChecked(), true);
    await page.getByLabel('Policy Document', { exact: true }).waitFor();

    // The skip link goes straight to the main content.
    await page.reload();
    await page.getByRole('button', { name: 'Log Out' }).waitFor();
    await page.evaluate(() => document.activeElement.blur());
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to main content');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
