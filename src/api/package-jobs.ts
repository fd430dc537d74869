/**
 * The unit of work of a package: one file to encrypt or copy, as plain JSON data (a `SegmentJob`),
 * and the one function that runs it (`PackageJobRunner.run`) given the resolved keys. The local
 * run and the queue's workers both call it, so their output is byte-identical: every choice that
 * could differ between runs (base IVs, stream indexes, TS IVs) is fixed in the job when the
 * package is planned, never by the runner.
 */
import path from 'node:path';
import { MediaError, SegcryptError, UsageError } from '../errors.js';
import type { KeyPeriod, KeyRequest, KeySet, TrackType } from '../keys/content-key.js';
import { mergeKeySets } from '../keys/key-period.js';
import type { CencScheme } from '../cenc/index.js';
import { parseInit } from '../isobmff/index.js';
import type { FragmentPool } from '../pool/index.js';
import { BufferRecycler } from './buffer-recycler.js';
import { ByteBudget } from './byte-budget.js';
import { encryptFileOn } from './encrypt-file.js';
import { topLevelBoxesOf } from './encrypt-package-files.js';
import type { PackageStorage } from './package-storage.js';
import { createSegmentEncryptorOnPool, type SegmentEncryptor } from './segment-encryptor.js';

/** How one fMP4 stream (an init and its segments, or a whole file) is encrypted. */
export interface CencStreamJob {
  scheme: CencScheme;
  /** Base per-sample IV or cbcs constant IV, hex; absent = random per track (local runs only). */
  iv?: string;
  streamIndex?: number;
  clearLead?: number;
  /** Key rotation: seconds per key period (a segment's period from its tfdt), the period whose KID goes into tenc, pssh in each moof. */
  keyPeriod?: number;
  firstPeriod?: number;
  psshInMoof?: boolean;
}

/** One file of a package; `path` is package-relative ('/' separators). */
export type SegmentJob =
  | { kind: 'copy'; path: string }
  | { kind: 'fmp4-init'; path: string; enc: CencStreamJob }
  | { kind: 'fmp4-segment'; path: string; init: string; sequenceNumber: number; enc: CencStreamJob }
  | { kind: 'ts-segment'; path: string; scheme: 'aes-128' | 'sample-aes'; kid: string; iv: string }
  | { kind: 'fmp4-file'; path: string; enc: CencStreamJob };

/**
 * How a worker gets a package's keys without them ever travelling: the request the coordinator
 * made (content id, track types, scheme) with the KIDs it got, resolved by the worker's own key
 * source (static keys and CPIX by KID; a SPEKE server returns the same key for the same content
 * id and KID). With key rotation, `periods` names the key periods the job needs, each with the
 * KIDs the coordinator got for it: the worker asks its key source for each (a SPEKE request per
 * period with those KIDs; static `@P` keys and CPIX periods hold them all).
 */
export type KeyReference = Omit<KeyRequest, 'period'> & { kids: string[]; periods?: (KeyPeriod & { kids: string[] })[] };

/** Where a job reads (`src`) and writes (`out`, the package's temp folder): absolute paths. */
export interface JobPlace { src: string; out: string }

/** What the manifests need back from a job. */
export type SegmentJobResult =
  | { kind: 'done'; path: string }
  | { kind: 'init'; path: string; kids: string[]; trackType?: TrackType }
  | {
    kind: 'file'; path: string; kids: string[]; trackType?: TrackType;
    /** SegmentBase ranges of the encrypted file. */
    ranges: { init: string; index: string };
    /** Input box start -> output box start (and input size -> output size), when the box order is kept. */
    boxStarts?: [number, number][];
  };

/** Errors about a package's media name the file: `video/seg_3.m4s: box mdat at byte 580 ...`. */
export function namingFile(file: string, e: unknown): unknown {
  if (e instanceof SegcryptError && !e.message.startsWith(`${file}: `)) e.message = `${file}: ${e.message}`;
  return e;
}

/**
 * 40 MB: one 6 s segment of 1080p at 38 Mbit/s (28 MB) with the small audio ones beside it. Two
 * such segments at once (64 MB) let a lane read while another encrypts, but measured 160 MB
 * (pool 1) and 200 MB (pool 2) peak RSS against 140 and 147 MB with one (issue 15's budget: 150).
 */
export const SEGMENT_BYTES_IN_FLIGHT = 40 << 20;

/**
 * Segments a package runs at once on a pool of `poolSize` workers: enough to keep every worker busy
 * while the next file is read and the last written (at least two, so I/O overlaps the cipher
 * in-thread too), and no more: each holds a whole segment in memory.
 */
