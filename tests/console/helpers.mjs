// Shared helpers of the console browser tests: the server run.sh started,
// a fresh headless Chromium per test, a signed (RPC V1) API client to check
// results independently of the console, and step screenshots.
//
// Environment (set by run.sh):
//   RAMPART_URL          base URL of the running server
//   RAMPART_CREDENTIALS  path of its root-credentials.json
//   CHROMIUM             browser executable (default /usr/bin/chromium)
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.join(HERE, 'artifacts');

export const BASE = process.env.RAMPART_URL || 'http://127.0.0.1:7433';
const CREDS_PATH = process.env.RAMPART_CREDENTIALS;
if (!CREDS_PATH) throw new Error('RAMPART_CREDENTIALS is not set; run the tests through tests/console/run.sh');
export const ROOT = JSON.parse(fs.readFileSync(CREDS_PATH, 'utf8'));

const VERSIONS = { ram: '2015-05-01', sts: '2015-04-01', kms: '2016-01-20' };

const pct = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Calls the API with an RPC V1 (HMAC-SHA1) signature, as the old SDKs do. */
export async function signedCall(product, action, params = {}, creds = ROOT) {
  const all = {
    Format: 'JSON',
    Version: VERSIONS[product],
    AccessKeyId: creds.AccessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: crypto.randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Action: action,
    ...params,
  };
  const canonical = Object.keys(all).sort().map((k) => `${pct(k)}=${pct(String(all[k]))}`).join('&');
  const toSign = `POST&${pct('/')}&${pct(canonical)}`;
  all.Signature = crypto.createHmac('sha1', `${creds.AccessKeySecret}&`).update(toSign).digest('base64');
  const r = await fetch(`${BASE}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(all).toString(),
  });
  const body = await r.json();
  return { status: r.status, body };
}

/** Like signedCall, but fails on an error answer. */
export async function call(product, action, params, creds) {
  const r = await signedCall(product, action, params, creds);
  if (r.status !== 200) throw new Error(`${action} failed: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A fresh headless Chromium with a new empty profile; close() cleans it up. */
export async function openBrowser() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rampart-console-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as artifacts/<prefix>-<NN>-<name>.png. */
export function screenshots(page, prefix) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  let n = 0;
  return async (name) => {
    n += 1;
    const file = path.join(ARTIFACTS, `${prefix}-${String(n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
}

/** Logs on through the login form. */
export async function logOn(page, name, password) {
  await page.goto(`${BASE}/console/`);
  await page.getByLabel('Logon Name').fill(name);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log On' }).click();
}

export async function logOnAsRoot(page) {
  await logOn(page, ROOT.AccountId, ROOT.ConsolePassword);
  await page.getByRole('button', { name: 'Log Out' }).waitFor();
}

/** Clicks an entry of the left navigation. */
export async function nav(page, name) {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();
}

export const unique = (prefix) => `${prefix}-${crypto.randomBytes(3).toString('hex')}`;
