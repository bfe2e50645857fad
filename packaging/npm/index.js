'use strict';
// startRampart(): a `rampart serve --test-mode` process for tests, with its
// control API (advance the clock, reset, snapshot, restore). CommonJS; the
// ESM entry (index.mjs) re-exports this file, so there is one copy of state.
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const DEFAULT_REGION = 'cn-hangzhou';
const SUPPORTED = [['linux', 'x64']];
const live = new Set();

/** Absolute path of the `rampart` executable: RAMPART_BINARY (or
 * RAMPART_BIN), else the one shipped in this package (linux-x64). */
function rampartBinary() {
  for (const name of ['RAMPART_BINARY', 'RAMPART_BIN']) {
    const value = process.env[name];
    if (value) {
      try {
        fs.accessSync(value, fs.constants.X_OK);
      } catch {
        throw new Error(`${name}=${value} is not an executable file`);
      }
      return path.resolve(value);
    }
  }
  if (!SUPPORTED.some(([p, a]) => p === process.platform && a === process.arch)) {
    throw new Error(`rampart-server ships a linux-x64 binary; this is ${process.platform}-${process.arch}. `
      + 'Set RAMPART_BINARY to a rampart executable built for this platform.');
  }
  const bin = path.join(__dirname, 'bin', 'rampart');
  if (!fs.existsSync(bin)) {
    throw new Error(`the rampart binary is missing from the package (${bin}); reinstall rampart-server `
      + 'or set RAMPART_BINARY');
  }
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    // The exec bit was lost on the way (copied node_modules, artifact upload).
    fs.chmodSync(bin, 0o755);
  }
  return bin;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One HTTP(S) request to the server, never through a proxy: {status, body}. */
