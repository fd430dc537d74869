/**
 * A small Common Encryption decryptor for key rotation, written from ISO/IEC 23001-7 for the
 * tests: it reads each traf's `seig` sample group (sbgp + sgpd, 23001-7 6; 14496-12 8.9) to
 * find every sample's KID (falling back to tenc's default_KID), takes IVs and subsamples from
 * `senc` (7.2), and decrypts with node:crypto: cenc = AES-CTR over the protected bytes of a
 * sample as one stream (9.5), cbcs = AES-CBC with the pattern, the constant IV at each
 * subsample (10.4). It shares no code with src/: box walking is its own.
 *
 * Input: a whole fragmented MP4 (init + moof/mdat...). Output: the same bytes with every sample
 * decrypted in place (boxes untouched), which ffmpeg decodes as it would the clear stream, and
 * the KID each fragment of each track used.
 */
import { createDecipheriv } from 'node:crypto';

interface B { type: string; start: number; body: number; end: number }

function boxes(buf: Buffer, from: number, to: number): B[] {
  const out: B[] = [];
  for (let o = from; o + 8 <= to;) {
    let size = buf.readUInt32BE(o);
    const type = buf.toString('latin1', o + 4, o + 8);
    let body = o + 8;
    if (size === 1) { size = Number(buf.readBigUInt64BE(o + 8)); body += 8; }
    if (size === 0) size = to - o;
    if (size < 8 || o + size > to) throw new Error(`seig-decrypt: bad box ${type} at ${o}`);
    out.push({ type, start: o, body, end: o + size });
    o += size;
  }
  return out;
}
const kids = (buf: Buffer, b: B, types: string[]): B[] => {
  let cur = [b];
  for (const t of types) cur = cur.flatMap((x) => boxes(buf, x.body, x.end).filter((c) => c.type === t));
  return cur;
};

interface Tenc { kid: Buffer; ivSize: number; constantIv?: Buffer; crypt: number; skip: number; scheme: string }
interface SampleKey { kid: Buffer; ivSize: number; constantIv?: Buffer; crypt: number; skip: number }

function parseTencs(buf: Buffer, moov: B): Map<number, Tenc> {
  const out = new Map<number, Tenc>();
  for (const trak of kids(buf, moov, ['trak'])) {
    const tkhd = kids(buf, trak, ['tkhd'])[0]!;
    const trackId = buf.readUInt32BE(tkhd.body + (buf[tkhd.body] === 1 ? 20 : 12));
    const stsd = kids(buf, trak, ['mdia', 'minf', 'stbl', 'stsd'])[0]!;
    const entry = boxes(buf, stsd.body + 8, stsd.end)[0]!;
    const headerLen = entry.type === 'encv' ? 78 : 28; // VisualSampleEntry / AudioSampleEntry fields
    const sinf = boxes(buf, entry.body + headerLen, entry.end).find((c) => c.type === 'sinf');
    if (!sinf) continue;
    const schm = kids(buf, sinf, ['schm'])[0]!;
    const tenc = kids(buf, sinf, ['schi', 'tenc'])[0]!;
    const v = buf[tenc.body]!;
    const o = tenc.body + 4;
    const pattern = v >= 1 ? buf[o + 1]! : 0;
    const ivSize = buf[o + 3]!;
    const t: Tenc = { scheme: buf.toString('latin1', schm.body + 4, schm.body + 8), crypt: pattern >> 4, skip: pattern & 15, ivSize, kid: buf.subarray(o + 4, o + 20) };
    if (ivSize === 0) t.constantIv = buf.subarray(o + 21, o + 21 + buf[o + 20]!);
    out.set(trackId, t);
  }
  return out;
}

/** The seig entries of a traf (fragment-local sgpd) and the group index of each sample (sbgp). */
function seigOf(buf: Buffer, traf: B, count: number): (SampleKey | undefined)[] {
  const children = boxes(buf, traf.body, traf.end);
  const sgpd = children.find((c) => c.type === 'sgpd' && buf.toString('latin1', c.body + 4, c.body + 8) === 'seig');
  const sbgp = children.find((c) => c.type === 'sbgp' && buf.toString('latin1', c.body + 4, c.body + 8) === 'seig');
  const perSample: (SampleKey | undefined)[] = new Array(count).fill(undefined);
  if (!sgpd || !sbgp) return perSample;
  const v = buf[sgpd.body]!;
  let o = sgpd.body + 8;
  const defaultLength = v === 1 ? buf.readUInt32BE(o) : 0;
  if (v === 1) o += 4;
  const n = buf.readUInt32BE(o); o += 4;
  const entries: SampleKey[] = [];
  for (let i = 0; i < n; i++) {
    let len = defaultLength;
    if (v === 1 && len === 0) { len = buf.readUInt32BE(o); o += 4; }
    const e: SampleKey = { crypt: buf[o + 1]! >> 4, skip: buf[o + 1]! & 15, ivSize: buf[o + 3]!, kid: buf.subarray(o + 4, o + 20) };
    if (buf[o + 2] === 1 && e.ivSize === 0) e.constantIv = buf.subarray(o + 21, o + 21 + buf[o + 20]!);
    entries.push(e);
    o += len;
  }
  const sv = buf[sbgp.body]!;
  let p = sbgp.body + 8 + (sv === 1 ? 4 : 0);
  const m = buf.readUInt32BE(p); p += 4;
  let s = 0;
  for (let i = 0; i < m; i++) {
    const sampleCount = buf.readUInt32BE(p); const index = buf.readUInt32BE(p + 4); p += 8;
    // 14496-12 8.9.4: indexes above 0x10000 name this fragment's own sgpd entries; 0 = no group.
    const e = index > 0x10000 ? entries[index - 0x10001] : undefined;
    if (index !== 0 && index <= 0x10000) throw new Error('seig-decrypt: sbgp refers to an sgpd in moov, not handled');
    for (let j = 0; j < sampleCount && s < count; j++) perSample[s++] = e;
  }
  return perSample;
}

