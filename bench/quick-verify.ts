/**
 * --quick's assertions, chosen per row that ran: every command's outputs exist; segcrypt's fMP4
 * cenc/cbcs, TS AES-128 and SAMPLE-AES outputs and the per-segment API's output decrypt through
 * an independent oracle to the clear content (and not with a wrong key); packages carry their
 * signaling; the Node floor's outputs are openssl enc's byte for byte; the measurement itself
 * produced a wall time and a peak RSS.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkDashPackageDecrypts, checkExists, checkFmp4Decrypts, checkHlsPackageDecrypts, checkPackage, checkTsAes128, checkTsSampleAes,
} from './correctness-checks.js';
import type { BenchInputs } from './inputs.js';
import { BENCH_IV, BENCH_KEY, type Job } from './jobs.js';
import type { CheckResult, RowResult } from './results-model.js';

interface ApiSample { init: Buffer; clearSegment: Buffer; encInit: Buffer; encSegment: Buffer }

export function runQuickChecks(inputs: BenchInputs, jobs: Job[], rows: RowResult[], outDir: string, api?: ApiSample): CheckResult[] {
  const checks: CheckResult[] = [];
  const ran = (id: string) => rows.find((r) => r.id === id)?.status === 'ok';
  for (const j of jobs) {
    if (j.kind !== 'command' || !ran(j.id)) continue;
    const row = rows.find((r) => r.id === j.id)!;
    checks.push({ name: `${j.tool} ${j.job}: measured`, ok: row.wallMs.length > 0 && typeof row.peakRss === 'number' && row.peakRss > 0,
      detail: `wall ${row.wallMs.join(', ')} ms, peak RSS ${row.peakRss ?? 'missing'}` });
    if (j.group === 'scaling') continue;
    for (const o of j.outputs) checks.push(checkExists(`${j.tool} ${j.job}: output`, o));
  }
  const o = (f: string) => join(outDir, f);
  for (const s of ['cenc', 'cbcs']) {
    if (ran(`segcrypt-${s}-fmp4`)) checks.push(...checkFmp4Decrypts(`segcrypt fMP4 ${s}`, o(`segcrypt-${s}.mp4`), inputs.fmp4.path, BENCH_KEY));
  }
  if (ran('segcrypt-aes-128-ts')) checks.push(...checkTsAes128('segcrypt TS AES-128', o('segcrypt-aes-128.ts'), inputs.ts.path, BENCH_KEY, BENCH_IV));
  if (ran('segcrypt-sample-aes-ts')) checks.push(...checkTsSampleAes('segcrypt TS SAMPLE-AES', o('segcrypt-sample-aes.ts'), inputs.ts.path, BENCH_KEY, BENCH_IV));
  for (const pool of [1, 2]) {
    if (ran(`segcrypt-package-dash-pool${pool}`)) {
      checks.push(checkPackage(`segcrypt package DASH pool ${pool}`, inputs.dash.dir, o(`segcrypt-package-dash-pool${pool}`), 'dash'));
      checks.push(...checkDashPackageDecrypts(`segcrypt package DASH pool ${pool}`, inputs.dash.dir, o(`segcrypt-package-dash-pool${pool}`), BENCH_KEY));
    }
    if (ran(`segcrypt-package-hls-ts-pool${pool}`)) {
      checks.push(checkPackage(`segcrypt package HLS TS pool ${pool}`, inputs.hls.dir, o(`segcrypt-package-hls-ts-pool${pool}`), 'hls'));
      checks.push(...checkHlsPackageDecrypts(`segcrypt package HLS TS pool ${pool}`, inputs.hls.dir, o(`segcrypt-package-hls-ts-pool${pool}`), BENCH_KEY));
    }
  }
  if (ran('ffmpeg-cenc-fmp4')) checks.push(...checkFmp4Decrypts('ffmpeg cenc (peer command line)', o('ffmpeg-cenc.mp4'), inputs.fmp4.path, BENCH_KEY, false).slice(0, 1));
  if (ran('openssl-enc-ts')) checks.push(...checkTsAes128('openssl enc (peer command line)', o('openssl.ts'), inputs.ts.path, BENCH_KEY, BENCH_IV).slice(0, 1));
  // The Node floor is the same job as openssl enc: the same bytes out, or it is no floor.
  for (const [floor, peer, a, b] of [['node-floor-ctr-fmp4', 'openssl-enc-ctr-fmp4', 'node-floor-ctr.mp4', 'openssl-ctr.mp4'], ['node-floor-cbc-ts', 'openssl-enc-ts', 'node-floor-cbc.ts', 'openssl.ts']] as const) {
    if (!ran(floor) || !ran(peer)) continue;
    const same = readFileSync(o(a)).equals(readFileSync(o(b)));
    checks.push({ name: `Node floor ${a}: the bytes openssl enc wrote`, ok: same, detail: same ? `${b} byte for byte` : `differs from ${b}` });
  }
  if (api) {
    const dir = mkdtempSync(join(tmpdir(), 'segcrypt-bench-api-'));
    try {
      writeFileSync(join(dir, 'clear.mp4'), Buffer.concat([api.init, api.clearSegment]));
      writeFileSync(join(dir, 'enc.mp4'), Buffer.concat([api.encInit, api.encSegment]));
      checks.push(...checkFmp4Decrypts('per-segment API (init + one segment)', join(dir, 'enc.mp4'), join(dir, 'clear.mp4'), BENCH_KEY));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return checks;
}
