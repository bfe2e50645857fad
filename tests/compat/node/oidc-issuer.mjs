// A local OIDC issuer for the federation tests: HTTPS on 127.0.0.1 (a free
// port) with a self-signed certificate made by the openssl CLI (SAN
// IP:127.0.0.1), serving per tenant (`/<name>`) the discovery document and a
// JWKS (node:crypto keys), counting requests; and a JWS compact signer.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** A self-signed certificate and its key (PEM), made with openssl. opts.rsa:
 * an RSA 2048 key (for SAML metadata), else EC P-256. */
export function selfSignedCert(cn = '127.0.0.1', opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rampart-node-cert-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const keyArgs = opts.rsa ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
    const san = opts.san ?? 'IP:127.0.0.1';
    execFileSync('openssl', ['req', '-x509', ...keyArgs, '-nodes', '-keyout', key, '-out', cert, '-days', '2',
      '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`, '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'extendedKeyUsage=serverAuth'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export class Key {
  constructor(kid, kind = 'RSA') {
    this.kid = kid;
    this.kind = kind;
    const { privateKey, publicKey } = kind === 'RSA'
      ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.alg = kind === 'RSA' ? 'RS256' : 'ES256';
  }

  jwk() {
    const j = this.publicKey.export({ format: 'jwk' });
    return { ...j, kid: this.kid, use: 'sig' };
  }

  sign(data) {
    return this.kind === 'RSA'
      ? crypto.sign('sha256', data, this.privateKey)
      : crypto.sign('sha256', data, { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
  }
}

/** A JWS compact token; header.alg 'none' gives an empty signature. */
export function jws(header, claims, key) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = header.alg === 'none' ? Buffer.alloc(0) : key.sign(Buffer.from(input));
  return `${input}.${b64url(sig)}`;
}

export class Issuer {
  /** Start the listener; `await issuer.ready`. */
  constructor() {
    const { key, cert } = selfSignedCert();
    this.cert = cert;
    const x509 = new crypto.X509Certificate(cert);
    this.fingerprint = x509.fingerprint; // SHA-1, upper case with colons
    this.tenants = new Map();
    this.requests = [];
    this.server = https.createServer({ key, cert }, (req, res) => this.handle(req, res));
    this.ready = new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        this.port = this.server.address().port;
        this.base = `https://127.0.0.1:${this.port}`;
        resolve(this);
      });
    });
  }

  tenant(name, keys = [new Key('k1')]) {
    const t = { name, url: `${this.base}/${name}`, keys };
    t.token = (o = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const k = o.key ?? keys[0];
      const header = { alg: o.alg ?? k.alg, typ: 'JWT', kid: o.kid === undefined ? k.kid : o.kid };
      if (header.kid === null) delete header.kid;
      const claims = {
        iss: o.iss ?? t.url, sub: o.sub ?? 'alice', aud: o.aud ?? 'client-a',
        iat: o.iat ?? now, exp: o.exp ?? now + 600,
      };
      return jws(header, claims, k);
    };
    this.tenants.set(name, t);
    return t;
  }

  handle(req, res) {
    this.requests.push(req.url);
    const [name, ...rest] = req.url.split('?')[0].replace(/^\//, '').split('/');
    const t = this.tenants.get(name);
    const send = (status, body) => {
      const data = Buffer.from(JSON.stringify(body));
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
      res.end(data);
    };
    const sub = rest.join('/');
    if (!t) return send(404, {});
    if (sub === '.well-known/openid-configuration') {
      return send(200, { issuer: t.url, jwks_uri: `${t.url}/keys`, response_types_supported: ['id_token'] });
    }
    if (sub === 'keys') return send(200, { keys: t.keys.map((k) => k.jwk()) });
    return send(404, {});
  }

  count(prefix) {
    return this.requests.filter((p) => p.startsWith(prefix)).length;
  }

  close() {
    this.server.closeAllConnections?.();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
