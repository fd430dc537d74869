/**
 * Per-segment API latency, in process: an init segment and ~2 MB media segments cut from a
 * fragmented MP4 at its top-level boxes, then `encryptSegment` called by 1, 2 and 4 concurrent
 * callers (closed loop). Reports p50/p99 of each call's latency and the throughput.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { percentile } from './measure.js';

export interface LatencyRow {
  /** Worker threads of the encryptor (0 = in the calling thread). */
  pool: number;
  concurrency: number;
  calls: number;
  segmentBytes: number;
  p50Ms: number;
  p99Ms: number;
  mbPerS: number;
}

/** The shape of the per-segment API this bench drives (src/api/segment-encryptor.ts), loaded from dist/. */
interface SegmentEncryptor {
  encryptInit(): Buffer;
  encryptSegment(segment: Buffer, sequenceNumber: number): Promise<Buffer>;
  close(): Promise<void>;
}
type CreateSegmentEncryptor = (options: {
  init: Buffer; scheme: 'cenc'; keys: { keys: { kid: Buffer; key: Buffer }[]; drm: [] }; poolSize: number;
}) => SegmentEncryptor;

export interface SplitFmp4 { init: Buffer; segments: Buffer[] }

/** Cuts a one-file fMP4 into its init (everything before the first moof/styp) and moof+mdat segments. */
export function splitFragmentedMp4(file: Buffer): SplitFmp4 {
  const starts: number[] = [];
  let off = 0;
  let prev = { type: '', off: 0 };
  let lastMdatEnd = file.length; // trailing boxes (mfra) are not part of the last segment
  while (off + 8 <= file.length) {
    let size = file.readUInt32BE(off);
    const type = file.toString('latin1', off + 4, off + 8);
    if (size === 1) size = Number(file.readBigUInt64BE(off + 8));
    else if (size === 0) size = file.length - off;
    if (size < 8 || off + size > file.length) throw new Error(`bench input: bad box '${type}' size ${size} at offset ${off}`);
    // A segment starts at its moof, or at the styp right before it.
    if (type === 'moof') starts.push(prev.type === 'styp' ? prev.off : off);
    prev = { type, off };
    off += size;
    if (type === 'mdat') lastMdatEnd = off;
  }
  if (starts.length === 0) throw new Error('bench input: no moof, not a fragmented MP4');
  const segments = starts.map((s, i) => file.subarray(s, i + 1 < starts.length ? starts[i + 1] : lastMdatEnd));
  return { init: file.subarray(0, starts[0]), segments };
}

export async function loadSegmentApi(repo: string): Promise<CreateSegmentEncryptor | string> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(join(repo, 'dist', 'index.js')).href) as Record<string, unknown>;
  } catch (err) {
    return `dist/index.js not loadable (${(err as Error).message}); run npm run build`;
  }
  const f = mod.createSegmentEncryptor;
  return typeof f === 'function' ? f as CreateSegmentEncryptor : '`createSegmentEncryptor` not exported yet';
}

export async function measureSegmentLatency(
  create: CreateSegmentEncryptor, sourcePath: string, keys: { kid: Buffer; key: Buffer },
  opts: { levels: { pool: number; concurrency: number }[]; callsPerLevel: number; warmup: number },
): Promise<{ rows: LatencyRow[]; sample: { init: Buffer; clearSegment: Buffer; encInit: Buffer; encSegment: Buffer } }> {
  const { init, segments } = splitFragmentedMp4(readFileSync(sourcePath));
  // The segment nearest 2 MB: the one the target is stated for.
  const segment = segments.reduce((best, s) => Math.abs(s.length - 2e6) < Math.abs(best.length - 2e6) ? s : best);
  const pools = [...new Set(opts.levels.map((l) => l.pool))];
  const rows: LatencyRow[] = [];
  // Every call gets its own copy: the API may transfer (detach) what it is given.
  const copy = () => Buffer.from(segment);
  let sample: { init: Buffer; clearSegment: Buffer; encInit: Buffer; encSegment: Buffer } | undefined;
  for (const pool of pools) {
    const enc = create({ init: Buffer.from(init), scheme: 'cenc', keys: { keys: [{ kid: keys.kid, key: keys.key }], drm: [] }, poolSize: pool });
    try {
      if (!sample) {
        sample = { init, clearSegment: segment, encInit: Buffer.from(enc.encryptInit()), encSegment: Buffer.from(await enc.encryptSegment(copy(), 1)) };
      }
      for (let i = 0; i < opts.warmup; i++) await enc.encryptSegment(copy(), i + 2);
      for (const level of opts.levels.filter((l) => l.pool === pool)) {
        const lat: number[] = [];
        let next = 0;
        const t0 = process.hrtime.bigint();
        const caller = async () => {
          while (next < opts.callsPerLevel) {
            const seq = next++;
            const buf = copy();
            const s = process.hrtime.bigint();
            await enc.encryptSegment(buf, seq + 1);
            lat.push(Number(process.hrtime.bigint() - s) / 1e6);
          }
        };
        await Promise.all(Array.from({ length: level.concurrency }, caller));
        const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
        rows.push({ pool, concurrency: level.concurrency, calls: lat.length, segmentBytes: segment.length,
          p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), mbPerS: (segment.length * lat.length) / 1e6 / wallS });
      }
    } finally {
      await enc.close();
    }
  }
  return { rows, sample: sample! };
}
