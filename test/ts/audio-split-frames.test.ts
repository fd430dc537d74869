import t from 'tap';
import { crc32Mpeg2 } from '../../src/ts/crc32-mpeg2.js';
import { decryptAudioElementaryStream, encryptSampleAesSegment } from '../../src/ts/index.js';

const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const iv = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');

function adts(length: number, seed: number): Buffer {
  const f = Buffer.alloc(length);
  for (let i = 7; i < length; i++) f[i] = (i * 31 + seed * 7) & 0xff;
  f[0] = 0xff; f[1] = 0xf1; f[2] = 0x50; f[3] = 0x80 | ((length >> 11) & 3); f[4] = (length >> 3) & 0xff; f[5] = ((length & 7) << 5) | 0x1f; f[6] = 0xfc;
  return f;
}

function section(bytes: number[]): Buffer {
  const s = Buffer.from(bytes);
  const out = Buffer.alloc(s.length + 4);
  s.copy(out);
  out.writeUInt32BE(crc32Mpeg2(s), s.length);
  return out;
}

/** A TS with one AAC stream on PID 0x101 whose PES packets carry the given payloads. */
function aacTs(pesPayloads: Buffer[]): Buffer {
  const packets: Buffer[] = [];
  const psi = (pid: number, sec: Buffer) => {
    const p = Buffer.alloc(188, 0xff);
    p.set([0x47, 0x40 | (pid >> 8), pid & 0xff, 0x10, 0x00]);
    sec.copy(p, 5);
    packets.push(p);
  };
  psi(0, section([0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00]));
  psi(0x1000, section([0x02, 0xb0, 0x12, 0x00, 0x01, 0xc1, 0x00, 0x00, 0xe1, 0x01, 0xf0, 0x00, 0x0f, 0xe1, 0x01, 0xf0, 0x00]));
  let cc = 0;
  for (const [k, es] of pesPayloads.entries()) {
    const pts = 90000 + k * 1920;
    const header = Buffer.from([0, 0, 1, 0xc0, 0, 0, 0x80, 0x80, 5,
      0x21 | ((pts >> 29) & 0x0e), (pts >> 22) & 0xff, ((pts >> 14) & 0xfe) | 1, (pts >> 7) & 0xff, ((pts << 1) & 0xfe) | 1]);
    header.writeUInt16BE(8 + es.length, 4);
    const pes = Buffer.concat([header, es]);
    for (let o = 0; o < pes.length; o += 184) {
      const chunk = pes.subarray(o, o + 184);
      const p = Buffer.alloc(188, 0xff);
      p.set([0x47, (o === 0 ? 0x40 : 0) | 0x01, 0x01, 0x10 | (cc++ & 15)]);
      if (chunk.length < 184) {
        const stuffing = 184 - chunk.length;
        p[3] |= 0x20;
        p[4] = stuffing - 1;
        if (stuffing > 1) p[5] = 0;
      }
      chunk.copy(p, 188 - chunk.length);
      packets.push(p);
    }
  }
  return Buffer.concat(packets);
}

function pesPayloadsOf(ts: Buffer, pid: number): Buffer[] {
  const out: Buffer[][] = [];
  for (let o = 0; o < ts.length; o += 188) {
    if ((((ts[o + 1]! & 0x1f) << 8) | ts[o + 2]!) !== pid) continue;
    const start = o + 4 + ((ts[o + 3]! & 0x20) ? 1 + ts[o + 4]! : 0);
    if (ts[o + 1]! & 0x40) out.push([]);
    out[out.length - 1]!.push(ts.subarray(start, o + 188));
  }
  return out.map((parts) => { const pes = Buffer.concat(parts); return pes.subarray(9 + pes[8]!); });
}

t.test('ADTS frames split across PES packets are found and encrypted in the joined stream', async (t) => {
  const es = Buffer.concat([adts(300, 1), adts(257, 2), adts(401, 3), adts(333, 4)]);
  const cuts = [0, 200, 470, 900, es.length]; // every PES boundary falls inside a frame
  const clearTs = aacTs(cuts.slice(1).map((c, i) => es.subarray(cuts[i]!, c)));
  const enc = encryptSampleAesSegment(clearTs, key, iv);
  t.equal(enc.length, clearTs.length, 'audio never changes size');
  const parts = pesPayloadsOf(enc, 0x101);
  t.same(parts.map((p) => p.length), [200, 270, 430, es.length - 900], 'PES boundaries kept');
  const joined = Buffer.concat(parts);
  t.not(joined.equals(es), true, 'encrypted');
  t.same(decryptAudioElementaryStream('aac', joined, key, iv), es, 'frame by frame, the joined stream decrypts to the clear one');
});

t.test('a segment ending inside an ADTS frame is refused, naming the PES', async (t) => {
  const es = Buffer.concat([adts(300, 1), adts(257, 2)]);
  const ts = aacTs([es.subarray(0, 200), es.subarray(200, 500)]);
  t.throws(() => encryptSampleAesSegment(ts, key, iv), { code: 'ERR_ADTS_TRUNCATED', message: /PID 0x101 PES at packet 4/ });
});
