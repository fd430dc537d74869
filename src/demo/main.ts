/**
 * `npm start`: segcrypt end to end on the bundled samples with nothing to configure.
 * Starts the built-in SPEKE key server on loopback, fetches one key for video and one for audio
 * over SPEKE v2, encrypts DASH (cenc, cbcs) and HLS (fMP4 cbcs, TS AES-128, TS SAMPLE-AES),
 * checks one decryption per output with an independent decryptor, prints a summary, exits 0.
 * DASH names the key server's ClearKey license URL, HLS its key URIs, so `segcrypt serve` can
 * play every output with keys from the server alone; the run ends with that one command.
 */
import { parseArgs } from 'node:util';
import { readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptPackage } from '../api/encrypt-package.js';
import { startDemoKeyServer } from './demo-key-server.js';
import { keyForTrack, keyProviderFromOptions, type KeySet, type ProtectionScheme } from '../keys/index.js';
import { sequenceNumberIv } from '../ts/index.js';
import { checkAes128, checkFmp4, checkSampleAes, describeCheck, type CheckResult } from './decryption-check.js';
import { formatBytes, formatSummary, type SummaryRow } from './summary-table.js';
import { writeKeyServerRecord } from '../serve/index.js';
import type { DrmSystemName } from '../keys/content-key.js';
import { kidToUuid } from '../keys/drm/guid.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLES = join(ROOT, 'samples');
const CONTENT_ID = 'segcrypt-demo';
const PLACEHOLDER_KID = Buffer.alloc(16);

interface DemoJob {
  name: string;
  input: string;
  scheme: ProtectionScheme;
  /** One clear/encrypted pair to check: package-relative paths (init first for fMP4). */
  check: string[];
  playlist?: string;
}

const JOBS: DemoJob[] = [
  { name: 'dash-cenc', input: 'dash', scheme: 'cenc', check: ['init-stream0.m4s', 'chunk-stream0-00001.m4s'] },
  { name: 'dash-cbcs', input: 'dash', scheme: 'cbcs', check: ['init-stream0.m4s', 'chunk-stream0-00001.m4s'] },
  { name: 'hls-fmp4-cbcs', input: 'hls-fmp4', scheme: 'cbcs', check: ['video/init_0.mp4', 'video/seg_000.m4s'] },
  { name: 'hls-ts-aes128', input: 'hls-ts', scheme: 'aes-128', check: ['seg_000.ts'], playlist: 'index.m3u8' },
  { name: 'hls-ts-sample-aes', input: 'hls-ts', scheme: 'sample-aes', check: ['seg_000.ts'], playlist: 'index.m3u8' },
];

async function dirSize(dir: string, files: string[]): Promise<number> {
  let n = 0;
  for (const f of files) n += (await stat(join(dir, f))).size;
  return n;
}

/** The IV of the first segment as the playlist signals it: IV attribute, else the media sequence number. */
function firstSegmentIv(playlist: string): Buffer {
  const iv = /#EXT-X-KEY:[^\n]*IV=0x([0-9a-fA-F]{32})/.exec(playlist);
  if (iv) return Buffer.from(iv[1]!, 'hex');
  const seq = /#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist);
  return sequenceNumberIv(seq ? Number(seq[1]) : 0);
}

async function check(job: DemoJob, out: string, keys: KeySet): Promise<CheckResult> {
  const video = keyForTrack(keys, 'video')!;
  const clear = await Promise.all(job.check.map((f) => readFile(join(SAMPLES, job.input, f))));
  const enc = await Promise.all(job.check.map((f) => readFile(join(out, f))));
  if (job.scheme === 'aes-128' || job.scheme === 'sample-aes') {
    const iv = firstSegmentIv(await readFile(join(out, job.playlist!), 'utf8'));
    return job.scheme === 'aes-128' ? checkAes128(clear[0]!, enc[0]!, video.key, iv) : checkSampleAes(clear[0]!, enc[0]!, video.key, iv);
  }
  return checkFmp4(clear, enc, video.kid, video.key);
}

