/**
 * encryptPackage: a whole DASH or HLS package as an encoder wrote it -> a protected package.
 * The manifests decide what each file is (signaling/package-plan); segments are encrypted with
 * the key for their track type, the manifests get their signaling, everything else is copied
 * byte for byte. All output goes to a temporary sibling directory renamed into place at the end,
 * so an error leaves no half-written package.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import path, { posix } from 'node:path';
import { MediaError, SegcryptError, UsageError } from '../errors.js';
import { keyForTrack, type ContentKey, type KeyPeriod, type KeyProvider, type KeyRequest, type KeySet, type TrackType } from '../keys/content-key.js';
import { checkKeyPeriod, keyPeriodOf, mergeKeySets, periodIdOf, periodIndexAt } from '../keys/key-period.js';
import { parseInit, segmentDecodeTime } from '../isobmff/index.js';
import { trackClassOf } from './track-protection.js';
import { chooseKey, selectKey } from '../keys/key-selection.js';
import { buildCommonPssh } from '../keys/drm/common-pssh.js';
import { isHlsAes128SystemId, SYSTEM_IDS } from '../keys/drm/system-ids.js';
import {
  addKeysToMediaPlaylist, addPeriodKeysToMediaPlaylist, addSessionKeysToMaster, segmentStartTimes, contentProtectionElements, encryptSignaling, hlsKeyTags, rewriteMpd,
  CENC_SCHEMES, checkSchemeFits, mergeJobs, packagePath, planDash, planHls, remapByteRange, rewriteByteRanges, type AttributeEdit, type DashPlan, type MpdRepresentation, type EncryptSignaling, type HlsPlan, type PackageJob,
} from '../signaling/index.js';
import { checkEncryptOptions, defaultPoolSize } from './encrypt-options.js';
import { firstMoofOf, listFiles, refuseNonEmpty, writeOut } from './encrypt-package-files.js';
import { planSegmentJobs, type JobPlan, type PlanInputs } from './package-job-plan.js';
import { FragmentPool } from '../pool/index.js';
import { namingFile, PackageJobRunner, packageLanes, type KeyReference, type SegmentJob, type SegmentJobResult } from './package-jobs.js';
import { FileStorage, type PackageStorage } from './package-storage.js';
import { openStaging, saveChoices, stagedFiles, stagingPath } from './package-staging.js';
import type { EncryptOptions } from './types.js';
import { checkQueueOptions, type PackageQueueOptions } from '../queue/queue-options.js';
import { trackTempPath, untrackTempPath } from './atomic-output.js';

export interface PackageOptions extends EncryptOptions {
  /**
   * EXT-X-KEY URI of the key itself (KEYFORMAT identity): required for HLS AES-128 unless the key
   * server returns one. `{kid}` is replaced by each rendition's KID (hex), for packages with
   * several keys. Never written by us.
   */
  keyUri?: string;
  /** ClearKey license server URL for the DASH ClearKey ContentProtection. */
  clearKeyLicenseUrl?: string;
  /** Called after each file: files done, files total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Key rotation: seconds per key period. A segment's period is floor(its decode time / keyPeriod);
   * a segment spanning a boundary is encrypted whole under the period it starts in. Static keys
   * give a schedule (`@P` keys, CPIX periods); a key provider is asked for each period needed.
   */
  keyPeriod?: number;
  /** With keyPeriod: each moof carries its period's pssh boxes. */
  psshInMoof?: boolean;
  /**
   * Encrypt through a BullMQ queue on Redis (`segcrypt worker` processes, which resolve the keys
   * from their own key source): one job per file, output byte-identical to a local run with the
   * same keys and `iv`. Input and output must be on a volume the workers see at the same path.
   */
  queue?: PackageQueueOptions;
}

export interface PackageResult {
  /** 'dash+hls': a CMAF package with both an MPD and HLS playlists over the same segments (each encrypted once). */
  format: 'dash' | 'hls' | 'dash+hls';
  outDir: string;
  /** Package-relative paths written, manifests included. */
  written: string[];
  encrypted: string[];
  manifests: string[];
  /** KIDs used, by track type (32 lowercase hex digits): the first rendition's of each type. */
  kids: Partial<Record<TrackType, string>>;
  /** Each fMP4 rendition (init segment or whole file) and the KID it was encrypted with; null = left clear by the contract. */
  renditions: { path: string; kid: string | null }[];
  /**
   * What was left clear and copied as it is: text renditions (HLS SUBTITLES / WebVTT playlists,
   * DASH text AdaptationSets), other non-audio/video AdaptationSets, and renditions the contract
   * leaves clear. `rendition` is a playlist path, `<mpd> <AdaptationSet path>` or an init/file.
   */
  leftClear: { rendition: string; reason: string }[];
  signaling: EncryptSignaling;
}