export function packageLanes(poolSize: number): number {
  return Math.max(2, poolSize + 1);
}

interface CachedEncryptor { enc: Promise<SegmentEncryptor>; users: number; lastUse: number; keysVersion: number }

/**
 * Runs jobs with one key set. Encryptors (an init parsed and its protection prepared) are kept
 * per stream and reused by the stream's segments; `release` closes those no longer needed.
 */
export class PackageJobRunner {
  private readonly encryptors = new Map<string, CachedEncryptor>();
  private uses = 0;
  /** Bumped by addKeys: encryptors made before it get the new keys when next used. */
  private keysVersion = 0;

  constructor(
    readonly storage: PackageStorage,
    public keys: KeySet,
    /**
     * The pool for every stream and TS segment, owned and closed by the caller: a local package's,
     * booted before its jobs were planned, or a queue worker's, for its life. A pool per stream
     * made each stream wait ~0.1 s for its threads (the DASH bench package: the audio stream's
     * first segment 94 ms, 85 of them waiting for its new worker).
     */
    private readonly pool: FragmentPool,
    /** Encryptors kept idle at most (a worker serving many packages). */
    private readonly keepIdle = 8,
    /**
     * Free segment buffers kept: one per lane (packageLanes), so segments in flight reuse them. Keeping one, the others became garbage held until a GC: a package
     * of 9.5 MB segments at pool 2 peaked at 157-164 MB RSS, 131-139 MB keeping 3; the bench's 28 MB
     * segments (one in flight) 118-122 MB either way.
     */
    readonly buffers = new BufferRecycler(packageLanes(pool.size)),
    /** Segment bytes held in memory at once across all lanes (each fMP4 segment is read whole). */
    readonly budget = new ByteBudget(SEGMENT_BYTES_IN_FLIGHT),
  ) {}

  /** Key rotation: another key period's keys (a queue worker gets them as jobs ask for them). */
  addKeys(more: KeySet): void {
    this.keys = mergeKeySets(this.keys, more);
    this.keysVersion++;
  }

  async run(job: SegmentJob, place: JobPlace): Promise<SegmentJobResult> {
    try {
      return await this.runUnnamed(job, place);
    } catch (e) {
      throw namingFile(job.path, e);
    }
  }

  private async runUnnamed(job: SegmentJob, place: JobPlace): Promise<SegmentJobResult> {
    const input = path.join(place.src, job.path);
    switch (job.kind) {
      case 'copy':
        await this.storage.copy(input, place.out, job.path);
        return { kind: 'done', path: job.path };
      case 'fmp4-init': {
        const enc = await this.acquire(place.src, job.path, job.enc);
        try {
          await this.storage.write(place.out, job.path, enc.encryptInit());
          const type = enc.tracks[0]?.type;
          return { kind: 'init', path: job.path, kids: enc.kids, ...(type ? { trackType: type } : {}) };
        } finally {
          this.release(place.src, job.path, job.enc);
        }
      }
      case 'fmp4-segment': {
        const enc = await this.acquire(place.src, job.init, job.enc);
        const size = await this.storage.size(input);
        await this.budget.acquire(size);
        try {
          const buf = await this.storage.read(input, this.buffers);
          const parts = await enc.encryptSegmentParts(buf, job.sequenceNumber, { handOver: true });
          await this.storage.write(place.out, job.path, parts);
          this.buffers.giveAll(parts);
          return { kind: 'done', path: job.path };
        } finally {
          this.budget.release(size);
          this.release(place.src, job.init, job.enc);
        }
      }
      case 'ts-segment': {
        const key = this.keys.keys.find((k) => k.kid.toString('hex') === job.kid);
        if (!key) throw new UsageError('ERR_NO_KEY_FOR_TRACK', `no key ${job.kid} in the key set`, { where: job.path });
        // TS allows reading a segment in chunks: streamed file to file, a few MB per lane.
        const size = await this.storage.size(input);
        const output = await this.storage.fileTarget(place.out, job.path);
        await this.pool.runFile({ kind: 'ts-file', input, output, size, scheme: job.scheme, key: key.key, iv: Buffer.from(job.iv, 'hex') });
        return { kind: 'done', path: job.path };
      }
      case 'fmp4-file':
        return this.runFile(job, input, place);
    }
  }

