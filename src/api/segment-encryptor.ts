import { UsageError } from '../errors.js';
import type { DrmSignal, KeySet, ProtectionScheme } from '../keys/content-key.js';
import { checkKeyPeriod, mergeKeySets, periodIdOf, periodIndexAt } from '../keys/key-period.js';
import { buildCommonPssh } from '../keys/drm/common-pssh.js';
import { parseInit, segmentDecodeTime, type FragmentTrack } from '../isobmff/index.js';
import { FragmentPool } from '../pool/index.js';
import { BufferRecycler } from './buffer-recycler.js';
import { prepareWithKeySet } from './init-protection.js';
import { checkScheme, periodTracks } from './track-protection.js';
import type { EncryptedTrack } from './types.js';

export interface SegmentEncryptorOptions {
  /** The clear init segment (ftyp + moov) of the presentation. */
  init: Buffer;
  scheme: ProtectionScheme;
  keys: KeySet;
  /**
   * Base per-sample IV (cenc/cens/cbc1, 8 or 16 bytes) or constant IV (cbcs, 16 bytes); random
   * when absent, then fixed for the encryptor's life. With CTR schemes, two encryptors given the
   * same key *and* the same base IV (e.g. two representations) need different `streamIndex`
   * values, or their keystreams repeat.
   */
  iv?: Buffer;
  ivSize?: 8 | 16;
  /**
   * Keeps IVs apart between encryptors that share a key and a base IV (the representations of
   * one package): the per-sample IV counter's top byte is streamIndex + track index (0..255).
   */
  streamIndex?: number;
  /** Seconds at the start left clear (segments whose tfdt is before it). */
  clearLead?: number;
  /** Worker threads; 0 (default) = in the calling thread. */
  poolSize?: number;
  /**
   * Key rotation: the rotation interval in seconds. A segment's key period is
   * floor(decode time / keyPeriod), its decode time the tfdt of its first fragment (a segment
   * spanning a boundary is encrypted whole under the period it starts in); its key is
   * `chooseKey(keys, track, period)`, named in a `seig` sample group in each traf.
   */
  keyPeriod?: number;
  /** With keyPeriod: the period whose KID goes into the init's tenc (default 0). */
  firstPeriod?: number;
  /** With keyPeriod: each moof also carries its period's pssh boxes. */
  psshInMoof?: boolean;
}

export interface SegmentCallOptions {
  /** The segment's buffer becomes the encryptor's (see encryptSegmentParts). */
  handOver?: boolean;
  /** Key period index, instead of the one the segment's decode time gives (needs keyPeriod or rotation keys). */
  period?: number;
}

export interface SegmentEncryptor {
  readonly tracks: EncryptedTrack[];
  readonly kids: string[];
  readonly pssh: Buffer[];
  readonly drm: DrmSignal[];
  /** The protected init segment (encv/enca + sinf, pssh in moov). */
  encryptInit(): Buffer;
  /**
   * Encrypt one media segment (optional styp/sidx, one or more moof+mdat). Calls may overlap
   * and complete in any order: per-sample IVs are base + (streamIndex + track)*2^56 + sequence*2^24 +
   * sample index within the segment, so the bytes depend only on (segment, sequenceNumber).
   * encryptFile numbers the fragments of a file 0, 1, 2... the same way, so a file's fragment
   * encrypted here with its index is byte-identical to encryptFile's output for it.
   */
  encryptSegment(segment: Buffer, sequenceNumber: number, options?: Omit<SegmentCallOptions, 'handOver'>): Promise<Buffer>;
  /**
   * The same bytes as parts to write in order (e.g. with `writev`), without joining them. With
   * `handOver`, the segment's buffer becomes the encryptor's: no copy is made, its media data is
   * encrypted in place and, on a pool, its ArrayBuffer is moved to a worker (detached here). It
   * must then start at byte 0 of an ArrayBuffer that nothing else uses (bytes after it are ignored).
   */
  encryptSegmentParts(segment: Buffer, sequenceNumber: number, options?: SegmentCallOptions): Promise<Buffer[]>;
  /** Key rotation: the key period a segment falls in (from its decode time); needs keyPeriod. */
  periodOf(segment: Buffer): number;
  /** Key rotation: the KIDs (hex) a key period's segments are encrypted with, one per protected track. */
  periodKids(index: number): string[];
  /** Key rotation: add keys (a later period's, fetched ahead of the boundary) to the ones at hand. */
  addKeys(keys: KeySet): void;
  close(): Promise<void>;
}

