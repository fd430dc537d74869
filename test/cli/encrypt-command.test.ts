import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEncryptArgs } from '../../src/cli/commands/encrypt.js';
import { EXIT, exitCodeFor } from '../../src/cli/exit-codes.js';
import { IoError, KeyError, MediaError, UsageError } from '../../src/errors.js';
import { frameContents, framemd5, framemd5Lenient } from '../oracles/ffmpeg.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const KID = '00112233445566778899aabbccddeeff';
const KEY = 'ffeeddccbbaa99887766554433221100';
const dir = mkdtempSync(join(tmpdir(), 'segcrypt-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync(process.execPath, [join(root, 'bin/segcrypt.js'), ...args], { encoding: 'utf8' });

t.test('exit codes follow the error category', async (t) => {
  t.equal(exitCodeFor(new UsageError('X', 'x')), 64);
  t.equal(exitCodeFor(new MediaError('X', 'x')), 65);
  t.equal(exitCodeFor(new KeyError('X', 'x')), 69);
  t.equal(exitCodeFor(new IoError('X', 'x')), 74);
  t.equal(exitCodeFor(new Error('bug')), 70);
  t.equal(EXIT.ok, 0);
});

t.test('argument parsing', async (t) => {
  const a = parseEncryptArgs(['in.mp4', '-o', 'out.mp4', '--scheme', 'cbcs', '--key', `video=${KID}:${KEY}`, '--key', `audio=${KID}:${KEY}`, '--iv', '000102030405060708090a0b0c0d0e0f', '--pool', '2', '--json']);
  t.not(a, 'help');
  if (a === 'help') return;
  t.same([a.input, a.output, a.scheme, a.keySource.keys!.length, a.iv?.length, a.pool, a.json], ['in.mp4', 'out.mp4', 'cbcs', 2, 16, 2, true]);
  t.throws(() => parseEncryptArgs(['in.mp4', '--scheme', 'cenc', '--key', `${KID}:${KEY}`]), { code: 'ERR_CLI_ARGS', message: /-o/ });
  t.throws(() => parseEncryptArgs(['in.mp4', '-o', 'x', '--scheme', 'rot13', '--key', `${KID}:${KEY}`]), { code: 'ERR_CLI_ARGS', message: /--scheme/ });
  t.throws(() => parseEncryptArgs(['in.mp4', '-o', 'x', '--scheme', 'cenc']), { code: 'ERR_CLI_ARGS', message: /--key/ });
  t.throws(() => parseEncryptArgs(['in.mp4', '-o', 'x', '--scheme', 'cenc', '--key', `${KID}:${KEY}`, '--iv', 'abc']), { code: 'ERR_IV_FORMAT' });
  t.throws(() => parseEncryptArgs(['in.mp4', '-o', 'x', '--scheme', 'cenc', '--key', `${KID}:${KEY}`, '--pool', '-1']), { code: 'ERR_CLI_ARGS' });
  t.throws(() => parseEncryptArgs(['in.mp4', '-o', 'x', '--bogus']), { code: 'ERR_CLI_ARGS' });
  t.equal(parseEncryptArgs(['--help']), 'help');
});

t.test('segcrypt encrypt --json succeeds and writes the output', async (t) => {
  const out = join(dir, 'out.mp4');
  const r = run(['encrypt', join(root, 'samples/media/muxed.mp4'), '-o', out, '--scheme', 'cenc', '--key', `${KID}:${KEY}`, '--json']);
  t.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  t.equal(j.container, 'fmp4');
  t.same(j.kids, [KID]);
  t.same(j.tracks.map((x: { type: string }) => x.type), ['video', 'audio']);
  t.equal(typeof j.pssh[0], 'string');
  t.equal(j.bytesOut, readFileSync(out).length);
  t.notMatch(r.stdout + r.stderr, KEY, 'the key never appears in the output');
});

t.test('usage errors exit 64 with one line; unknown command; missing input exits 74', async (t) => {
  const u = run(['encrypt', 'a.mp4', '--scheme', 'cenc']);
  t.equal(u.status, 64);
  t.match(u.stderr, /^segcrypt: ERR_CLI_ARGS: /);
  const c = run(['frobnicate']);
  t.equal(c.status, 64);
  t.match(c.stderr, /unknown command "frobnicate"/);
  const out = join(dir, 'never.mp4');
  const m = run(['encrypt', join(dir, 'missing.mp4'), '-o', out, '--scheme', 'cenc', '--key', `${KID}:${KEY}`]);
  t.equal(m.status, 74);
  t.match(m.stderr, /^segcrypt: ERR_INPUT: cannot open the input .*ENOENT/);
  t.notOk(existsSync(out));
  const nodir = run(['encrypt', join(root, 'samples/media/aac.mp4'), '-o', join(dir, 'no/such/dir/out.mp4'), '--scheme', 'cenc', '--key', `${KID}:${KEY}`]);
  t.equal(nodir.status, 74, 'an output directory that does not exist is an I/O error');
  t.match(nodir.stderr, /^segcrypt: ERR_OUTPUT: /);
  const h = run(['encrypt', '--help']);
  t.equal(h.status, 0);
  t.match(h.stdout, /--scheme cenc\|cbcs\|cens\|cbc1/);
});

t.test('encrypt x.ts --sequence N: the IV is N (openssl decrypts with it), printed in the EXT-X-KEY line with --key-uri', async (t) => {
  const input = join(root, 'samples/ts/avc-aac.ts');
  const out = join(dir, 'seq7.ts');
  const r = run(['encrypt', input, '-o', out, '--scheme', 'aes-128', '--key', `${KID}:${KEY}`, '--sequence', '7', '--key-uri', 'https://keys.example/k7']);
  t.equal(r.status, 0, r.stderr);
  const iv7 = `${'0'.repeat(31)}7`;
  t.match(r.stdout, new RegExp(`^#EXT-X-KEY:METHOD=AES-128,URI="https://keys\\.example/k7",IV=0x${iv7}$`, 'mi'));
  const openssl = (iv: string, to: string) => spawnSync('openssl', ['enc', '-d', '-aes-128-cbc', '-K', KEY, '-iv', iv, '-in', out, '-out', to]);
  t.equal(openssl(iv7, join(dir, 'seq7.dec')).status, 0);
  t.ok(readFileSync(join(dir, 'seq7.dec')).equals(readFileSync(input)), 'IV of sequence 7 as a 128-bit big-endian integer: the clear bytes');
  openssl('0'.repeat(32), join(dir, 'seq0.dec'));
  t.notOk(existsSync(join(dir, 'seq0.dec')) && readFileSync(join(dir, 'seq0.dec')).equals(readFileSync(input)), 'the IV of sequence 0 does not');

  const dflt = run(['encrypt', input, '-o', join(dir, 'seq0.ts'), '--scheme', 'aes-128', '--key', `${KID}:${KEY}`]);
  t.match(dflt.stdout, /^#EXT-X-KEY:METHOD=AES-128,URI="key\.bin",IV=0x0{32}$/m, 'default: sequence 0, the key.bin placeholder');
  const skd = run(['encrypt', input, '-o', join(dir, 'skd.ts'), '--scheme', 'sample-aes', '--key', `${KID}:${KEY}`, '--key-uri', 'skd://a1', '--sequence', '2']);
  t.match(skd.stdout, /^#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd:\/\/a1",IV=0x0{31}2,KEYFORMAT="com\.apple\.streamingkeydelivery",KEYFORMATVERSIONS="1"$/m);

  const a = parseEncryptArgs(['x.ts', '-o', 'y.ts', '--scheme', 'aes-128', '--key', `${KID}:${KEY}`, '--sequence', '42', '--key-uri', 'k.key']);
  t.same(a !== 'help' && [a.sequence, a.keyUri], [42, 'k.key']);
  for (const bad of ['-1', '1.5', 'x', '99999999999999999999']) {
    t.throws(() => parseEncryptArgs(['x.ts', '-o', 'y.ts', '--scheme', 'aes-128', '--key', `${KID}:${KEY}`, '--sequence', bad]), { code: 'ERR_CLI_ARGS', message: /--sequence/ }, `--sequence ${bad}`);
  }
});

t.test('encrypt --key video=... --key audio=... --iv: each track decrypts with its own key (ffmpeg), the IV fixes the bytes', async (t) => {
  const muxed = join(root, 'samples/media/muxed.mp4');
  const V = { kid: '0a0a0a0a0b0b0b0b0c0c0c0c0d0d0d0d', key: '5f1e2d3c4b5a69788796a5b4c3d2e1f0' };
  const A = { kid: 'a0a0a0a0b0b0b0b0c0c0c0c0d0d0d0d0', key: '0f1e2d3c4b5a69788796a5b4c3d2e1f5' };
  const enc = (out: string, iv: string) => run(['encrypt', muxed, '-o', out, '--scheme', 'cenc', '--key', `video=${V.kid}:${V.key}`, '--key', `audio=${A.kid}:${A.key}`, '--iv', iv, '--json']);
  const out = join(dir, 'two-keys.mp4');
  const r = enc(out, '0001020304050607');
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout).tracks.map((x: { type: string; kid: string }) => [x.type, x.kid]), [['video', V.kid], ['audio', A.kid]], 'a KID per track type');
  for (const [stream, k, other] of [['video', V.key, A.key], ['audio', A.key, V.key]] as const) {
    const clear = frameContents(await framemd5(muxed, { stream }));
    t.same(frameContents(await framemd5(out, { stream, decryptionKey: Buffer.from(k, 'hex') })), clear, `${stream}: its own key gives the clear frames`);
    const wrong = await framemd5Lenient(out, { stream, decryptionKey: Buffer.from(other, 'hex') });
    t.not(frameContents(wrong.frames).join(), clear.join(), `${stream}: the other track's key does not`);
  }
  t.equal(enc(join(dir, 'two-keys-again.mp4'), '0001020304050607').status, 0);
  t.ok(readFileSync(join(dir, 'two-keys-again.mp4')).equals(readFileSync(out)), 'the same --iv gives the same bytes');
  t.equal(enc(join(dir, 'two-keys-other-iv.mp4'), '0001020304050608').status, 0);
  t.notOk(readFileSync(join(dir, 'two-keys-other-iv.mp4')).equals(readFileSync(out)), 'another --iv gives other bytes');
});
