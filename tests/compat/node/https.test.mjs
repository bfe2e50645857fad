// The main scenarios over HTTPS, against `rampart serve --tls-auto`. The
// Node clients trust the server's local CA only through NODE_EXTRA_CA_CERTS,
// which Node reads at start: so the scenarios (https-client.mjs) run in a
// child process started with it, once the server has made its CA.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
let srv;

before(async () => { srv = await startServer([], { tls: true }); });
after(async () => { await srv?.stop(); });

test('without the CA the server is not trusted', async () => {
  await assert.rejects(fetch(`${srv.baseUrl}/healthz`), (e) => {
    assert.match(String(e.cause?.code ?? e.cause ?? e), /CERT|certificate|SELF_SIGNED|UNABLE/i);
    return true;
  });
  // Plain HTTP on the HTTPS port gets no answer.
  await assert.rejects(fetch(`http://127.0.0.1:${srv.port}/healthz`, { signal: AbortSignal.timeout(5000) }));
});

test('the Node SDKs over HTTPS, trusting ca.pem through NODE_EXTRA_CA_CERTS', () => {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', path.join(HERE, 'https-client.mjs')], {
    cwd: HERE,
    env: {
      ...env,
      NODE_EXTRA_CA_CERTS: srv.ca,
      RAMPART_HTTPS_PORT: String(srv.port),
      RAMPART_HTTPS_DATA_DIR: srv.dataDir,
    },
    encoding: 'utf8',
    timeout: 240_000,
  });
  assert.equal(r.status, 0, `https-client.mjs failed (${r.status} ${r.signal ?? ''}):\n${r.stdout}\n${r.stderr}\nserver log:\n${srv.tail()}`);
  assert.match(r.stdout, /# pass [1-9]/);
  assert.match(r.stdout, /# fail 0/);
});
