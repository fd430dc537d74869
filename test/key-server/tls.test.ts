/**
 * Issue 19, finding 7: the reference server speaks HTTPS with --tls-cert/--tls-key (a self-signed
 * certificate made here by openssl), and the client verifies it (trusting it only when told to).
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKeyServerArgs } from '../../src/cli/commands/key-server.js';
import { startKeyServer } from '../../src/key-server/http-server.js';
import { deriveContentKey } from '../../src/key-server/key-derivation.js';
import { keyProviderFromOptions } from '../../src/keys/provider-from-options.js';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';

const SECRET = Buffer.from('c1e3a5f7d9b0c2e4a6f8d0b1c3e5a7f9d2b4c6e8a0f1d3b5c7e9a2f4d6b8c0e1', 'hex');
const dir = mkdtempSync(join(tmpdir(), 'segcrypt-tls-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const certFile = join(dir, 'cert.pem');
const keyFile = join(dir, 'key.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile,
  '-days', '2', '-subj', '/CN=segcrypt test key server', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore', timeout: 30_000 });
const cert = readFileSync(certFile);
const key = readFileSync(keyFile);

t.test('the server answers SPEKE over HTTPS; the client verifies the certificate', async (t) => {
  const server = await startKeyServer({ secret: SECRET, tls: { cert, key }, auth: { bearer: 'tok' } });
  t.teardown(() => server.close());
  t.match(server.url, /^https:\/\/127\.0\.0\.1:\d+\//);
  const client = new SpekeClient({ url: server.url, version: 1, auth: { type: 'bearer', token: 'tok' }, transport: { ca: cert, retries: 0 } });
  const set = await client.getKeys({ contentId: 'tls-1', trackTypes: ['video'], scheme: 'cenc' });
  t.same(set.keys[0]!.key, deriveContentKey(SECRET, 'tls-1', set.keys[0]!.kid), 'keys over TLS');
  // The peer certificate really is the one openssl made (not a plain-http fallback).
  const peer = await new Promise<string>((resolve, reject) => {
    const req = https.request(server.url, { method: 'POST', ca: cert, agent: false, headers: { authorization: 'Bearer tok' } }, (res) => {
      resolve(String((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN));
      res.resume();
    });
    req.on('error', reject);
    req.end('<x/>');
  });
  t.equal(peer, 'segcrypt test key server');
  await t.rejects(new SpekeClient({ url: server.url, version: 1, auth: { type: 'bearer', token: 'tok' }, transport: { retries: 0 } })
    .getKeys({ contentId: 'tls-2', trackTypes: ['video'], scheme: 'cenc' }), { code: 'ERR_SPEKE_NETWORK', message: /SELF_SIGNED|self.signed/i }, 'an untrusted certificate is refused');
  const viaOptions = keyProviderFromOptions({ spekeUrl: server.url, contentId: 'tls-3', spekeVersion: 1, auth: 'bearer:tok', spekeCa: certFile });
  t.equal((await viaOptions.getKeys({ contentId: 'tls-3', trackTypes: ['video'], scheme: 'cenc' })).keys.length, 1, '--speke-ca FILE');
});

t.test('--tls-cert/--tls-key: both or neither; unreadable or bad PEM is a usage error', async (t) => {
  const o = parseKeyServerArgs(['--tls-cert', certFile, '--tls-key', keyFile], {});
  t.same(o.tls, { cert, key });
  t.throws(() => parseKeyServerArgs(['--tls-cert', certFile], {}), { code: 'ERR_CLI_ARGS', message: /both --tls-cert FILE and --tls-key FILE/ });
  t.throws(() => parseKeyServerArgs(['--tls-cert', join(dir, 'nope'), '--tls-key', keyFile], {}), { code: 'ERR_CLI_ARGS', message: /ENOENT/ });
  await t.rejects(startKeyServer({ secret: SECRET, tls: { cert: 'not a pem', key: 'nor this' } }), { code: 'ERR_KEY_SERVER_TLS' });
});
