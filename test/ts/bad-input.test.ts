import t, { type Test } from 'tap';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encryptTsFile, encryptTsSegment, type TsScheme } from '../../src/api/encrypt-ts.js';
import { MediaError } from '../../src/errors.js';
import { crc32Mpeg2 } from '../../src/ts/crc32-mpeg2.js';
import { scratchDir } from '../oracles/scratch-dir.js';

const clear = readFileSync(new URL('../../samples/ts/avc-aac.ts', import.meta.url));
const keys = { keys: [{ kid: Buffer.alloc(16, 1), key: Buffer.alloc(16, 2) }], drm: [] };

const pidOf = (b: Buffer, i: number) => ((b[i * 188 + 1]! & 0x1f) << 8) | b[i * 188 + 2]!;
const pusi = (b: Buffer, i: number) => (b[i * 188 + 1]! & 0x40) !== 0;
const payloadAt = (b: Buffer, i: number) => i * 188 + 4 + ((b[i * 188 + 3]! & 0x20) ? 1 + b[i * 188 + 4]! : 0);
const packetsOf = (b: Buffer, pid: number) => [...Array(b.length / 188).keys()].filter((i) => pidOf(b, i) === pid);

async function expectMediaError(t: Test, bytes: Buffer, scheme: TsScheme, code: string, where: RegExp): Promise<void> {
  const dir = scratchDir(t);
  const input = path.join(dir, 'in.ts');
  writeFileSync(input, bytes);
  const err = await encryptTsFile(input, path.join(dir, 'out.ts'), { scheme, keys }).then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof MediaError, `${scheme}: a MediaError`);
  t.equal((err as MediaError).code, code);
  t.match((err as MediaError).message, where, `message names the place: ${(err as Error).message}`);
  t.same(readdirSync(dir), ['in.ts'], 'no output or temporary file left');
}

t.test('lost sync -> ERR_TS_SYNC naming the packet', async (t) => {
  const b = Buffer.from(clear);
  b[5 * 188] = 0x48;
  await expectMediaError(t, b, 'sample-aes', 'ERR_TS_SYNC', /packet 5 at offset 940/);
  await expectMediaError(t, b, 'aes-128', 'ERR_TS_SYNC', /packet 5 at offset 940/);
});

t.test('truncated last packet -> ERR_TS_TRUNCATED', async (t) => {
  const b = clear.subarray(0, clear.length - 100);
  const last = Math.floor(b.length / 188);
  await expectMediaError(t, b, 'sample-aes', 'ERR_TS_TRUNCATED', new RegExp(`truncated packet ${last} .*88 of 188`));
  await expectMediaError(t, b, 'aes-128', 'ERR_TS_TRUNCATED', new RegExp(`truncated packet ${last} `));
});

t.test('PES_packet_length larger than the PES data -> ERR_PES_LENGTH naming PID and packet', async (t) => {
  const b = Buffer.from(clear);
  const i = packetsOf(b, 0x101).find((k) => pusi(b, k))!;
  const p = payloadAt(b, i);
  b.writeUInt16BE(b.readUInt16BE(p + 4) + 500, p + 4);
  await expectMediaError(t, b, 'sample-aes', 'ERR_PES_LENGTH', new RegExp(`PID 0x101 PES at packet ${i}: PES_packet_length \\d+ is larger`));
});

t.test('no PMT -> ERR_TS_NO_PMT', async (t) => {
  const b = Buffer.from(clear);
  for (const i of packetsOf(b, 0x1000)) { b[i * 188 + 1] = 0x1f; b[i * 188 + 2] = 0xff; } // now null packets
  await expectMediaError(t, b, 'sample-aes', 'ERR_TS_NO_PMT', /no PMT on PID 0x1000/);
});

t.test('a stream type SAMPLE-AES cannot protect -> ERR_UNSUPPORTED_STREAM naming the PID', async (t) => {
  const b = Buffer.from(clear);
  for (const i of packetsOf(b, 0x1000)) {
    const s = payloadAt(b, i) + 1;
    const end = s + 3 + (((b[s + 1]! & 0x0f) << 8) | b[s + 2]!);
    const es = s + 12 + (((b[s + 10]! & 0x0f) << 8) | b[s + 11]!);
    b[es] = 0x24; // HEVC
    b.writeUInt32BE(crc32Mpeg2(b, s, end - 4), end - 4);
  }
  await expectMediaError(t, b, 'sample-aes', 'ERR_UNSUPPORTED_STREAM', /PID 0x100: stream_type 0x24 \(HEVC\)/);
});

t.test('a segment starting in the middle of a PES -> ERR_TS_PES_CONTINUATION', async (t) => {
  const b = Buffer.from(clear);
  const first = packetsOf(b, 0x100).find((k) => pusi(b, k))!;
  b[first * 188 + 1] &= ~0x40;
  await expectMediaError(t, b, 'sample-aes', 'ERR_TS_PES_CONTINUATION', new RegExp(`PID 0x100 packet ${first}`));
});

t.test('already SAMPLE-AES input -> ERR_TS_ALREADY_ENCRYPTED', async (t) => {
  const once = encryptTsSegment(clear, { scheme: 'sample-aes', key: keys.keys[0]!, iv: Buffer.alloc(16) });
  await expectMediaError(t, once, 'sample-aes', 'ERR_TS_ALREADY_ENCRYPTED', /PID 0x100: stream_type 0xdb is already SAMPLE-AES/);
});