export async function encryptPackage(inDir: string, outDir: string, options: PackageOptions): Promise<PackageResult> {
  checkEncryptOptions(options);
  if (options.queue !== undefined) checkQueueOptions(options.queue);
  const src = path.resolve(inDir);
  const dst = path.resolve(outDir);
  if (dst === src || dst.startsWith(src + path.sep)) {
    throw new UsageError('ERR_OUTPUT_INSIDE_INPUT', `the output directory ${outDir} is inside the input package ${inDir}`, { where: 'outDir' });
  }
  await refuseNonEmpty(dst);
  const files = await listFiles(src);
  const fileSet = new Set(files);
  const mpds = files.filter((f) => f.toLowerCase().endsWith('.mpd'));
  const playlists = files.filter((f) => f.toLowerCase().endsWith('.m3u8'));
  if (mpds.length === 0 && playlists.length === 0) {
    throw new MediaError('ERR_PACKAGE_NO_MANIFEST', `${inDir} has neither an .mpd nor an .m3u8 manifest`, { where: inDir });
  }
  const texts = new Map<string, string>();
  for (const m of [...mpds, ...playlists]) texts.set(m, await readFile(path.join(src, m), 'utf8'));
  const dash = mpds.map((m) => planDash(m, texts.get(m)!, fileSet));
  const hls = playlists.length > 0 ? planHls(new Map(playlists.map((p) => [p, texts.get(p)!])), fileSet) : undefined;
  const format = mpds.length > 0 ? (playlists.length > 0 ? 'dash+hls' : 'dash') : 'hls';
  const jobs = mergeJobs([...dash.flatMap((d) => d.jobs), ...(hls?.jobs ?? [])]);
  checkSchemeFits(options.scheme, jobs);
  if (options.clearLead && jobs.some((j) => j.kind === 'ts-segment')) {
    // An HLS clear lead would be METHOD=NONE segments before the key: not written yet.
    throw new UsageError('ERR_CLEAR_LEAD', 'clearLead is supported for fMP4 packages only, not for MPEG-TS HLS', { where: 'clearLead' });
  }
  // A local run's worker threads boot now, while the keys are fetched and the jobs planned.
  const pool = options.queue ? undefined : new FragmentPool(defaultPoolSize(await mediaBytesOf(src, jobs), options.poolSize));
  try {
    return await encryptJobs({ src, dst, files, fileSet, mpds, playlists, texts, dash, hls, format, jobs }, options, pool);
  } finally {
    await pool?.close();
  }
}

/** Bytes of the media the jobs read: the pool's size follows them (small packages stay in thread). */
async function mediaBytesOf(src: string, jobs: PackageJob[]): Promise<number> {
  return (await Promise.all(jobs.map((j) => stat(path.join(src, j.path))))).reduce((n, st) => n + st.size, 0);
}

interface PackageFiles {
  src: string; dst: string; files: string[]; fileSet: Set<string>; mpds: string[]; playlists: string[]; texts: Map<string, string>;
  dash: ReturnType<typeof planDash>[]; hls: ReturnType<typeof planHls> | undefined; format: PackageResult['format']; jobs: PackageJob[];
}

