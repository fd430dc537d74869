/**
 * mp4box.js (the `mp4box` npm package) as an independent structure oracle: parse a whole MP4
 * and report what Common Encryption boxes it found — protected sample entries (encv/enca +
 * sinf/frma/schm/schi/tenc), pssh, and per-fragment senc/saiz/saio.
 *
 * mp4box.js keeps `senc` as raw payload; the small walk over it below uses only the sizes from
 * `tenc` and the flags word, as ISO/IEC 23001-7 §7.2 lays them out.
 */
import { readFile } from 'node:fs/promises';
import { createFile, MP4BoxBuffer } from 'mp4box';

/** The subset of mp4box.js's box objects this oracle reads. */
interface RawBox {
  type: string;
  size: number;
  start: number;
  hdr_size: number;
  version?: number;
  flags?: number;
  boxes?: RawBox[];
  data?: Uint8Array;
  [field: string]: unknown;
}

export interface ProtectedSampleEntry {
  trackId: number;
  handler: string;
  /** `encv` / `enca`. */
  entryType: string;
  /** frma: the codec before protection (`avc1`, `hvc1`, `mp4a`, `ac-3`, `ec-3`...). */
  originalFormat: string | undefined;
  schemeType: string | undefined;
  schemeVersion: number | undefined;
  tencVersion: number | undefined;
  isProtected: number | undefined;
  perSampleIvSize: number | undefined;
  defaultKid: string | undefined;
  constantIvSize: number;
  constantIv: string | undefined;
  cryptByteBlock: number;
  skipByteBlock: number;
  /** Child box types of sinf, in order. */
  sinfChildren: string[];
}

export interface SencSample {
  iv: string;
  /** [clear bytes, protected bytes] pairs; empty when the senc has no subsample flag. */
  subsamples: Array<[number, number]>;
}

export interface TrafEncryption {
  moofIndex: number;
  moofStart: number;
  trackId: number;
  trunSampleCount: number;
  boxOrder: string[];
  senc: { version: number; flags: number; sampleCount: number; samples: SencSample[]; start: number } | undefined;
  saiz: { defaultSize: number; sampleCount: number; sizes: number[] } | undefined;
  saio: { version: number; offsets: number[] } | undefined;
  /** saio's first offset (from the moof start) lands on the first IV inside senc. */
  saioPointsIntoSenc: boolean | undefined;
  /** Each trun's data_offset (from the moof start: default-base-is-moof) lands inside the mdat after the moof. */
  trunDataInMdat: boolean;
}

export interface SegmentIndex {
  start: number;
  end: number;
  firstOffset: number;
  references: Array<{ type: number; size: number; duration: number }>;
}

export interface ProtectionReport {
  topLevel: string[];
  /** Top-level boxes with file offsets. */
  boxes: Array<{ type: string; start: number; size: number }>;
  sidx: SegmentIndex[];
  entries: ProtectedSampleEntry[];
  /** Sample entry types of tracks that are not protected. */
  clearEntries: Array<{ trackId: number; entryType: string }>;
  pssh: Array<{ systemId: string; version: number; kids: string[] }>;
  fragments: TrafEncryption[];
  parseErrors: string[];
}

const child = (b: RawBox | undefined, type: string): RawBox | undefined => b?.boxes?.find((c) => c.type === type);
const uuid = (hex: string): string => hex.replace(/-/g, '').toLowerCase();
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function parseSenc(box: RawBox, ivSize: number): NonNullable<TrafEncryption['senc']> {
  const d = Buffer.from(box.data ?? new Uint8Array());
  const flags = num(box.flags);
  const count = d.length >= 4 ? d.readUInt32BE(0) : 0;
  const samples: SencSample[] = [];
  let o = 4;
  for (let i = 0; i < count && o <= d.length; i++) {
    const iv = d.subarray(o, o + ivSize).toString('hex');
    o += ivSize;
    const subsamples: Array<[number, number]> = [];
    if (flags & 0x2) {
      const n = d.readUInt16BE(o); o += 2;
      for (let j = 0; j < n; j++) { subsamples.push([d.readUInt16BE(o), d.readUInt32BE(o + 2)]); o += 6; }
    }
    samples.push({ iv, subsamples });
  }
  return { version: num(box.version), flags, sampleCount: count, samples, start: box.start };
}

