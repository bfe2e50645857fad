// Shared helpers for the Node compat tests: start a real Rampart server and
// wrap the official Node SDKs behind one small interface.
//
// RAMPART_BIN: absolute path of the server binary
//              (default: <repo>/target/debug/rampart)
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

import PopCore from '@alicloud/pop-core';
import RamMod from '@alicloud/ram20150501';
import StsMod from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..', '..');
export const RAM_VERSION = '2015-05-01';
export const STS_VERSION = '2015-04-01';
export const REGION = 'cn-hangzhou';
export const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const PRODUCTS = {
  ram: { Client: RamMod.default, models: RamMod, version: RAM_VERSION },
  sts: { Client: StsMod.default, models: StsMod, version: STS_VERSION },
};
const { Config } = OpenApi.$OpenApiUtil;

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

/** GET over HTTPS trusting only the PEM file `ca`: the status code. */
function httpsStatus(url, ca) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: fs.readFileSync(ca), timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

/** Start `rampart serve` on a free port with a fresh data dir (plus extraArgs,
 * e.g. ['--rotation-grace-period', '20s']). With opts.tls, `--tls-auto`:
 * the server speaks HTTPS and its clients trust `srv.ca` (the local CA). */
export async function startServer(extraArgs = [], opts = {}) {
  if (opts.tls) extraArgs = ['--tls-auto', ...extraArgs];
  const scheme = opts.tls ? 'https' : 'http';
  const bin = process.env.RAMPART_BIN || path.join(REPO_ROOT, 'target', 'debug', 'rampart');
  if (!fs.existsSync(bin)) throw new Error(`server binary not found: ${bin} (set RAMPART_BIN)`);
  const port = await freePort();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rampart-compat-node-'));
  const dataDir = path.join(tmp, 'data');
  fs.mkdirSync(dataDir);
  const logPath = path.join(tmp, 'server.log');
  const logFd = fs.openSync(logPath, 'w');
  const child = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, ...extraArgs], {
    stdio: ['ignore', logFd, logFd],
  });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  const tail = () => fs.readFileSync(logPath, 'utf8').split('\n').slice(-60).join('\n');
  const ca = opts.tls ? path.join(dataDir, 'tls', 'ca.pem') : null;

  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      for (let i = 0; i < 100 && exited === null; i++) await sleep(100);
      if (exited === null) child.kill('SIGKILL');
    }
    try { fs.closeSync(logFd); } catch { /* already closed */ }
    if (process.env.RAMPART_KEEP_DATA !== '1') fs.rmSync(tmp, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  let ready = false;
  while (Date.now() < deadline) {
    if (exited !== null) {
      const t = tail();
      await stop();
      throw new Error(`server exited early (${JSON.stringify(exited)}); log:\n${t}`);
    }
    try {
      if (ca) {
        if (fs.existsSync(ca) && await httpsStatus(`https://127.0.0.1:${port}/healthz`, ca) === 200) {
          ready = true;
          break;
        }
      } else {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (r.status === 200) { ready = true; break; }
      }
    } catch { /* not up yet */ }
    await sleep(200);
  }
  if (!ready) {
    const t = tail();
    await stop();
    throw new Error(`GET /healthz did not return 200 within 30 s; log:\n${t}`);
  }
  const credPath = path.join(dataDir, 'root-credentials.json');
  for (let i = 0; i < 50 && !fs.existsSync(credPath); i++) await sleep(100);
  const creds = JSON.parse(fs.readFileSync(credPath, 'utf8'));
  const mode = fs.statSync(credPath).mode & 0o777;
  return {
    port,
    dataDir,
    logPath,
    endpoint: `127.0.0.1:${port}`,
    baseUrl: `${scheme}://127.0.0.1:${port}`,
    scheme,
    ca,
    creds,
    credentialsMode: mode,
    accessKeyId: creds.AccessKeyId,
    accessKeySecret: creds.AccessKeySecret,
    stop,
    tail,
  };
}