  private async runFile(job: Extract<SegmentJob, { kind: 'fmp4-file' }>, input: string, place: JobPlace): Promise<SegmentJobResult> {
    // encryptFile streams file to file (its own temp + rename).
    const out = await this.storage.fileTarget(place.out, job.path);
    const result = await encryptFileOn(input, out, { scheme: job.enc.scheme, keys: this.keys, ...streamOptions(job.enc) }, this.pool);
    const [before, after] = await Promise.all([topLevelBoxesOf(input), topLevelBoxesOf(out)]);
    // The init grew (sinf, pssh): SegmentBase ranges in the MPD must follow (ISO/IEC 23009-1 5.3.9.2).
    const sidx = after.boxes.find((b) => b.type === 'sidx');
    const moov = after.boxes.find((b) => b.type === 'moov');
    if (!moov) throw new MediaError('ERR_NO_MOOV', `${job.path}: no moov in the encrypted output`, { where: job.path });
    const initEnd = sidx ? sidx.start : moov.end;
    const type = result.tracks[0]?.type;
    const r: SegmentJobResult = {
      kind: 'file', path: job.path, kids: result.kids, ...(type ? { trackType: type } : {}),
      ranges: { init: `0-${initEnd - 1}`, index: sidx ? `${sidx.start}-${sidx.end - 1}` : '' },
    };
    // HLS sub-ranges: every top-level box keeps its place in the order, so box starts map one to one.
    if (before.boxes.map((b) => b.type).join() === after.boxes.map((b) => b.type).join()) {
      r.boxStarts = [...before.boxes.map((b, i): [number, number] => [b.start, after.boxes[i]!.start]), [before.size, after.size]];
    }
    return r;
  }

  private cacheKey(src: string, init: string, enc: CencStreamJob): string {
    return JSON.stringify([src, init, enc.scheme, enc.iv ?? '', enc.streamIndex ?? -1, enc.clearLead ?? -1, enc.keyPeriod ?? -1, enc.firstPeriod ?? -1, enc.psshInMoof === true]);
  }

  /** The stream's encryptor, made from its clear init on first use. */
  private async acquire(src: string, init: string, enc: CencStreamJob): Promise<SegmentEncryptor> {
    const key = this.cacheKey(src, init, enc);
    let c = this.encryptors.get(key);
    if (!c) {
      const made = this.storage.read(path.join(src, init)).then((buf) => {
        try {
          parseInit(buf); // a clear error about the init, named below, before the encryptor's own checks
          return createSegmentEncryptorOnPool({ init: buf, scheme: enc.scheme, keys: this.keys, ...streamOptions(enc) }, this.pool);
        } catch (e) {
          throw namingFile(init, e);
        }
      });
      c = { enc: made, users: 0, lastUse: 0, keysVersion: this.keysVersion };
      this.encryptors.set(key, c);
      made.catch(() => { if (this.encryptors.get(key) === c) this.encryptors.delete(key); });
    }
    c.users++;
    c.lastUse = ++this.uses;
    try {
      const enc = await c.enc;
      if (c.keysVersion !== this.keysVersion) { enc.addKeys(this.keys); c.keysVersion = this.keysVersion; }
      return enc;
    } catch (e) {
      c.users--;
      throw e;
    }
  }

  private release(src: string, init: string, enc: CencStreamJob): void {
    const c = this.encryptors.get(this.cacheKey(src, init, enc));
    if (c) c.users--;
    const idle = [...this.encryptors].filter(([, x]) => x.users === 0).sort((a, b) => a[1].lastUse - b[1].lastUse);
    for (const [k, x] of idle.slice(0, Math.max(0, idle.length - this.keepIdle))) {
      this.encryptors.delete(k);
      void x.enc.then((e) => e.close(), () => undefined);
    }
  }

  /** Close the encryptors of one stream (its segments are done). */
  async closeStream(src: string, init: string, enc: CencStreamJob): Promise<void> {
    const key = this.cacheKey(src, init, enc);
    const c = this.encryptors.get(key);
    if (!c) return;
    this.encryptors.delete(key);
    await c.enc.then((e) => e.close(), () => undefined);
  }

  async close(): Promise<void> {
    const all = [...this.encryptors.values()];
    this.encryptors.clear();
    await Promise.all(all.map((c) => c.enc.then((e) => e.close(), () => undefined)));
  }
}

function streamOptions(enc: CencStreamJob): { iv?: Buffer; streamIndex?: number; clearLead?: number; keyPeriod?: number; firstPeriod?: number; psshInMoof?: boolean } {
  return {
    ...(enc.iv !== undefined ? { iv: Buffer.from(enc.iv, 'hex') } : {}),
    ...(enc.streamIndex !== undefined ? { streamIndex: enc.streamIndex } : {}),
    ...(enc.clearLead !== undefined ? { clearLead: enc.clearLead } : {}),
    ...(enc.keyPeriod !== undefined ? { keyPeriod: enc.keyPeriod, firstPeriod: enc.firstPeriod ?? 0, psshInMoof: enc.psshInMoof === true } : {}),
  };
}