function request(url, { method = 'GET', headers = {}, ca, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(u, {
      method, headers: { ...headers, 'Content-Length': '0' }, agent: false, ca, timeout: timeoutMs,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${u.pathname}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const pct = (v) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Headers of a request signed with ACS3-HMAC-SHA256 (empty body), as the Tea
 * SDKs sign; the control API accepts the root key's signature. */
function signV3(method, pathname, query, host, accessKeyId, accessKeySecret,
  { action = 'RampartControl', version = 'test-mode', date, nonce } = {}) {
  const empty = crypto.createHash('sha256').update('').digest('hex');
  const headers = {
    host,
    'x-acs-action': action,
    'x-acs-version': version,
    'x-acs-date': date ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': nonce ?? crypto.randomBytes(16).toString('hex'),
    'x-acs-content-sha256': empty,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    method,
    pathname,
    Object.keys(query).sort().map((k) => `${k}=${pct(String(query[k]))}`).join('&'),
    names.map((n) => `${n}:${String(headers[n]).trim()}\n`).join(''),
    names.join(';'),
    empty,
  ].join('\n');
  const toSign = `ACS3-HMAC-SHA256\n${crypto.createHash('sha256').update(canonical).digest('hex')}`;
  const signature = crypto.createHmac('sha256', accessKeySecret).update(toSign).digest('hex');
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${accessKeyId},SignedHeaders=${names.join(';')},`
    + `Signature=${signature}`;
  return headers;
}

function tailOf(file, lines = 50) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '<no server log>';
  }
}

function killNow(child) {
  if (child.exitCode === null && child.signalCode === null) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
}

process.once('exit', () => {
  for (const s of live) {
    killNow(s.child);
    if (!s.keepData) {
      try { fs.rmSync(s.tmp, { recursive: true, force: true }); } catch { /* best effort */ }
    }
  }
});

async function spawnOnce(bin, port, o, dataDir, logPath) {
  const scheme = o.tls ? 'https' : 'http';
  const args = ['serve', '--test-mode', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir,
    '--region', o.region];
  if (o.tls) args.push('--tls-auto');
  if (o.seed) args.push('--seed', path.resolve(o.seed));
  args.push(...(o.args || []));
  const logFd = fs.openSync(logPath, 'a');
  const t0 = process.hrtime.bigint();
  // The RAMPART_* settings of this process do not leak in (the flags decide);
  // a database URL may hold a password, so it travels in the environment.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));
  if (o.database) env.RAMPART_DATABASE = o.database;
  Object.assign(env, o.env || {});
  const child = spawn(bin, args, { stdio: ['ignore', logFd, logFd], env });
  fs.closeSync(logFd);
  child.unref();
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  child.on('error', (err) => { exited = { code: null, signal: null, error: err }; });
  const shown = `rampart ${args.join(' ')}`;
  const caPath = path.join(dataDir, 'tls', 'ca.pem');
  const deadline = Date.now() + (o.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      const why = exited.error ? exited.error.message : `exit code ${exited.code}, signal ${exited.signal}`;
      return { ok: false, child, message: `rampart stopped before it was ready (${why})\ncommand: ${shown}\n`
        + `log (${logPath}):\n${tailOf(logPath)}` };
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      return { ok: false, child, message: `GET /healthz did not answer 200 in time\ncommand: ${shown}\n`
        + `log (${logPath}):\n${tailOf(logPath)}` };
    }
    try {
      let ca;
      if (o.tls) {
        if (!fs.existsSync(caPath)) throw new Error('no CA yet');
        ca = fs.readFileSync(caPath);
      }
      const r = await request(`${scheme}://127.0.0.1:${port}/healthz`, { ca, timeoutMs: 2000 });
      if (r.status === 200) {
        const startupMs = Number(process.hrtime.bigint() - t0) / 1e6;
        return { ok: true, child, ca, caPath: o.tls ? caPath : null, startupMs };
      }
    } catch { /* not up yet */ }
    await sleep(50);
  }
}

async function stopChild(child, timeoutMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => killNow(child), timeoutMs);
  await done;
  clearTimeout(t);
}

/**
 * Start `rampart serve --test-mode` on a free loopback port with a fresh data
 * dir; resolves once GET /healthz answers 200.
 * options: { tls, database, seed, region, args, binary, startTimeoutMs, keepData, env }
 */
async function startRampart(options = {}) {
  const o = { region: DEFAULT_REGION, ...options };
  const bin = o.binary ? path.resolve(o.binary) : rampartBinary();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rampart-'));
  const dataDir = path.join(tmp, 'data');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  const logPath = path.join(tmp, 'rampart.log');
  let started;
  let port;
  for (let attempt = 0; attempt < 5; attempt++) {
    port = await freePort();
    started = await spawnOnce(bin, port, o, dataDir, logPath);
    if (started.ok || !/in use|AddrInUse/i.test(started.message)) break;
  }
  if (!started.ok) {
    if (!o.keepData) fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(started.message);
  }
  const { child } = started;
  const entry = { child, tmp, keepData: !!o.keepData };
  live.add(entry);

  const credPath = path.join(dataDir, 'root-credentials.json');
  const tokenPath = path.join(dataDir, 'test-token');
  for (let i = 0; i < 100 && !fs.existsSync(credPath); i++) await sleep(50);
  for (let i = 0; i < 20 && !fs.existsSync(tokenPath); i++) await sleep(50);
  const creds = JSON.parse(fs.readFileSync(credPath, 'utf8'));
  const token = fs.existsSync(tokenPath) ? fs.readFileSync(tokenPath, 'utf8').trim() : null;
  const scheme = o.tls ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${port}`;

  async function control(method, p, query) {
    if (stopped) throw new Error('the server is stopped');
    const q = query ?? {};
    // The test token of the data dir, and the root key's V3 signature.
    const headers = signV3(method, `/_rampart/${p}`, q, `127.0.0.1:${port}`,
      creds.AccessKeyId, creds.AccessKeySecret);
    if (token) headers['X-Rampart-Test-Token'] = token;
    const qs = Object.keys(q).length
      ? `?${Object.entries(q).map(([k, v]) => `${pct(k)}=${pct(String(v))}`).join('&')}` : '';
    const r = await request(`${url}/_rampart/${p}${qs}`, { method, headers, ca: started.ca });
    if (r.status < 200 || r.status >= 300) {
      throw new Error(`${method} /_rampart/${p}: HTTP ${r.status} ${r.body.slice(0, 500)}`);
    }
    if (!r.body) return null;
    try { return JSON.parse(r.body); } catch { return r.body; }
  }

  let stopped = false;
  const handle = {
    /** host:port, as the SDKs take it */
    endpoint: `127.0.0.1:${port}`,
    url,
    port,
    protocol: scheme,
    accessKeyId: creds.AccessKeyId,
    accessKeySecret: creds.AccessKeySecret,
    accountId: String(creds.AccountId ?? ''),
    region: o.region,
    ca: started.caPath,
    dataDir,
    logPath,
    startupMs: started.startupMs,
    clock: () => control('GET', 'clock'),
    advance: (duration) => control('POST', 'clock/advance',
      { by: typeof duration === 'number' ? `${duration}s` : String(duration) }),
    reset: () => control('POST', 'reset'),
    snapshot: (name) => control('POST', 'snapshot', { name: String(name) }),
    restore: (name) => control('POST', 'restore', { name: String(name) }),
    /** The AccessKeys --seed created: { Users: { name: { AccessKeyId, AccessKeySecret } } }, or {}. */
    seedCredentials() {
      try {
        return JSON.parse(fs.readFileSync(path.join(dataDir, 'seed-credentials.json'), 'utf8'));
      } catch {
        return {};
      }
    },
    logTail: (lines = 50) => tailOf(logPath, lines),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild(child);
      live.delete(entry);
      if (!o.keepData) fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  return handle;
}

module.exports = { startRampart, rampartBinary, signV3, DEFAULT_REGION };
module.exports.default = startRampart;
