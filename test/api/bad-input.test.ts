import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptFile, MediaError, SegcryptError, StaticKeys, type KeySet } from '../../src/index.js';
import { topLevelBoxes } from '../../src/isobmff/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sample = (name: string) => readFileSync(join(root, 'samples/media', name));
const KID = '00112233445566778899aabbccddeeff';
const KEY = 'ffeeddccbbaa99887766554433221100';
const keys = () => StaticKeys.fromSpecs([`${KID}:${KEY}`]);

const dir = mkdtempSync(join(tmpdir(), 'segcrypt-bad-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/segcrypt.js'), ...args], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

/** Write `bytes` as the input of one case; the case runs in its own directory. */
function caseDir(name: string, bytes: Buffer): { input: string; output: string; dir: string } {
  const d = join(dir, name);
  rmSync(d, { recursive: true, force: true });
  spawnSync('mkdir', ['-p', d]);
  const input = join(d, 'in.mp4');
  writeFileSync(input, bytes);
  return { input, output: join(d, 'out.mp4'), dir: d };
}

interface BadCase { name: string; bytes: () => Buffer; code: string; message?: RegExp; exit: number; keySet?: KeySet; pool?: number }

function withMvhdTooBig(): Buffer {
  const b = Buffer.from(sample('avc.mp4'));
  const at = b.indexOf('mvhd') - 4;
  b.writeUInt32BE(0x7fff0000, at);
  return b;
}
function withTrafTooBig(): Buffer {
  const b = Buffer.from(sample('avc.mp4'));
  const at = b.indexOf('traf') - 4;
  b.writeUInt32BE(b.readUInt32BE(at) + 5000, at);
  return b;
}
function withLoopingLargesize(): Buffer {
  const b = sample('avc.mp4');
  const moov = topLevelBoxes(b).find((x) => x.type === 'moov')!;
  const loop = Buffer.alloc(16);
  loop.writeUInt32BE(1, 0); loop.write('free', 4, 'latin1'); loop.writeBigUInt64BE(0n, 8);
  return Buffer.concat([b.subarray(0, moov.end), loop, b.subarray(moov.end)]);
}
function withZeroSizedMoof(): Buffer {
  const b = Buffer.from(sample('avc.mp4'));
  const moof = topLevelBoxes(b).find((x) => x.type === 'moof')!;
  b.writeUInt32BE(0, moof.start);
  return b;
}
function withUnknownCodec(): Buffer {
  const b = Buffer.from(sample('avc.mp4'));
  b.write('xvid', b.indexOf('avc1', b.indexOf('stsd')), 'latin1');
  return b;
}
async function alreadyEncrypted(): Promise<Buffer> {
  const { input, output } = caseDir('pre', sample('aac.mp4'));
  await encryptFile(input, output, { scheme: 'cenc', keys: keys() });
  return readFileSync(output);
}

const cases: BadCase[] = [
  { name: 'truncated file', bytes: () => sample('avc.mp4').subarray(0, 150_000), code: 'ERR_BOX_TRUNCATED', message: /mdat at byte \d+ .*truncated/, exit: 65 },
  { name: 'box size past the end of its parent', bytes: withMvhdTooBig, code: 'ERR_BOX_SIZE', message: /moov\/mvhd at byte 36 /, exit: 65 },
  { name: 'box size past the end, inside a fragment (through the pool)', bytes: withTrafTooBig, code: 'ERR_BOX_SIZE', message: /moof\/traf at byte 785 /, exit: 65, pool: 1 },
  { name: 'size 1 with a zero largesize (a naive walker loops)', bytes: withLoopingLargesize, code: 'ERR_BOX_SIZE', message: /free at byte \d+ declares size 0/, exit: 65 },
  { name: 'size 0 moof (runs to the end of the file)', bytes: withZeroSizedMoof, code: 'ERR_SAMPLE_RANGE', message: /trun at byte/, exit: 65 },
  { name: 'non-fragmented MP4', bytes: () => sample('progressive.mp4'), code: 'ERR_NOT_FRAGMENTED', message: /ffmpeg -i in\.mp4 -c copy -movflags \+frag_keyframe/, exit: 65 },
  { name: 'unknown codec', bytes: withUnknownCodec, code: 'ERR_UNSUPPORTED_CODEC', message: /"xvid"/, exit: 65 },
  { name: 'not an MP4 at all', bytes: () => Buffer.from('hello world, this is text and not media'), code: 'ERR_UNSUPPORTED_CONTAINER', message: /neither an MP4 file nor an MPEG-TS stream/, exit: 65 },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const { input, output, dir: d } = caseDir(c.name.replace(/\W+/g, '-'), c.bytes());
    const err = await encryptFile(input, output, { scheme: 'cenc', keys: c.keySet ?? keys(), poolSize: c.pool ?? 0 }).then(() => undefined, (e: unknown) => e);
    t.ok(err instanceof MediaError, `a MediaError (${(err as Error)?.message})`);
    t.equal((err as SegcryptError).code, c.code);
    if (c.message) t.match((err as Error).message, c.message);
    t.same(readdirSync(d), ['in.mp4'], 'no output and no temp file left');
    const r = cli(['encrypt', input, '-o', output, '--scheme', 'cenc', '--key', `${KID}:${KEY}`, ...(c.pool ? ['--pool', String(c.pool)] : [])]);
    t.equal(r.status, c.exit, `CLI exits ${c.exit}`);
    t.match(r.stderr, new RegExp(`^segcrypt: ${c.code}: `), 'one-line error with the code');
    t.equal(r.stderr.trim().split('\n').length, 1, 'exactly one line');
    t.same(readdirSync(d), ['in.mp4'], 'CLI leaves no output and no temp file');
  });
}