/**
 * fMP4 asks for ClearKey first (its ContentProtection names the server's license URL, which is
 * what browsers without a commercial CDM play), then the commercial systems (FairPlay only with
 * cbcs). TS asks for what fits its scheme (AES-128's key system).
 */
function drmFor(scheme: ProtectionScheme): DrmSystemName[] | undefined {
  if (scheme === 'aes-128' || scheme === 'sample-aes') return undefined;
  return ['clearkey', 'widevine', 'playready', ...(scheme === 'cbcs' ? ['fairplay' as const] : [])];
}

export async function runDemo(outRoot: string, log: (line: string) => void): Promise<{ rows: SummaryRow[]; ok: boolean; skipped: number }> {
  const { server, secret } = await startDemoKeyServer();
  log(`key server: SPEKE v1/v2 at ${server.url}`);
  // HLS key URIs: the server's key download route, one URI per KID (identity keys for SAMPLE-AES too).
  const keyUri = server.hlsKeyUri(CONTENT_ID, PLACEHOLDER_KID).replace(kidToUuid(PLACEHOLDER_KID), '{kid}');
  try {
    const rows: SummaryRow[] = [];
    let ok = true;
    let skipped = 0;
    for (const job of JOBS) {
      const drm = drmFor(job.scheme);
      const provider = keyProviderFromOptions({ spekeUrl: server.url, contentId: CONTENT_ID, spekeVersion: 2, ...(drm ? { drm } : {}) });
      const keys = await provider.getKeys({ contentId: CONTENT_ID, trackTypes: ['video', 'audio'], scheme: job.scheme });
      const out = join(outRoot, job.name);
      await rm(out, { recursive: true, force: true });
      const t0 = process.hrtime.bigint();
      const result = await encryptPackage(join(SAMPLES, job.input), out, {
        scheme: job.scheme,
        keys,
        contentId: CONTENT_ID,
        ...(job.input.startsWith('hls') ? { keyUri } : {}),
      });
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const bytesIn = await dirSize(join(SAMPLES, job.input), result.encrypted);
      const bytesOut = await dirSize(out, result.written);
      const verdict = await check(job, out, keys);
      ok &&= verdict.status !== 'failed';
      if (verdict.status === 'skipped') skipped += 1;
      const kids = Object.entries(result.kids).map(([t, k]) => `${t}:${k!.slice(0, 8)}`).join(' ');
      rows.push({ output: `${job.name}/`, scheme: job.scheme, kids, size: formatBytes(bytesOut), speed: (bytesIn / 1e6 / seconds).toFixed(1), check: describeCheck(verdict) });
    }
    await writeKeyServerRecord(outRoot, { origin: new URL(server.url).origin, secret, issued: server.issuedKeys() });
    return { rows, ok, skipped };
  } finally {
    await server.close();
  }
}

/** The one command that opens the page (the folder named only when it is not serve's default). */
function serveCommand(out: string): string {
  return out === 'out/demo' ? 'npx segcrypt serve' : `npx segcrypt serve ${/^[\w./-]+$/.test(out) ? out : JSON.stringify(out)}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'out/demo' }, quiet: { type: 'boolean', default: false } } });
  const outRoot = resolve(values.out!);
  const log = values.quiet ? () => {} : (l: string) => process.stdout.write(`${l}\n`);
  const { rows, ok, skipped } = await runDemo(outRoot, log);
  log('');
  log(formatSummary(rows));
  log('');
  if (!ok) log('some decryption checks FAILED');
  else if (skipped > 0) log(`${skipped} of ${rows.length} decryption checks SKIPPED (no decryptor installed); the others decrypt to the clear source; written under ${outRoot}`);
  else log(`all outputs decrypt to the clear source; written under ${outRoot}`);
  if (ok) log(`Watch them play (keys from the key server's license endpoint and key URIs only): ${serveCommand(values.out!)}`);
  return ok ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  const err = e as { code?: string; message?: string };
  process.stderr.write(`segcrypt demo: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}\n`);
  process.exitCode = 1;
});