/** An error answer, whichever SDK threw it. */
export class ApiError extends Error {
  constructor(flavour, status, code, message, requestId, data) {
    super(`[${flavour}] HTTP ${status} ${code}: ${message} (RequestId=${requestId})`);
    Object.assign(this, { flavour, status, code, apiMessage: message, requestId, data });
  }
}

/** @alicloud/pop-core RPCClient: RPC V1 (HMAC-SHA1). POST sends every
 * parameter, Signature included, form-encoded in the body.
 * opts: {securityToken, product: 'ram'|'sts'}. */
export class PopRam {
  constructor(srv, ak, sk, method = 'POST', opts = {}) {
    this.flavour = `pop-core-${method.toLowerCase()}`;
    this.method = method;
    const cfg = {
      accessKeyId: ak ?? srv.accessKeyId,
      accessKeySecret: sk ?? srv.accessKeySecret,
      endpoint: srv.baseUrl,
      apiVersion: PRODUCTS[opts.product ?? 'ram'].version,
    };
    if (opts.securityToken) cfg.securityToken = opts.securityToken;
    this.client = new PopCore.RPCClient(cfg, true);
  }

  async call(action, params = {}) {
    const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== null));
    let json, entry;
    try {
      [json, entry] = await this.client.request(action, clean, { method: this.method, timeout: 10000 });
    } catch (e) {
      if (e.data && e.code) {
        throw new ApiError(this.flavour, e.entry?.response?.statusCode, e.code, e.data.Message,
          e.data.RequestId, e.data);
      }
      throw e;
    }
    assert.equal(entry.response.statusCode, 200, `${action}: HTTP ${entry.response.statusCode}`);
    return json;
  }
}

function lowerFirst(s) { return s.slice(0, 1).toLowerCase() + s.slice(1); }

/** @alicloud/ram20150501 (or, with opts.product 'sts', @alicloud/sts20150401)
 * typed client (Tea). Default signature as shipped (ACS3-HMAC-SHA256);
 * signatureAlgorithm 'v2' selects RPC V1. call() builds the SDK request model
 * from wire names and returns body.toMap(), so only fields the SDK model
 * knows survive. opts: {securityToken, product}. */
export class TeaRam {
  constructor(srv, ak, sk, signatureAlgorithm, opts = {}) {
    this.flavour = signatureAlgorithm ? `tea-${signatureAlgorithm}` : 'tea-default';
    const product = PRODUCTS[opts.product ?? 'ram'];
    const cfg = {
      accessKeyId: ak ?? srv.accessKeyId,
      accessKeySecret: sk ?? srv.accessKeySecret,
      endpoint: srv.endpoint,
      protocol: srv.scheme ?? 'http',
      regionId: REGION,
    };
    if (opts.securityToken) cfg.securityToken = opts.securityToken;
    if (signatureAlgorithm) cfg.signatureAlgorithm = signatureAlgorithm;
    this.models = product.models;
    this.client = new product.Client(new Config(cfg));
    this.lastResponse = null;
  }

  async call(action, params = {}) {
    const method = this.client[lowerFirst(action)];
    assert.equal(typeof method, 'function', `SDK has no method for ${action}`);
    const Req = this.models[`${action}Request`];
    let resp;
    try {
      if (Req) {
        const byWire = Object.fromEntries(Object.entries(Req.names()).map(([prop, wire]) => [wire, prop]));
        const init = {};
        for (const [k, v] of Object.entries(params)) {
          if (v === undefined || v === null) continue;
          assert.ok(byWire[k], `${action}Request has no field ${k}`);
          init[byWire[k]] = v;
        }
        resp = await method.call(this.client, new Req(init));
      } else {
        resp = await method.call(this.client);
      }
    } catch (e) {
      if (e && e.statusCode !== undefined && e.code !== undefined) {
        throw new ApiError(this.flavour, e.statusCode, e.code, e.data?.Message, e.requestId, e.data);
      }
      throw e;
    }
    this.lastResponse = resp;
    assert.equal(resp.statusCode, 200, `${action}: HTTP ${resp.statusCode}`);
    return resp.body.toMap();
  }
}

export const FLAVOURS = ['pop-core-post', 'tea-default'];