t.test('already encrypted input', async (t) => {
  const { input, output, dir: d } = caseDir('enc', await alreadyEncrypted());
  await t.rejects(encryptFile(input, output, { scheme: 'cbcs', keys: keys() }), { code: 'ERR_ALREADY_ENCRYPTED', message: /enca/ });
  const r = cli(['encrypt', input, '-o', output, '--scheme', 'cbcs', '--key', `${KID}:${KEY}`]);
  t.equal(r.status, 65);
  t.match(r.stderr, /^segcrypt: ERR_ALREADY_ENCRYPTED: /);
  t.same(readdirSync(d), ['in.mp4']);
});

t.test('wrong key length: a usage error, exit 64, nothing written, key never echoed', async (t) => {
  const { input, output, dir: d } = caseDir('key', sample('aac.mp4'));
  const short: KeySet = { keys: [{ kid: Buffer.from(KID, 'hex'), key: Buffer.from(KEY.slice(0, 30), 'hex') }], drm: [] };
  await t.rejects(encryptFile(input, output, { scheme: 'cenc', keys: short }), { code: 'ERR_KEY_LENGTH', category: 'usage' });
  const r = cli(['encrypt', input, '-o', output, '--scheme', 'cenc', '--key', `${KID}:${KEY.slice(0, 30)}`]);
  t.equal(r.status, 64);
  t.match(r.stderr, /^segcrypt: ERR_KEY_FORMAT: /);
  t.notMatch(r.stderr, KEY.slice(0, 30));
  t.same(readdirSync(d), ['in.mp4']);
});

t.test('an existing output is left untouched when encryption fails', async (t) => {
  const { input, output } = caseDir('keep', sample('progressive.mp4'));
  writeFileSync(output, 'previous');
  await t.rejects(encryptFile(input, output, { scheme: 'cenc', keys: keys() }), { code: 'ERR_NOT_FRAGMENTED' });
  t.equal(readFileSync(output, 'utf8'), 'previous');
});

t.test('a fragment too large to hold in memory is refused before it is read (sparse file)', async (t) => {
  const { truncateSync } = await import('node:fs');
  const file = sample('avc.mp4');
  const boxes = topLevelBoxes(file);
  const moof = boxes.find((b) => b.type === 'moof')!;
  const mdatHeader = Buffer.alloc(8);
  const mdatSize = Math.floor(1.1 * 2 ** 30);
  mdatHeader.writeUInt32BE(mdatSize, 0);
  mdatHeader.write('mdat', 4, 'latin1');
  const { input, output, dir: d } = caseDir('huge', Buffer.concat([file.subarray(0, moof.end), mdatHeader]));
  truncateSync(input, moof.end + mdatSize); // sparse: no disk space used
  await t.rejects(encryptFile(input, output, { scheme: 'cenc', keys: keys() }), { code: 'ERR_FRAGMENT_TOO_LARGE', message: new RegExp(`fragment at byte ${moof.start} `) });
  t.same(readdirSync(d), ['in.mp4']);
});
