/**
 * A package's files -> SegmentJobs, with every choice fixed up front: which renditions the
 * contract leaves clear (copied), each fMP4 stream's streamIndex (in the order the local run has
 * always used: init groups, then whole files), and each TS segment's IV. What runs them, and in
 * which order or where, can then no longer change a byte.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { IoError } from '../errors.js';
import type { ContentKey, KeySet, TrackType } from '../keys/content-key.js';
import { chooseKey } from '../keys/key-selection.js';
import { parseInit } from '../isobmff/index.js';
import type { CencScheme } from '../cenc/index.js';
import type { PackageJob } from '../signaling/index.js';
import { topLevelBoxesOf } from './encrypt-package-files.js';
import { tsSegmentIv } from './encrypt-ts.js';
import { namingFile, type CencStreamJob, type SegmentJob } from './package-jobs.js';
import type { PackageStorage } from './package-storage.js';
import { trackClassOf } from './track-protection.js';

/** Jobs run together: an init's group (the init first, then its segments), the TS segments, one whole file. */
export interface JobGroup {
  jobs: SegmentJob[];
  /** The fMP4 stream the group's jobs share (its encryptor is closed once the group is done). */
  stream?: { init: string; enc: CencStreamJob };
}

export interface JobPlan {
  groups: JobGroup[];
  /** Track type of each init (first track), known before encryption. */
  initTrack: Map<string, TrackType>;
  /** Renditions the contract leaves clear: copied as they are. */
  clearRenditions: string[];
}

export interface PlanInputs {
  src: string;
  storage: PackageStorage;
  keys: KeySet;
  scheme: string;
  /** The base IV every fMP4 stream shares (each with its own streamIndex); absent = random per track. */
  iv?: Buffer;
  clearLead?: number;
  /** The key of a TS segment: its media playlist's rendition (RESOLUTION / CHANNELS in the master) chooses. */
  tsKey: (playlist: string | undefined, where: string) => ContentKey;
  /** The IV all TS segments share, if one is fixed (see PackageWork.tsIv). */
  tsIv: (key: ContentKey) => Buffer | undefined;
  /** Key rotation: seconds per period, pssh in moof, and each init's first period (its KID goes into tenc). */
  rotation?: { keyPeriod: number; psshInMoof: boolean; firstPeriod: Map<string, number> };
}

export async function planSegmentJobs(jobs: PackageJob[], p: PlanInputs): Promise<JobPlan> {
  const plan: JobPlan = { groups: [], initTrack: new Map(), clearRenditions: [] };
  let nextStream = 0;
  const encFor = (tracks: number, init?: string): CencStreamJob => {
    const enc: CencStreamJob = { scheme: p.scheme as CencScheme };
    if (p.iv) { enc.iv = p.iv.toString('hex'); enc.streamIndex = nextStream; }
    if (p.clearLead !== undefined) enc.clearLead = p.clearLead;
    if (p.rotation && init !== undefined) {
      enc.keyPeriod = p.rotation.keyPeriod;
      enc.firstPeriod = p.rotation.firstPeriod.get(init) ?? 0;
      if (p.rotation.psshInMoof) enc.psshInMoof = true;
    }
    nextStream += Math.max(1, tracks);
    return enc;
  };
  for (const init of jobs.filter((j) => j.kind === 'fmp4-init')) {
    const segments = jobs.filter((j): j is Extract<PackageJob, { kind: 'fmp4-segment' }> => j.kind === 'fmp4-segment' && j.init === init.path);
    const buf = await p.storage.read(path.join(p.src, init.path));
    let info;
    try { info = parseInit(buf); } catch (e) { throw namingFile(init.path, e); }
    const type = info.tracks[0]?.type;
    if (type) plan.initTrack.set(init.path, type);
    let choices;
    try { choices = info.tracks.map((t) => chooseKey(p.keys, { ...trackClassOf(t), name: `${init.path} track ${t.trackId}` })); } catch (e) { throw namingFile(init.path, e); }
    if (choices.every((c) => 'clear' in c)) {
      plan.clearRenditions.push(init.path);
      plan.groups.push({ jobs: [init.path, ...segments.map((s) => s.path)].map((f) => ({ kind: 'copy', path: f })) });
      continue;
    }
    const enc = encFor(info.tracks.length, init.path);
    plan.groups.push({
      stream: { init: init.path, enc },
      jobs: [{ kind: 'fmp4-init', path: init.path, enc }, ...segments.map((s): SegmentJob => ({ kind: 'fmp4-segment', path: s.path, init: init.path, sequenceNumber: s.sequenceNumber, enc }))],
    });
  }
  const ts = jobs.filter((j): j is Extract<PackageJob, { kind: 'ts-segment' }> => j.kind === 'ts-segment');
  if (ts.length > 0) {
    const scheme = p.scheme as 'aes-128' | 'sample-aes';
    plan.groups.push({
      jobs: ts.map((j) => {
        const key = p.tsKey(j.playlist, j.path);
        return { kind: 'ts-segment', path: j.path, scheme, kid: key.kid.toString('hex'), iv: tsSegmentIv(key, p.tsIv(key), j.sequenceNumber).toString('hex') };
      }),
    });
  }
  for (const j of jobs) {
    if (j.kind !== 'fmp4-file') continue;
    plan.groups.push({ jobs: [{ kind: 'fmp4-file', path: j.path, enc: encFor(await fileTrackCount(p.src, j.path)) }] });
  }
  return plan;
}

/** Tracks of a whole fMP4 file, from its moov alone (the next stream's index depends on it). */
async function fileTrackCount(src: string, rel: string): Promise<number> {
  const file = path.join(src, rel);
  const { boxes } = await topLevelBoxesOf(file);
  const moov = boxes.find((b) => b.type === 'moov');
  if (!moov) return 1; // encryptFile names the problem when the job runs
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(moov.end - moov.start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, moov.start);
    if (bytesRead !== buf.length) throw new IoError('ERR_INPUT', `${rel}: moov truncated`, { where: rel });
    try { return parseInit(buf).tracks.length; } catch { return 1; }
  } finally {
    await fh.close();
  }
}