/** The package once its files are read and its jobs listed: keys, plan, jobs (on `pool`, or the queue), manifests. */
async function encryptJobs(p: PackageFiles, options: PackageOptions, pool: FragmentPool | undefined): Promise<PackageResult> {
  const { src, dst, files, fileSet, mpds, playlists, dash, hls, format, jobs } = p;
  const rotation = rotationOf(options, jobs, path.basename(src));
  const { keys, keyRef } = await resolveKeys(options, path.basename(src), jobs, rotation ? keyPeriodOf(undefined, 0) : undefined);
  if (options.scheme === 'aes-128' && options.keyUri === undefined && !keys.drm.some((d) => isHlsAes128SystemId(d.systemId) && (d.uriExtXKey || d.hlsSignalingDataMedia))) {
    throw new UsageError('ERR_KEY_URI_REQUIRED', 'HLS AES-128 needs keyUri (the URI players fetch the key from; segcrypt never writes the key into the package), or a key server that returns one', { where: 'keyUri' });
  }
  // Queued: a staging folder named by the plan, kept after a failure so that a re-run resumes there.
  const tmp = options.queue
    ? stagingPath(dst, [src, dst, bytesShapingOptions(options), keyRef])
    : path.join(path.dirname(dst), `.${path.basename(dst)}.tmp-${randomBytes(6).toString('hex')}`);
  const choices = options.queue ? await openStaging(tmp) : (await mkdir(tmp, { recursive: true }), undefined);
  trackTempPath(tmp);
  try {
    const total = files.length;
    let done = 0;
    const tick = () => options.onProgress?.(++done, total);
    const work = new PackageWork(src, tmp, options, keys, p.texts);
    if (choices?.sampleAesIv) work.sampleAesIv = Buffer.from(choices.sampleAesIv, 'hex');
    if (hls) work.described = hls.described;
    if (rotation) { work.rotation = rotation; await work.prepareRotation(jobs); }
    const storage = new FileStorage();
    const queueIv = choices ? (choices.iv ? Buffer.from(choices.iv, 'hex') : fixedQueueIv(options, keys)) : undefined;
    const plan = await planSegmentJobs(jobs, work.planInputs(storage, queueIv));
    work.absorbPlan(plan);
    if (options.queue) {
      await saveChoices(tmp, { ...(queueIv ? { iv: queueIv.toString('hex') } : {}), sampleAesIv: work.sampleAesIv.toString('hex') });
      const { runPlanOnQueue } = await import('../queue/index.js');
      const packageRef = rotation ? { ...keyRef, kids: work.keys.keys.map((k) => k.kid.toString('hex')) } : keyRef;
      const results = await runPlanOnQueue(plan, { src, out: tmp }, options.queue, packageRef, (n) => { for (let i = 0; i < n; i++) tick(); }, rotation ? (j) => work.jobKeyReference(j, keyRef) : undefined)
        .catch(async (e: unknown) => { throw await resumable(e, tmp, new Set(jobs.map((j) => j.path))); });
      work.absorbResults(plan, results);
    } else {
      await work.runLocal(plan, storage, tick, pool!);
    }
    const manifests = [...mpds, ...playlists];
    for (const d of dash) await writeOut(tmp, d.manifest, work.rewriteDash(d));
    if (hls) for (const [p, text] of work.rewriteHls(hls)) await writeOut(tmp, p, text);
    const handled = new Set([...jobs.map((j) => j.path), ...manifests]);
    for (const f of files) {
      if (handled.has(f)) { if (manifests.includes(f)) tick(); continue; }
      await mkdir(path.join(tmp, path.dirname(f)), { recursive: true });
      await copyFile(path.join(src, f), path.join(tmp, f));
      tick();
    }
    // A worker killed mid-write leaves its `.part-` file behind: only the package's own files go out.
    for (const f of await listFiles(tmp)) if (!fileSet.has(f)) await rm(path.join(tmp, f), { force: true });
    await rmdir(dst).catch(() => undefined);
    await rename(tmp, dst);
    untrackTempPath(tmp);
    const trackTypes = [...new Set([...jobs.map((j) => ('trackType' in j ? j.trackType : undefined)), ...work.initTrack.values()]
      .filter((t): t is TrackType => !!t))].sort();
    const kids: Partial<Record<TrackType, string>> = {};
    for (const [file, kid] of work.initKid) { const t = work.initTrack.get(file); if (t && kid && !kids[t]) kids[t] = kid; }
    for (const t of trackTypes.length ? trackTypes : ['video' as const]) { const k = kids[t] ? undefined : keyForTrack(keys, t); if (k) kids[t] = k.kid.toString('hex'); }
    return {
      format, outDir: dst, written: files, encrypted: jobs.map((j) => j.path), manifests, kids,
      renditions: [...work.initKid].map(([file, kid]) => ({ path: file, kid })),
      leftClear: [
        ...dash.flatMap((d) => d.clearSets.map((c) => ({ rendition: c.where, reason: c.kind }))),
        ...(hls?.text ?? []).map((p) => ({ rendition: p, reason: 'text' })),
        ...[...work.initKid].filter(([, kid]) => kid === null).map(([file]) => ({ rendition: file, reason: 'encryption contract' })),
      ],
      signaling: encryptSignaling({ scheme: options.scheme, keys: work.signalKeys(), trackTypes: trackTypes.length ? trackTypes : ['video'], ...optionalSignaling(options) }),
    };
  } catch (e) {
    untrackTempPath(tmp);
    if (!(e instanceof SegcryptError && e.resumeFrom === tmp)) await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * A queued run that failed with files finished: they stay in the staging folder (and their jobs
 * in Redis), and the error says so: the same command resumes, removing the folder starts over.
 */
async function resumable(e: unknown, staging: string, jobFiles: Set<string>): Promise<unknown> {
  const kept = await stagedFiles(staging, jobFiles);
  if (!(e instanceof SegcryptError) || kept === 0) return e;
  e.message += ` (${kept} of ${jobFiles.size} files are done and kept in ${staging}: run the same command again to resume with only the rest, or remove that folder to start over)`;
  e.resumeFrom = staging;
  return e;
}

/** The options that decide the package's bytes (what a resumed run must share with the first). */
function bytesShapingOptions(o: PackageOptions): unknown[] {
  return [o.scheme, o.iv?.toString('hex'), o.ivSize, o.clearLead, o.keyPeriod, o.psshInMoof, o.keyUri, o.clearKeyLicenseUrl, o.contentId];
}

/** Run `fn`, naming `file` in a typed error's message. */
function inFile<T>(file: string, fn: () => T): T {
  try { return fn(); } catch (e) { throw namingFile(file, e); }
}

function optionalSignaling(o: PackageOptions): { keyUri?: string; clearKeyLicenseUrl?: string } {
  return { ...(o.keyUri !== undefined ? { keyUri: o.keyUri } : {}), ...(o.clearKeyLicenseUrl ? { clearKeyLicenseUrl: o.clearKeyLicenseUrl } : {}) };
}

/** Plans and runs the jobs and remembers what the manifests need (track types of HLS inits, KIDs, SegmentBase ranges). */
class PackageWork {
  readonly initTrack = new Map<string, TrackType>();
  /** The KID each fMP4 rendition (init or whole file) was encrypted with; null = left clear by the contract. */
  readonly initKid = new Map<string, string | null>();
  /** HLS media playlist -> what a master says of it (MPEG-TS renditions choose their key by it). */
  described: HlsPlan['described'] = new Map();
  readonly rangeEdits = new Map<string, { init: string; index: string }>();
  /** Per encrypted whole file: input box start -> output box start (and input size -> output size). */
  readonly boxStarts = new Map<string, Map<number, number>>();
  sampleAesIv = randomBytes(16);
  /** Key rotation: the interval, and the provider to ask for each period (static sets hold their schedule). */
  rotation?: { keyPeriod: number; provider?: KeyProvider; request: Omit<KeyRequest, 'period'> };
  /** Key rotation: each segment's key period index, the KID (hex) it is encrypted with, each init's first period. */
  readonly segmentPeriod = new Map<string, number>();
  readonly segmentKid = new Map<string, string>();
  readonly firstPeriod = new Map<string, number>();
  private readonly periodFetches = new Map<number, Promise<KeySet>>();
  constructor(readonly src: string, readonly tmp: string, readonly options: PackageOptions, public keys: KeySet, readonly texts: Map<string, string>) {}

  /**
   * Key rotation, decided before the jobs are planned: each fMP4 segment's period from its tfdt
   * and each TS segment's from its playlist, every period's keys fetched (and merged into the
   * package's set, which the job runner then holds), each segment's KID for the playlists.
   */
  async prepareRotation(jobs: PackageJob[]): Promise<void> {
    const r = this.rotation!;
    for (const init of jobs.filter((j) => j.kind === 'fmp4-init')) {
      const segments = jobs.filter((j): j is Extract<PackageJob, { kind: 'fmp4-segment' }> => j.kind === 'fmp4-segment' && j.init === init.path);
      const initBuf = await readFile(path.join(this.src, init.path));
      const info = inFile(init.path, () => parseInit(initBuf));
      const timescales = new Map(info.tracks.map((t) => [t.trackId, t.timescale]));
      const track = info.tracks[0];
      for (const [n, seg] of segments.entries()) {
        const buf = await firstMoofOf(path.join(this.src, seg.path));
        const p = periodIndexAt(inFile(seg.path, () => segmentDecodeTime(buf, timescales)), r.keyPeriod);
        if (n === 0) this.firstPeriod.set(init.path, p);
        this.segmentPeriod.set(seg.path, p);
        await this.periodKeys(p);
        if (track) {
          const choice = inFile(seg.path, () => chooseKey(this.keys, { ...trackClassOf(track), name: `${init.path} track ${track.trackId}` }, periodIdOf(this.keys, p)));
          if ('key' in choice) this.segmentKid.set(seg.path, choice.key.kid.toString('hex'));
        }
      }
    }
    const ts = jobs.filter((j): j is Extract<PackageJob, { kind: 'ts-segment' }> => j.kind === 'ts-segment');
    if (ts.length > 0) this.tsPeriodIds = await this.tsPeriods(ts);
  }

  /** Key rotation for TS: each segment's period id. */
  private tsPeriodIds?: Map<string, string>;

  /**
   * Key rotation: the keys of period `index`, fetched once from the provider (static sets hold
   * them all) and merged into the package's set.
   */
  private periodKeys(index: number): Promise<KeySet> {
    let f = this.periodFetches.get(index);
    if (!f) {
      const r = this.rotation!;
      f = (r.provider ? r.provider.getKeys({ ...r.request, period: keyPeriodOf(this.keys, index) }) : Promise.resolve(this.keys))
        .then((set) => { this.keys = mergeKeySets(this.keys, set); return set; });
      this.periodFetches.set(index, f);
    }
    return f;
  }

  /**
   * Key rotation for TS: a segment's period from its start time in its playlist (the EXTINF
   * durations before it; TS has no tfdt), each period's keys fetched.
   */
  private async tsPeriods(segments: Extract<PackageJob, { kind: 'ts-segment' }>[]): Promise<Map<string, string>> {
    const index = new Map<string, number>();
    for (const playlist of new Set(segments.map((j) => j.playlist).filter((p): p is string => p !== undefined))) {
      const text = this.texts.get(playlist)!;
      const uris = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
      const starts = segmentStartTimes(text, playlist);
      uris.forEach((u, i) => index.set(packagePath(playlist, u.trim(), playlist), periodIndexAt(starts[i]!, this.rotation!.keyPeriod)));
    }
    const out = new Map<string, string>();
    for (const j of segments) {
      const p = index.get(j.path);
      if (p === undefined) throw new MediaError('ERR_PACKAGE_PLAN', `${j.path}: no playlist gives its start time, so its key period is unknown`, { where: j.path });
      this.segmentPeriod.set(j.path, p);
      await this.periodKeys(p);
      out.set(j.path, periodIdOf(this.keys, p));
    }
    for (const j of segments) this.segmentKid.set(j.path, this.tsKeyFor(j.playlist, j.path, out.get(j.path)).kid.toString('hex'));
    return out;
  }

  /**
   * Key rotation through the queue: the key periods a job needs (a segment's own, and its stream's
   * first, whose KID goes into tenc) and their KIDs, for the worker to get from its key source.
   */
  jobKeyReference(job: SegmentJob, base: KeyReference): KeyReference {
    if (job.kind === 'copy') return { ...base, kids: [], periods: [] };
    const indexes = job.kind === 'fmp4-init' ? [this.firstPeriod.get(job.path)]
      : job.kind === 'fmp4-segment' ? [this.firstPeriod.get(job.init), this.segmentPeriod.get(job.path)]
        : [this.segmentPeriod.get(job.path)];
    const hex = (keys: ContentKey[]) => [...new Set(keys.map((k) => k.kid.toString('hex')))];
    const periods = [...new Set(indexes.filter((i): i is number => i !== undefined))].map((i) => {
      const period = keyPeriodOf(this.keys, i);
      return { ...period, kids: hex(this.keys.keys.filter((k) => k.period === period.id)) };
    });
    const ids = periods.map((p) => p.id);
    return { ...base, kids: hex(this.keys.keys.filter((k) => k.period === undefined || ids.includes(k.period))), periods };
  }

  /** What planning the jobs needs from the package: keys, the fixed IVs. */
  planInputs(storage: PackageStorage, iv: Buffer | undefined): PlanInputs {
    const base = iv ?? this.options.iv;
    return {
      src: this.src, storage, keys: this.keys, scheme: this.options.scheme,
      ...(base ? { iv: base } : {}), ...(this.options.clearLead !== undefined ? { clearLead: this.options.clearLead } : {}),
      tsKey: (playlist, where) => this.tsKeyFor(playlist, where, this.tsPeriodIds?.get(where)),
      tsIv: (key) => this.tsIv(key.iv).iv,
      ...(this.rotation ? { rotation: { keyPeriod: this.rotation.keyPeriod, psshInMoof: this.options.psshInMoof === true, firstPeriod: this.firstPeriod } } : {}),
    };
  }

  absorbPlan(plan: JobPlan): void {
    for (const [init, type] of plan.initTrack) this.initTrack.set(init, type);
  }

  /** What the manifests need from the jobs' results (KIDs per rendition, SegmentBase ranges), in the plan's order. */
  absorbResults(plan: JobPlan, results: Iterable<SegmentJobResult>): void {
    const byPath = new Map([...results].map((r) => [r.path, r]));
    const clear = new Set(plan.clearRenditions);
    for (const g of plan.groups) {
      const first = g.jobs[0];
      if (!first) continue;
      if (clear.has(first.path)) { this.initKid.set(first.path, null); continue; }
      for (const j of g.stream ? [first] : g.jobs) {
        const r = byPath.get(j.path);
        if (!r || r.kind === 'done') continue;
        this.initKid.set(r.path, r.kids[0]!);
        if (r.trackType) this.initTrack.set(r.path, r.trackType);
        if (r.kind === 'file') {
          this.rangeEdits.set(r.path, r.ranges);
          if (r.boxStarts) this.boxStarts.set(r.path, new Map(r.boxStarts));
        }
      }
    }
  }

  /** The plan in this process: group by group, each group's first job (an init) before the rest. */
  async runLocal(plan: JobPlan, storage: PackageStorage, tick: () => void, pool: FragmentPool): Promise<void> {
    const runner = new PackageJobRunner(storage, this.keys, pool);
    const place = { src: this.src, out: this.tmp };
    const results: SegmentJobResult[] = [];
    const one = async (j: SegmentJob) => { results.push(await runner.run(j, place)); tick(); };
    try {
      for (const g of plan.groups) {
        const [first, ...rest] = g.jobs;
        if (g.stream && first) await one(first);
        await this.inFlight(g.stream ? rest : g.jobs, packageLanes(pool.size), one);
        if (g.stream) await runner.closeStream(this.src, g.stream.init, g.stream.enc);
      }
    } finally {
      await runner.close();
    }
    this.absorbResults(plan, results);
  }

  /**
   * Run `each` over `items` with `lanes` of them in flight, in any order of completion. On the
   * first failure no new item starts and the ones in flight are waited for before it is thrown:
   * none may still be writing into the temp folder when the caller removes it.
   */
  private async inFlight<T>(items: T[], lanes: number, each: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    let failure: { error: unknown } | undefined;
    const lane = async () => {
      while (!failure && next < items.length) {
        try { await each(items[next++]!); } catch (error) { failure ??= { error }; }
      }
    };
    await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
    if (failure) throw failure.error;
  }

  rewriteDash(plan: DashPlan): string {
    const edits: AttributeEdit[] = [];
    for (const set of plan.model.adaptationSets) {
      for (const rep of set.representations) {
        if (!rep.segmentBase || !set.trackType) continue;
        const r = this.rangeEdits.get(posix.normalize(posix.join(posix.dirname(plan.manifest), rep.baseUrl)));
        if (!r) continue;
        if (rep.segmentBase.indexRange !== undefined && r.index) edits.push({ element: rep.segmentBase.element, name: 'indexRange', value: r.index });
        const initEl = rep.segmentBase.initialization;
        if (initEl?.open.attrs.has('range')) edits.push({ element: initEl, name: 'range', value: r.init });
      }
    }
    const text = this.texts.get(plan.manifest)!;
    return rewriteMpd(text, plan.model, (set) => {
      if (!set.trackType) return undefined;
      // Representations grouped by the KID their rendition was encrypted with (in document order).
      const groups = new Map<string | null, MpdRepresentation[]>();
      for (const rep of set.representations) {
        const file = plan.renditionOf.get(rep);
        const kid = file !== undefined ? this.initKid.get(file) : undefined;
        if (kid === undefined) throw new MediaError('ERR_PACKAGE_PLAN', `${plan.manifest} ${set.path}/Representation[id=${rep.id}]: no encrypted rendition found for it`, { where: `${plan.manifest} ${set.path}` });
        groups.set(kid, [...(groups.get(kid) ?? []), rep]);
      }
      return [...groups].map(([kid, representations]) => ({
        representations,
        elements: kid === null ? [] : contentProtectionElements({ scheme: this.options.scheme, defaultKid: Buffer.from(kid, 'hex'), drm: this.dashDrmFor(Buffer.from(kid, 'hex')), ...optionalSignaling(this.options) }),
      }));
    }, edits);
  }

  rewriteHls(plan: HlsPlan): Map<string, string> {
    const out = new Map<string, string>();
    const session: string[] = [];
    for (const [p, model] of plan.media) {
      const init = model.map !== undefined ? posix.normalize(posix.join(posix.dirname(p), model.map)) : undefined;
      const type = (init && this.initTrack.get(init)) || 'video';
      const renditionKid = init !== undefined ? this.initKid.get(init) : undefined;
      let text = this.texts.get(p)!;
      if (renditionKid === null) { out.set(p, text); continue; } // left clear by the contract
      const key = renditionKid ? this.keyByKid(renditionKid, p) : init === undefined ? this.tsKeyFor(p, p) : this.keyFor(type, p);
      const tags = this.hlsTagsFor(key);
      if (tags.media.length === 0) {
        throw new UsageError('ERR_NO_HLS_SIGNALING', `${p}: no EXT-X-KEY can be written: give keyUri or use a key server that returns DRM signaling`, { where: p });
      }
      if (model.mapByteRange) text = rewriteByteRanges(text, p, (uri, range) => { const f = packagePath(p, uri, p); return remapByteRange(this.boxStarts.get(f), range, f, p); });
      if (this.rotation) {
        // A new EXT-X-KEY set where the period's KID changes.
        const perSegment = model.segments.map((s) => {
          const f = packagePath(p, s.uri, p);
          const kid = this.segmentKid.get(f);
          if (kid === undefined) throw new MediaError('ERR_PACKAGE_PLAN', `${p}: segment ${s.uri} has no key period`, { where: p });
          return this.hlsTagsFor(this.keyByKid(kid, p));
        });
        out.set(p, addPeriodKeysToMediaPlaylist(text, perSegment.map((x) => x.media), p));
        for (const line of perSegment.flatMap((x) => x.master)) if (!session.includes(line)) session.push(line);
        continue;
      }
      out.set(p, addKeysToMediaPlaylist(text, tags.media, p));
      for (const line of tags.master) if (!session.includes(line)) session.push(line);
    }
    for (const m of plan.masters) out.set(m, addSessionKeysToMaster(this.texts.get(m)!, session, m));
    for (const p of plan.text) out.set(p, this.texts.get(p)!); // text renditions: no EXT-X-KEY
    return out;
  }

  /** EXT-X-KEY (and SESSION-KEY) lines for a key: its DRM signals, its key URI ({kid} filled in), the TS IV. */
  private hlsTagsFor(key: ContentKey) {
    return hlsKeyTags({
      scheme: this.options.scheme, kid: key.kid, drm: this.drmFor(key.kid),
      ...this.tsIv(key.iv), ...(this.options.keyUri !== undefined ? { keyUri: this.options.keyUri.replace(/\{kid\}/g, key.kid.toString('hex')) } : {}),
    });
  }

  /**
   * DASH DRM descriptors. With rotation (one Period, keys changing inside it) they name the
   * systems only: a pssh in the MPD would carry the first period's KIDs alone, so the period's
   * pssh travels in each moof instead (psshInMoof); default_KID stays tenc's, the first period's.
   */
  private dashDrmFor(kid: Buffer) {
    const drm = this.drmFor(kid);
    return this.rotation ? drm.map((d) => ({ systemId: d.systemId, kid: d.kid })) : drm;
  }

  /**
   * The IV of every TS segment of the package, written as IV= (RFC 8216 4.3.2.4; fMP4 carries its
   * IVs in tenc/senc): the caller's, else the key server's 16-byte explicit IV. SAMPLE-AES always
   * gets one package-wide IV (random when nobody fixed one): FairPlay keeps one IV across segments,
   * and ffmpeg 5.1 decrypts PES data buffered at a segment boundary with the next segment's IV.
   * AES-128 without one uses each segment's media sequence number.
   */
  private tsIv(keyIv: Buffer | undefined): { iv?: Buffer } {
    if (this.options.scheme !== 'aes-128' && this.options.scheme !== 'sample-aes') return {};
    const iv = this.options.iv ?? (keyIv?.length === 16 ? keyIv : undefined) ?? (this.options.scheme === 'sample-aes' ? this.sampleAesIv : undefined);
    return iv ? { iv } : {};
  }

  private keyFor(type: TrackType, where: string) {
    const k = selectKey(this.keys, { type, name: where });
    if (!k) throw new UsageError('ERR_NO_KEY_FOR_TRACK', `${where}: no key for ${type} tracks${this.keys.keys.some((x) => x.filters?.some((f) => f.type === type && (f.minPixels ?? f.maxPixels ?? f.minChannels ?? f.maxChannels) !== undefined)) ? ' of unknown size (the key server chooses keys by resolution or channels)' : ''}`, { where });
    return k;
  }

  /**
   * An MPEG-TS rendition's key: the master playlist's RESOLUTION (variants, I-frame playlists) or
   * CHANNELS (audio renditions) stands in for the sample entry an fMP4 rendition has.
   */
  tsKeyFor(playlist: string | undefined, where: string, period?: string) {
    const d = playlist !== undefined ? this.described.get(playlist) : undefined;
    const track = { ...(d ?? { type: 'video' as const }), name: playlist ?? where };
    const key = selectKey(this.keys, track, period);
    if (key) return key;
    if (this.keys.clearTrackTypes?.includes(track.type)) {
      throw new UsageError('ERR_NOTHING_TO_ENCRYPT', `${where}: the encryption contract leaves this MPEG-TS rendition clear, which segcrypt does not write for TS (METHOD=NONE playlists); use a contract that encrypts it`, { where });
    }
    try { chooseKey(this.keys, track, period); } catch (e) {
      // The caller's keys do not cover this rendition: a usage error, with the key selection's reason.
      throw new UsageError('ERR_NO_KEY_FOR_TRACK', `${where}: ${(e as Error).message}`, { where });
    }
    throw new UsageError('ERR_NO_KEY_FOR_TRACK', `${where}: no key`, { where });
  }

  private keyByKid(kidHex: string, where: string) {
    const k = this.keys.keys.find((x) => x.kid.toString('hex') === kidHex);
    if (!k) throw new UsageError('ERR_NO_KEY_FOR_TRACK', `${where}: the key ${kidHex} is gone from the key set`, { where });
    return k;
  }

  /** The KeySet as signaled: with the common pssh added where the key server gave no DRM data. */
  signalKeys(): KeySet {
    const used = new Set([...this.initKid.values()].filter((k): k is string => !!k));
    const keys = used.size > 0 ? this.keys.keys.filter((k) => used.has(k.kid.toString('hex'))) : this.keys.keys;
    return { ...this.keys, keys, drm: [...new Map(keys.map((k) => [k.kid.toString('hex'), k.kid])).values()].flatMap((kid) => this.drmFor(kid)) };
  }

  /** The key server's signals for a KID; with static keys, the W3C common pssh ClearKey players read. */
  private drmFor(kid: Buffer) {
    const drm = this.keys.drm.filter((d) => d.kid.equals(kid));
    return drm.length > 0 ? drm : [{ systemId: SYSTEM_IDS.common, kid, pssh: buildCommonPssh([kid]) }];
  }
}

/**
 * The package's keys, and the reference a queue worker resolves them by with its own key source
 * (the same request: a SPEKE server answers the same content id and KIDs with the same keys).
 */
function keyRequestOf(options: PackageOptions, contentId: string, jobs: PackageJob[]): Omit<KeyRequest, 'period'> {
  const types = new Set<TrackType>(jobs.map((j) => ('trackType' in j && j.trackType) || 'video'));
  if (jobs.some((j) => j.kind === 'fmp4-init' && !j.trackType)) { types.add('video'); types.add('audio'); }
  return { contentId: options.contentId ?? contentId, trackTypes: [...types], scheme: options.scheme };
}

async function resolveKeys(options: PackageOptions, contentId: string, jobs: PackageJob[], period?: KeyPeriod): Promise<{ keys: KeySet; keyRef: KeyReference }> {
  const k = options.keys;
  const request = keyRequestOf(options, contentId, jobs);
  const keys = k && typeof (k as KeyProvider).getKeys === 'function' ? await (k as KeyProvider).getKeys({ ...request, ...(period ? { period } : {}) }) : k as KeySet;
  return { keys, keyRef: { ...request, kids: keys.keys.map((x) => x.kid.toString('hex')) } };
}

/**
 * The base IV of a queued package when the caller fixed none: workers must agree on it, so it is
 * chosen here, once (random, the size a local run would pick), unless the key server gave IVs.
 */
function fixedQueueIv(options: PackageOptions, keys: KeySet): Buffer | undefined {
  if (options.iv) return options.iv;
  if (!CENC_SCHEMES.has(options.scheme) || (keys.keys.length > 0 && keys.keys.every((k) => k.iv))) return undefined;
  return randomBytes(options.scheme === 'cbcs' ? 16 : (options.ivSize ?? 8));
}

/** Key rotation settings, checked: segmented packages only (whole files have no per-segment decode times here). */
function rotationOf(options: PackageOptions, jobs: PackageJob[], contentId: string): { keyPeriod: number; provider?: KeyProvider; request: Omit<KeyRequest, 'period'> } | undefined {
  if (options.keyPeriod === undefined) {
    if (options.psshInMoof) throw new UsageError('ERR_KEY_PERIOD', 'psshInMoof is for key rotation: give keyPeriod too', { where: 'psshInMoof' });
    return undefined;
  }
  const keyPeriod = checkKeyPeriod(options.keyPeriod);
  const unsupported = jobs.find((j) => j.kind === 'fmp4-file');
  if (unsupported) throw new UsageError('ERR_KEY_PERIOD', `${unsupported.path}: keyPeriod (key rotation) is supported for segmented packages, not for single-file renditions`, { where: 'keyPeriod' });
  if ((options.scheme === 'aes-128' || options.scheme === 'sample-aes') && options.keyUri !== undefined && !options.keyUri.includes('{kid}')) {
    // One URI for every period would hand players the first period's key for all of them.
    throw new UsageError('ERR_KEY_URI_ROTATION', 'with keyPeriod, keyUri must hold {kid} so that each key period gets its own key URI', { where: 'keyUri' });
  }
  const k = options.keys;
  const provider = k && typeof (k as KeyProvider).getKeys === 'function' ? k as KeyProvider : undefined;
  return { keyPeriod, ...(provider ? { provider } : {}), request: keyRequestOf(options, contentId, jobs) };
}