const MAX_SEQUENCE = 2 ** 32 - 1;

export function createSegmentEncryptor(options: SegmentEncryptorOptions): SegmentEncryptor {
  return segmentEncryptorOn(options, undefined);
}

/**
 * The same on a pool the caller owns and closes (`poolSize` is then the pool's): the streams of a
 * package share one, so no stream waits for worker threads of its own to boot (~0.1 s each).
 */
export function createSegmentEncryptorOnPool(options: SegmentEncryptorOptions, pool: FragmentPool): SegmentEncryptor {
  return segmentEncryptorOn({ ...options, poolSize: pool.size }, pool);
}

function segmentEncryptorOn(options: SegmentEncryptorOptions, shared: FragmentPool | undefined): SegmentEncryptor {
  if (!options || !Buffer.isBuffer(options.init)) throw new UsageError('ERR_OPTIONS', 'options.init must be a Buffer holding the init segment', { where: 'init' });
  if (!options.keys || !Array.isArray(options.keys.keys)) throw new UsageError('ERR_NO_KEYS', 'options.keys must be a KeySet ({ keys, drm })', { where: 'keys' });
  const poolSize = options.poolSize ?? 0;
  if (!Number.isInteger(poolSize) || poolSize < 0 || poolSize > 64) throw new UsageError('ERR_POOL_SIZE', `poolSize must be an integer from 0 to 64, got ${String(options.poolSize)}`, { where: 'poolSize' });
  const scheme = checkScheme(options.scheme);
  const rotating = options.keyPeriod !== undefined;
  const keyPeriod = rotating ? checkKeyPeriod(options.keyPeriod) : 0;
  const firstPeriod = options.firstPeriod ?? 0;
  if (!Number.isInteger(firstPeriod) || firstPeriod < 0) throw new UsageError('ERR_KEY_PERIOD', `firstPeriod must be a period index >= 0, got ${String(options.firstPeriod)}`, { where: 'firstPeriod' });
  let keys = options.keys;
  const info = parseInit(options.init);
  const timescales = new Map(info.tracks.map((t) => [t.trackId, t.timescale]));
  const prepared = prepareWithKeySet(info, keys, scheme, { ...options, ...(rotating ? { period: periodIdOf(keys, firstPeriod) } : {}) });
  // Per key period: its fragment tracks (key + KID) and the pssh boxes for its moofs.
  const periods = new Map<number, { tracks: FragmentTrack[]; pssh: Buffer[] }>();
  const forPeriod = (index: number) => {
    let p = periods.get(index);
    if (!p) {
      const id = periodIdOf(keys, index);
      const tracks = periodTracks(prepared.plans, keys, id);
      let pssh: Buffer[] = [];
      if (options.psshInMoof) {
        const kids = [...new Set(tracks.map((t) => t.kid!.toString('hex')))];
        const drm = (keys.drm ?? []).filter((d) => Buffer.isBuffer(d.pssh) && kids.includes(d.kid.toString('hex'))).map((d) => d.pssh!);
        pssh = drm.length > 0 ? [...new Map(drm.map((b) => [b.toString('base64'), b])).values()] : [buildCommonPssh(kids.map((k) => Buffer.from(k, 'hex')))];
      }
      p = { tracks, pssh };
      periods.set(index, p);
    }
    return p;
  };
  const periodOf = (segment: Buffer): number => {
    if (!rotating) throw new UsageError('ERR_KEY_PERIOD', 'periodOf needs the keyPeriod option (key rotation)', { where: 'keyPeriod' });
    return periodIndexAt(segmentDecodeTime(segment, timescales), keyPeriod);
  };
  const pool = shared ?? new FragmentPool(poolSize);
  let closed = false;
  // Copies of callers' segments go into reused buffers: a fresh 2 MB buffer per call costs page faults and GC pressure.
  const buffers = new BufferRecycler(Math.max(2, poolSize * 2));
  const run = (segment: Buffer, sequenceNumber: number, handOver: boolean, period?: number): Promise<Buffer[]> => {
    if (closed) throw new UsageError('ERR_CLOSED', 'the segment encryptor is closed', { where: 'encryptSegment' });
    if (!Buffer.isBuffer(segment)) throw new UsageError('ERR_OPTIONS', 'segment must be a Buffer', { where: 'segment' });
    if (!Number.isInteger(sequenceNumber) || sequenceNumber < 0 || sequenceNumber > MAX_SEQUENCE) {
      throw new UsageError('ERR_SEQUENCE', `sequenceNumber must be an integer from 0 to 2^32-1, got ${String(sequenceNumber)}`, { where: 'sequenceNumber' });
    }
    if (period !== undefined && (!Number.isInteger(period) || period < 0)) throw new UsageError('ERR_KEY_PERIOD', `period must be a period index >= 0, got ${String(period)}`, { where: 'period' });
    // The period is read before the segment is handed over (its buffer may move to a worker).
    const index = period ?? (rotating ? periodOf(segment) : undefined);
    const rotation = index !== undefined ? forPeriod(index) : undefined;
    let input = segment;
    if (handOver) {
      if (segment.byteOffset !== 0) {
        throw new UsageError('ERR_OPTIONS', 'a handed-over segment must start at byte 0 of an ArrayBuffer of its own', { where: 'segment' });
      }
    } else {
      // A copy with its own ArrayBuffer: the caller's buffer is never detached by the transfer.
      input = buffers.take(segment.length);
      segment.copy(input);
    }
    return pool.runParts({
      kind: 'segment', input: input.buffer as ArrayBuffer, inputLength: input.length,
      tracks: rotation?.tracks ?? prepared.fragmentTracks, defaultSizes: prepared.defaultSizes, sequence: sequenceNumber, fileOffset: 0,
      ...(rotation && rotation.pssh.length > 0 ? { pssh: rotation.pssh } : {}),
    });
  };
  const encryptSegmentParts = async (segment: Buffer, sequenceNumber: number, o: SegmentCallOptions = {}): Promise<Buffer[]> =>
    run(segment, sequenceNumber, o.handOver === true, o.period);
  return {
    tracks: prepared.tracks,
    kids: prepared.kids,
    pssh: prepared.pssh,
    drm: prepared.drm,
    encryptInit: () => prepared.protect(options.init),
    async encryptSegment(segment: Buffer, sequenceNumber: number, o: Omit<SegmentCallOptions, 'handOver'> = {}): Promise<Buffer> {
      const parts = await run(segment, sequenceNumber, false, o.period);
      const out = Buffer.concat(parts);
      // The parts (our copy of the input, the new moofs) are joined in `out`: their buffers serve the next calls.
      buffers.giveAll(parts);
      return out;
    },
    encryptSegmentParts,
    periodOf,
    periodKids: (index: number) => forPeriod(index).tracks.map((t) => t.kid!.toString('hex')),
    addKeys(more: KeySet) {
      if (!more || !Array.isArray(more.keys)) throw new UsageError('ERR_NO_KEYS', 'addKeys takes a KeySet ({ keys, drm })', { where: 'keys' });
      keys = mergeKeySets(keys, more);
      // Periods resolved so far keep their keys (a key once used for a period never changes).
    },
    async close() {
      closed = true;
      if (!shared) await pool.close();
    },
  };
}