export interface SeigDecryptResult {
  clear: Buffer;
  /** Per track: the KID (hex) of each fragment, in order (first sample's). */
  fragmentKids: Map<number, string[]>;
}

/** Decrypt every protected sample; `keys` maps KID (hex) to key. A missing key throws. */
export function seigDecrypt(input: Buffer, keys: Map<string, Buffer>): SeigDecryptResult {
  const buf = Buffer.from(input);
  const top = boxes(buf, 0, buf.length);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) throw new Error('seig-decrypt: no moov');
  const tencs = parseTencs(buf, moov);
  const fragmentKids = new Map<number, string[]>();
  for (const moof of top.filter((b) => b.type === 'moof')) {
    for (const traf of kids(buf, moof, ['traf'])) {
      const ch = boxes(buf, traf.body, traf.end);
      const tfhd = ch.find((c) => c.type === 'tfhd')!;
      const flags = buf.readUInt32BE(tfhd.body) & 0xffffff;
      const trackId = buf.readUInt32BE(tfhd.body + 4);
      const tenc = tencs.get(trackId);
      if (!tenc) continue;
      let f = tfhd.body + 8;
      let base = moof.start;
      if (flags & 1) { base = Number(buf.readBigUInt64BE(f)); f += 8; }
      if (flags & 2) f += 4;
      if (flags & 8) f += 4;
      const defSize = flags & 0x10 ? buf.readUInt32BE(f) : 0;
      const starts: number[] = [];
      const sizes: number[] = [];
      let cursor = base;
      for (const trun of ch.filter((c) => c.type === 'trun')) {
        const tf = buf.readUInt32BE(trun.body) & 0xffffff;
        const n = buf.readUInt32BE(trun.body + 4);
        let o = trun.body + 8;
        if (tf & 1) { cursor = base + buf.readInt32BE(o); o += 4; }
        if (tf & 4) o += 4;
        for (let i = 0; i < n; i++) {
          if (tf & 0x100) o += 4;
          let size = defSize;
          if (tf & 0x200) { size = buf.readUInt32BE(o); o += 4; }
          if (tf & 0x400) o += 4;
          if (tf & 0x800) o += 4;
          starts.push(cursor); sizes.push(size); cursor += size;
        }
      }
      const groups = seigOf(buf, traf, starts.length);
      const senc = ch.find((c) => c.type === 'senc');
      if (!senc) throw new Error(`seig-decrypt: traf of track ${trackId} at ${traf.start} has no senc`);
      const useSubs = (buf.readUInt32BE(senc.body) & 2) !== 0;
      let o = senc.body + 8;
      const list = fragmentKids.get(trackId) ?? [];
      fragmentKids.set(trackId, list);
      for (let i = 0; i < starts.length; i++) {
        const k: SampleKey = groups[i] ?? tenc;
        if (i === 0) list.push(k.kid.toString('hex'));
        const iv = Buffer.alloc(16);
        if (k.ivSize > 0) { buf.copy(iv, 0, o, o + k.ivSize); o += k.ivSize; } else k.constantIv!.copy(iv);
        const ranges: [number, number][] = [];
        let at = starts[i]!;
        if (useSubs) {
          const n = buf.readUInt16BE(o); o += 2;
          for (let j = 0; j < n; j++) {
            const clear = buf.readUInt16BE(o); const prot = buf.readUInt32BE(o + 2); o += 6;
            at += clear; ranges.push([at, at + prot]); at += prot;
          }
        } else ranges.push([at, at + sizes[i]!]);
        const key = keys.get(k.kid.toString('hex'));
        if (!key) throw new Error(`seig-decrypt: no key for KID ${k.kid.toString('hex')}`);
        if (tenc.scheme === 'cenc') {
          // One CTR keystream over the sample's protected bytes, in order (23001-7 9.5.2).
          const d = createDecipheriv('aes-128-ctr', key, iv);
          for (const [a, b] of ranges) d.update(buf.subarray(a, b)).copy(buf, a);
        } else if (tenc.scheme === 'cbcs') {
          for (const [a, b] of ranges) cbcsRange(buf, a, b, key, iv, k.crypt, k.skip);
        } else throw new Error(`seig-decrypt: scheme ${tenc.scheme} not handled`);
      }
    }
  }
  return { clear: buf, fragmentKids };
}

/** cbcs (23001-7 10.4): crypt-of-(crypt+skip) 16-byte blocks CBC-chained from the constant IV; a trailing partial block stays clear. */
function cbcsRange(buf: Buffer, a: number, b: number, key: Buffer, iv: Buffer, crypt: number, skip: number): void {
  const blocks = Math.floor((b - a) / 16);
  const c = crypt === 0 && skip === 0 ? blocks : crypt;
  const step = crypt === 0 && skip === 0 ? blocks : crypt + skip;
  const d = createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  for (let blk = 0; blk < blocks; blk += step) {
    const n = Math.min(c, blocks - blk);
    const at = a + blk * 16;
    d.update(buf.subarray(at, at + n * 16)).copy(buf, at);
  }
}
