import t from 'tap';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encryptFile, encryptTsSegment, type TsEncryptResult } from '../../src/index.js';
import { kidToUuid } from '../../src/keys/drm/guid.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { readTs } from '../oracles/mux-js.js';
import { runTool } from '../oracles/run-tool.js';

const input = new URL('../../samples/ts/avc-aac.ts', import.meta.url).pathname;
const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const keys = { keys: [{ kid, key }], drm: [] };

t.test('encryptFile detects MPEG-TS and hands it to the TS engine', async (t) => {
  const dir = scratchDir(t);
  const r = await encryptFile(input, path.join(dir, 'out.ts'), { scheme: 'sample-aes', keys }) as TsEncryptResult;
  t.equal(r.container, 'ts');
  t.same(r.kids, [kid.toString('hex')]);
  t.same(r.tracks.map((x) => [x.trackId, x.type, x.codec]), [[0x100, 'video', 'h264'], [0x101, 'audio', 'aac']]);
  t.equal(r.extXKey, `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://${kidToUuid(kid)}",IV=0x${'0'.repeat(32)},KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"`,
    'default URI skd://<KID as UUID> (as the key server signals it), IV from sequence number 0');
  const again = await encryptFile(input, path.join(dir, 'out2.ts'), { scheme: 'sample-aes', keys, sequenceNumber: 9 }) as TsEncryptResult;
  t.equal(again.iv, `0x${'0'.repeat(31)}9`, 'no IV given: the media sequence number (RFC 8216), for SAMPLE-AES too');
  t.equal(r.bytesOut, readFileSync(path.join(dir, 'out.ts')).length);
  await t.rejects(encryptFile(input, path.join(dir, 'cenc.ts'), { scheme: 'cenc', keys }), { code: 'ERR_SCHEME' }, 'cenc does not apply to TS');
  await t.rejects(encryptFile(input, path.join(dir, 'lead.ts'), { scheme: 'aes-128', keys, clearLead: 2 }), { code: 'ERR_CLEAR_LEAD' }, 'no clear lead inside one TS segment');
  t.same(readdirSync(dir).sort(), ['out.ts', 'out2.ts']);
});

t.test('key server signaling: FairPlay URIExtXKey and KEYFORMAT are used as returned', async (t) => {
  const dir = scratchDir(t);
  const drm = [{ systemId: '94ce86fb-07ff-4f43-adb8-93d2fa968ca2', kid, uriExtXKey: 'skd://fps.example/abc', keyFormat: 'com.apple.streamingkeydelivery', keyFormatVersions: '1' }];
  const r = await encryptFile(input, path.join(dir, 'out.ts'), { scheme: 'sample-aes', keys: { keys: [{ kid, key }], drm }, iv: Buffer.alloc(16, 0xab) }) as TsEncryptResult;
  t.equal(r.extXKey, `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://fps.example/abc",KEYID=0x${kid.toString('hex').toUpperCase()},IV=0x${'AB'.repeat(16)},KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"`);
  const aes = await encryptFile(input, path.join(dir, 'aes.ts'), { scheme: 'aes-128', keys: { keys: [{ kid, key }], drm }, sequenceNumber: 2 }) as TsEncryptResult;
  t.equal(aes.extXKey, `#EXT-X-KEY:METHOD=AES-128,URI="key.bin",IV=0x${'0'.repeat(31)}2`, 'AES-128 with no key URI from anyone: the key.bin placeholder');
  t.equal(r.drm.length, 1);
});

t.test('encryptTsSegment: AES-128 with the sequence-number IV round-trips through openssl; SAMPLE-AES keeps a TS mux.js reads', async (t) => {
  const dir = scratchDir(t);
  const clear = readFileSync(input);
  const enc = encryptTsSegment(clear, { scheme: 'aes-128', key: { kid, key }, sequenceNumber: 1234 });
  writeFileSync(path.join(dir, 'enc.ts'), enc);
  // RFC 8216 5.2: no IV attribute -> the media sequence number as a 128-bit big-endian integer.
  const iv = `${'0'.repeat(28)}${(1234).toString(16).padStart(4, '0')}`;
  await runTool('openssl', ['enc', '-d', '-aes-128-cbc', '-K', key.toString('hex'), '-iv', iv, '-in', path.join(dir, 'enc.ts'), '-out', path.join(dir, 'dec.ts')]);
  const dec = readFileSync(path.join(dir, 'dec.ts'));
  t.ok(dec.equals(clear), 'openssl enc -d gives back the clear bytes');
  const clearTs = readTs(clear);
  t.same(readTs(dec).units, clearTs.units, 'mux.js reads the same PES units (PID, PTS/DTS, bytes) from the decryption');
  await runTool('openssl', ['enc', '-d', '-aes-128-cbc', '-K', key.toString('hex'), '-iv', '0'.repeat(32), '-in', path.join(dir, 'enc.ts'), '-out', path.join(dir, 'iv0.ts')], { lenient: true });
  t.notOk(existsSync(path.join(dir, 'iv0.ts')) && readFileSync(path.join(dir, 'iv0.ts')).equals(clear), 'the IV of sequence 0 does not decrypt it');

  const sa = encryptTsSegment(clear, { scheme: 'sample-aes', key: { kid, key }, iv: Buffer.alloc(16, 1) });
  const saTs = readTs(sa);
  t.same([...saTs.streamTypes], [[0x100, 0xdb], [0x101, 0xcf]], 'mux.js reads the PMT: SAMPLE-AES H.264 (0xdb) and AAC (0xcf) on the same PIDs');
  t.same([...clearTs.streamTypes], [[0x100, 0x1b], [0x101, 0x0f]], 'the clear input had H.264 (0x1b) and AAC (0x0f)');
  t.not(sa.equals(clear), true);
  t.throws(() => encryptTsSegment(clear, { scheme: 'aes-128', key: { kid, key: Buffer.alloc(8) } }), { code: 'ERR_KEY_LENGTH' });
  t.throws(() => encryptTsSegment(clear, { scheme: 'cbcs' as never, key: { kid, key } }), { code: 'ERR_SCHEME' });
});