function sampleEntryReport(trak: RawBox): ProtectedSampleEntry | { trackId: number; entryType: string } {
  const trackId = num(child(trak, 'tkhd')?.track_id);
  const mdia = child(trak, 'mdia');
  const handler = String(child(mdia, 'hdlr')?.handler ?? '');
  const stsd = child(child(child(mdia, 'minf'), 'stbl'), 'stsd');
  const entry = (stsd?.entries as RawBox[] | undefined)?.[0] ?? stsd?.boxes?.[0];
  const entryType = entry?.type ?? '';
  const sinf = child(entry, 'sinf');
  if (!sinf) return { trackId, entryType };
  const schm = child(sinf, 'schm');
  const tenc = child(child(sinf, 'schi'), 'tenc');
  const civ = tenc?.default_constant_IV as Uint8Array | undefined;
  return {
    trackId, handler, entryType,
    originalFormat: child(sinf, 'frma')?.data_format as string | undefined,
    schemeType: schm?.scheme_type as string | undefined,
    schemeVersion: schm?.scheme_version as number | undefined,
    tencVersion: tenc?.version,
    isProtected: tenc?.default_isProtected as number | undefined,
    perSampleIvSize: tenc?.default_Per_Sample_IV_Size as number | undefined,
    defaultKid: tenc?.default_KID !== undefined ? uuid(String(tenc.default_KID)) : undefined,
    constantIvSize: num(tenc?.default_constant_IV_size),
    constantIv: civ && civ.length ? Buffer.from(civ).toString('hex') : undefined,
    cryptByteBlock: num(tenc?.default_crypt_byte_block),
    skipByteBlock: num(tenc?.default_skip_byte_block),
    sinfChildren: (sinf.boxes ?? []).map((b) => b.type),
  };
}

/** Parse `bytes` (a whole MP4 file, or init + fragments) with mp4box.js. */
export function protectionReportFromBuffer(bytes: Buffer): ProtectionReport {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const file = createFile(true);
  const parseErrors: string[] = [];
  file.onError = (module: string, message: string) => { parseErrors.push(`${module}: ${message}`); };
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(ab, 0));
  file.flush();
  const top = file.boxes as unknown as RawBox[];
  const moov = top.find((b) => b.type === 'moov');
  const traks = (moov?.boxes ?? []).filter((b) => b.type === 'trak');

  const entries: ProtectedSampleEntry[] = [];
  const clearEntries: ProtectionReport['clearEntries'] = [];
  const ivSizeByTrack = new Map<number, number>();
  for (const trak of traks) {
    const r = sampleEntryReport(trak);
    if ('schemeType' in r) { entries.push(r); ivSizeByTrack.set(r.trackId, r.perSampleIvSize ?? 0); } else clearEntries.push(r);
  }

  const pssh = (moov?.boxes ?? []).filter((b) => b.type === 'pssh').map((p) => ({
    systemId: uuid(String(p.system_id)), version: num(p.version),
    kids: ((p.kid as string[] | undefined) ?? []).map(uuid),
  }));

  const fragments: TrafEncryption[] = [];
  top.filter((b) => b.type === 'moof').forEach((moof, moofIndex) => {
    const mdat = top[top.indexOf(moof) + 1];
    const inMdat = (offset: number): boolean => mdat?.type === 'mdat'
      && moof.start + offset >= mdat.start + mdat.hdr_size && moof.start + offset <= mdat.start + mdat.size;
    for (const traf of (moof.boxes ?? []).filter((b) => b.type === 'traf')) {
      const trackId = num(child(traf, 'tfhd')?.track_id);
      const sencBox = child(traf, 'senc');
      const saizBox = child(traf, 'saiz');
      const saioBox = child(traf, 'saio');
      const senc = sencBox ? parseSenc(sencBox, ivSizeByTrack.get(trackId) ?? 0) : undefined;
      const saio = saioBox ? { version: num(saioBox.version), offsets: (saioBox.offset as number[] | undefined) ?? [] } : undefined;
      // mp4box.js's hdr_size for a full box includes version+flags; then sample_count (4 bytes).
      const firstIv = sencBox ? sencBox.start + sencBox.hdr_size + 4 : undefined;
      fragments.push({
        moofIndex, moofStart: moof.start, trackId,
        trunSampleCount: (traf.boxes ?? []).filter((b) => b.type === 'trun').reduce((n, t) => n + num(t.sample_count), 0),
        boxOrder: (traf.boxes ?? []).map((b) => b.type),
        senc,
        saiz: saizBox ? { defaultSize: num(saizBox.default_sample_info_size), sampleCount: num(saizBox.sample_count), sizes: (saizBox.sample_info_size as number[] | undefined) ?? [] } : undefined,
        saio,
        saioPointsIntoSenc: saio && firstIv !== undefined ? moof.start + (saio.offsets[0] ?? -1) === firstIv : undefined,
        trunDataInMdat: (traf.boxes ?? []).filter((b) => b.type === 'trun').every((tr) => inMdat(num(tr.data_offset))),
      });
    }
  });
  const sidx = top.filter((b) => b.type === 'sidx').map((b) => ({
    start: b.start, end: b.start + b.size, firstOffset: num(b.first_offset),
    references: ((b.references as Array<Record<string, number>> | undefined) ?? [])
      .map((r) => ({ type: num(r.reference_type), size: num(r.referenced_size), duration: num(r.subsegment_duration) })),
  }));
  return { topLevel: top.map((b) => b.type), boxes: top.map((b) => ({ type: b.type, start: b.start, size: b.size })), sidx, entries, clearEntries, pssh, fragments, parseErrors };
}

export async function protectionReport(file: string): Promise<ProtectionReport> {
  return protectionReportFromBuffer(await readFile(file));
}
