/**
 * Issue 19, findings 3 and 5: the secret every key derives from is at least 32 random bytes, read
 * from a file or the environment (never the command line, where ps shows it); the demo draws one
 * per run; the content id is bound into the derivation unambiguously.
 */
import t from 'tap';
import { createHash, hkdfSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseKeyServerArgs } from '../../src/cli/commands/key-server.js';
import { startDemoKeyServer } from '../../src/demo/demo-key-server.js';
import { startKeyServer } from '../../src/key-server/http-server.js';
import { deriveContentKey } from '../../src/key-server/key-derivation.js';

const HEX = '5f0c2a9e7d4b1f3a8c6e0d2b4f6a8c1e3d5b7f9a0c2e4d6b8f1a3c5e7d9b0f2a';
const dir = mkdtempSync(join(tmpdir(), 'segcrypt-secret-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('finding 3: a short or patterned secret is refused at start', async (t) => {
  await t.rejects(startKeyServer({ secret: 's' }), { code: 'ERR_KEY_SERVER_SECRET', message: /at least 32 random bytes/ });
  await t.rejects(startKeyServer({ secret: 'dev-secret' }), { code: 'ERR_KEY_SERVER_SECRET' });
  await t.rejects(startKeyServer({ secret: HEX.slice(0, 62) }), { code: 'ERR_KEY_SERVER_SECRET', message: /31 bytes/ });
  await t.rejects(startKeyServer({ secret: 'aa'.repeat(32) }), { code: 'ERR_KEY_SERVER_SECRET', message: /not random/ });
  await t.rejects(startKeyServer({ secret: Buffer.alloc(31, 7) }), { code: 'ERR_KEY_SERVER_SECRET' });
  const ok = await startKeyServer({ secret: HEX });
  await ok.close();
  const b64 = await startKeyServer({ secret: Buffer.from(HEX, 'hex').toString('base64') });
  await b64.close();
  t.pass('32 bytes as hex or base64 start');
});

t.test('finding 3: --secret on the command line is refused; --secret-file and SEGCRYPT_KEY_SERVER_SECRET are read', async (t) => {
  t.throws(() => parseKeyServerArgs(['--secret', HEX], {}), { code: 'ERR_CLI_SECRET', message: /ps/ });
  try { parseKeyServerArgs(['--secret', HEX], {}); } catch (e) { t.notMatch((e as Error).message, HEX, 'the value is not echoed'); }
  const hexFile = join(dir, 'hex');
  writeFileSync(hexFile, `${HEX}\n`);
  t.same(parseKeyServerArgs(['--secret-file', hexFile], {}).secret, Buffer.from(HEX, 'hex'));
  const rawFile = join(dir, 'raw');
  const raw = createHash('sha256').update('raw secret bytes').digest();
  writeFileSync(rawFile, raw);
  t.same(parseKeyServerArgs(['--secret-file', rawFile], {}).secret, raw, 'raw bytes (openssl rand 32 > FILE)');
  const shortFile = join(dir, 'short');
  writeFileSync(shortFile, 'dev-secret\n');
  t.throws(() => parseKeyServerArgs(['--secret-file', shortFile], {}), { code: 'ERR_KEY_SERVER_SECRET' });
  t.throws(() => parseKeyServerArgs(['--secret-file', join(dir, 'missing')], {}), { code: 'ERR_KEY_SERVER_SECRET', message: /ENOENT/ });
  const b64 = Buffer.from(HEX, 'hex').toString('base64');
  t.same(parseKeyServerArgs([], { SEGCRYPT_KEY_SERVER_SECRET: b64 }).secret, Buffer.from(HEX, 'hex'), 'base64 from the environment');
  t.throws(() => parseKeyServerArgs([], { SEGCRYPT_KEY_SERVER_SECRET: 'short' }), { code: 'ERR_KEY_SERVER_SECRET' });
  t.same(parseKeyServerArgs([], { SEGCRYPT_SECRET_FILE: hexFile }).secret, Buffer.from(HEX, 'hex'), 'the file name from the environment too');
});

t.test('finding 3: the built CLI refuses --secret with exit code 64 and does not listen', async (t) => {
  const r = spawnSync(process.execPath, ['bin/segcrypt.js', 'key-server', '--port', '0', '--secret', HEX], { encoding: 'utf8', timeout: 30_000 });
  t.equal(r.status, 64, r.stderr);
  t.match(r.stderr, /ERR_CLI_SECRET/);
  t.notMatch(r.stderr + r.stdout, HEX);
});

t.test('finding 3: the demo\'s key server has a fresh random secret each run', async (t) => {
  const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const keys: Buffer[] = [];
  for (let i = 0; i < 2; i++) {
    const { server } = await startDemoKeyServer();
    try { keys.push(Buffer.from(await (await fetch(server.hlsKeyUri('segcrypt-demo', kid))).arrayBuffer())); } finally { await server.close(); }
  }
  t.equal(keys[0]!.length, 16);
  t.notOk(keys[0]!.equals(keys[1]!), 'two runs, two different keys for the same content id and KID');
});

t.test('finding 5: content ids that differ only by a trailing NUL derive different keys; the derivation is the documented HKDF', async (t) => {
  const secret = Buffer.from(HEX, 'hex');
  const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  // Before: the id was the HKDF salt, zero-padded into an HMAC key, so these two were one key.
  t.notSame(deriveContentKey(secret, 'abc', kid), deriveContentKey(secret, 'abc\u0000', kid));
  t.notSame(deriveContentKey(secret, '', kid), deriveContentKey(secret, '\u0000', kid));
  // RFC 5869 written out from node:crypto's HMAC: extract with an empty salt (HashLen zeros), expand one block.
  const { createHmac } = await import('node:crypto');
  const id = Buffer.from('movie-1', 'utf8');
  const info = Buffer.concat([Buffer.from('segcrypt content key v2\u0000'), Buffer.from([0, 0, 0, id.length]), id, kid]);
  const prk = createHmac('sha256', Buffer.alloc(32)).update(secret).digest();
  const okm = createHmac('sha256', prk).update(info).update(Buffer.from([1])).digest().subarray(0, 16);
  t.same(deriveContentKey(secret, 'movie-1', kid), okm, 'HKDF-SHA256(secret, salt empty, info = label || u32be(len) || id || KID)');
  t.same(Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, 16)), okm, 'and node:crypto hkdf agrees with the hand-written RFC 5869');
});