/** A client of one flavour; opts: {securityToken, product: 'ram'|'sts'}. */
export function makeClient(flavour, srv, ak, sk, opts = {}) {
  switch (flavour) {
    case 'pop-core-post': return new PopRam(srv, ak, sk, 'POST', opts);
    case 'pop-core-get': return new PopRam(srv, ak, sk, 'GET', opts);
    case 'tea-default': return new TeaRam(srv, ak, sk, undefined, opts);
    case 'tea-v2': return new TeaRam(srv, ak, sk, 'v2', opts);
    default: throw new Error(flavour);
  }
}

export function uniq(prefix = 't') {
  return `${prefix}-${crypto.randomBytes(5).toString('hex')}`;
}

/** Await fn(), require an ApiError with exactly this status and code. */
export async function expectError(fn, status, code) {
  let result;
  try {
    result = await fn();
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    assert.deepEqual([e.status, e.code], [status, code],
      `expected HTTP ${status} ${code}, got HTTP ${e.status} ${e.code}: ${e.apiMessage}`);
    assert.ok(e.requestId, `error ${e.code} has no RequestId`);
    return e;
  }
  assert.fail(`expected HTTP ${status} ${code}, but the call succeeded: ${JSON.stringify(result)}`);
}

export function assertDate(v, what = 'date') {
  assert.ok(typeof v === 'string' && DATE_RE.test(v), `${what}: ${JSON.stringify(v)} is not YYYY-MM-DDThh:mm:ssZ`);
}

// ---------------------------------------------------------------- RPC V1 by hand

export function percentEncode(s) {
  return encodeURIComponent(String(s))
    .replace(/!/g, '%21').replace(/'/g, '%27').replace(/\(/g, '%28')
    .replace(/\)/g, '%29').replace(/\*/g, '%2A');
}

export function stringToSign(method, params) {
  const pairs = Object.entries(params)
    .filter(([k]) => k !== 'Signature')
    .map(([k, v]) => [percentEncode(k), percentEncode(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const cq = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(cq)}`;
}

export function signV1(secret, sts) {
  return crypto.createHmac('sha1', `${secret}&`).update(sts, 'utf8').digest('base64');
}

function utcStamp(offsetSeconds = 0) {
  return new Date(Date.now() + offsetSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Build a signed RPC V1 request; returns {url, params, sts, send()}. */
export function signedRequest(srv, action, params = {}, opts = {}) {
  const ak = opts.ak ?? srv.accessKeyId;
  const sk = opts.sk ?? srv.accessKeySecret;
  const method = opts.method ?? 'POST';
  const p = {
    Action: action,
    Version: opts.version ?? RAM_VERSION,
    Format: opts.format ?? 'JSON',
    AccessKeyId: ak,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: opts.nonce ?? crypto.randomUUID(),
    Timestamp: opts.timestamp ?? utcStamp(opts.offsetSeconds ?? 0),
  };
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) p[k] = String(v);
  const sts = stringToSign(method, p);
  p.Signature = signV1(sk, sts);
  const query = Object.entries(p).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
  const url = `${srv.baseUrl}/?${query}`;
  return {
    url, params: p, sts, method,
    describe: () => `${method} ${url}\nstring-to-sign: ${sts}`,
    send: async () => {
      const r = await fetch(url, { method, signal: AbortSignal.timeout(10000) });
      const text = await r.text();
      let json = null;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      return { status: r.status, text, json, headers: r.headers };
    },
  };
}

export const ERROR_FIELDS = ['RequestId', 'HostId', 'Code', 'Message', 'Recommend'];

export function assertErrorBody(resp, status, code, req) {
  const where = req ? `\nrequest: ${req.describe()}` : '';
  assert.deepEqual([resp.status, resp.json?.Code], [status, code],
    `expected HTTP ${status} ${code}, got HTTP ${resp.status}: ${resp.text.slice(0, 600)}${where}`);
  const missing = ERROR_FIELDS.filter((f) => typeof resp.json[f] !== 'string' || !resp.json[f]);
  assert.deepEqual(missing, [], `error body lacks ${missing}: ${resp.text.slice(0, 600)}`);
  return resp.json;
}
