/**
 * Issue 15's targets (issue 8's, with the fMP4 goal against `openssl enc -aes-128-ctr` over the
 * same file instead of 4x Shaka Packager, which this machine does not allow), each a ratio
 * measured in the same run, and the comparison ratios the report quotes. A target whose rows did not run is "not measured" (met: null), never "met".
 */
import { median } from './measure.js';
import type { ProfileResult } from './profiles.js';
import type { LatencyRow } from './segment-latency.js';
import type { RatioResult, RowResult, TargetResult } from './results-model.js';

const MB = 1e6;

function ok(rows: RowResult[], id: string): RowResult | undefined {
  const r = rows.find((x) => x.id === id);
  return r && r.status === 'ok' ? r : undefined;
}

/** a / b of median wall times (how many times faster b is than a). */
function wallRatio(rows: RowResult[], a: string, b: string): number | null {
  const ra = ok(rows, a);
  const rb = ok(rows, b);
  return ra?.medianMs && rb?.medianMs ? ra.medianMs / rb.medianMs : null;
}

/** a / b of the fastest wall times. */
function fastestRatio(rows: RowResult[], a: string, b: string): string | undefined {
  const ra = ok(rows, a);
  const rb = ok(rows, b);
  return ra?.wallMs.length && rb?.wallMs.length ? `${(Math.min(...ra.wallMs) / Math.min(...rb.wallMs)).toFixed(2)}x` : undefined;
}

function atLeast(target: string, how: string, value: number | null, min: number, fastest?: string): TargetResult {
  return { target, threshold: `>= ${min}x`, measured: value, shown: value === null ? 'not measured' : `${value.toFixed(2)}x`,
    met: value === null ? null : value >= min, how, ...(fastest ? { fastest } : {}) };
}

function atMost(target: string, how: string, value: number | null, max: number, unit: 'x' | 'MB' | 'ms' | '%', fastest?: string): TargetResult {
  const shown = value === null ? 'not measured' : unit === 'x' ? `${value.toFixed(2)}x` : `${value.toFixed(1)} ${unit}`;
  return { target, threshold: `<= ${max}${unit === 'x' ? 'x' : ` ${unit}`}`, measured: value, shown,
    met: value === null ? null : value <= max, how, ...(fastest ? { fastest } : {}) };
}

/** `queuePairs`: the queue rows' 1-over-2 ratio per interleaved round (both phases of a round share the machine's load). */
export function evaluateTargets(rows: RowResult[], latency: LatencyRow[], queuePairs: number[] = [], profiles: ProfileResult[] = []): TargetResult[] {
  const t: TargetResult[] = [];
  for (const s of ['cenc', 'cbcs']) {
    t.push(atMost(`fMP4 ${s}: wall time against openssl enc -aes-128-ctr`, `segcrypt ${s} wall / openssl enc -aes-128-ctr wall (same file)`,
      wallRatio(rows, `segcrypt-${s}-fmp4`, 'openssl-enc-ctr-fmp4'), 1.2, 'x', fastestRatio(rows, `segcrypt-${s}-fmp4`, 'openssl-enc-ctr-fmp4')));
  }
  const cbcs = profiles.find((p) => p.id === 'segcrypt-cbcs-fmp4');
  t.push(atMost('fMP4 cbcs: main thread idle under --cpu-prof', `(idle) share of the main thread's samples${cbcs ? `, median of ${cbcs.idle.length} run(s) under --cpu-prof` : ''}`,
    cbcs ? median(cbcs.idle) * 100 : null, 30, '%'));
  t.push(atLeast('TS AES-128: faster than openssl enc', 'openssl enc -aes-128-cbc wall / segcrypt aes-128 wall',
    wallRatio(rows, 'openssl-enc-ts', 'segcrypt-aes-128-ts'), 1.5, fastestRatio(rows, 'openssl-enc-ts', 'segcrypt-aes-128-ts')));
  t.push(atLeast('TS SAMPLE-AES: faster than Shaka Packager', 'Shaka SAMPLE-AES wall / segcrypt sample-aes wall',
    wallRatio(rows, 'shaka-sample-aes-ts', 'segcrypt-sample-aes-ts'), 2, fastestRatio(rows, 'shaka-sample-aes-ts', 'segcrypt-sample-aes-ts')));

  const ours = rows.filter((r) => r.tool === 'segcrypt' && r.status === 'ok' && typeof r.peakRss === 'number');
  for (const [label, pick, max] of [['single-file', (r: RowResult) => r.group !== 'scaling', 120], ['package', (r: RowResult) => r.group === 'scaling', 150]] as const) {
    const worst = ours.filter(pick).reduce<RowResult | undefined>((w, r) => (!w || (r.peakRss ?? 0) > (w.peakRss ?? 0) ? r : w), undefined);
    t.push(atMost(`Peak RSS of every segcrypt ${label} run`, `largest peak RSS over the segcrypt ${label} rows${worst ? ` (${worst.job})` : ''}`,
      worst?.peakRss ? worst.peakRss / MB : null, max, 'MB'));
  }

  const ladder = rows.filter((r) => (r.group === 'memory' || r.id === 'segcrypt-cenc-fmp4') && r.status === 'ok' && r.peakRss)
    .sort((a, b) => (a.inputBytes ?? 0) - (b.inputBytes ?? 0));
  const flat = ladder.length >= 2 ? ((ladder.at(-1)!.peakRss ?? 0) - (ladder[0].peakRss ?? 0)) / MB : null;
  t.push(atMost('Memory flat with input size', ladder.length >= 2
    ? `peak RSS at ${((ladder.at(-1)!.inputBytes ?? 0) / MB).toFixed(0)} MB input - at ${((ladder[0].inputBytes ?? 0) / MB).toFixed(0)} MB`
    : 'peak RSS largest input - smallest input', flat, 20, 'MB'));

  for (const p of ['dash', 'hls-ts']) {
    t.push(atLeast(`package ${p === 'dash' ? 'DASH' : 'HLS TS'}: pool 2 over pool 1`, 'pool-1 wall / pool-2 wall',
      wallRatio(rows, `segcrypt-package-${p}-pool1`, `segcrypt-package-${p}-pool2`), 1.6, fastestRatio(rows, `segcrypt-package-${p}-pool1`, `segcrypt-package-${p}-pool2`)));
  }
  t.push(atLeast('package DASH through the queue: 2 workers over 1', `1-worker phase / 2-worker phase (first job started to last done, same Redis)${queuePairs.length ? ', median over the interleaved rounds' : ''}`,
    queuePairs.length ? median(queuePairs) : wallRatio(rows, 'segcrypt-queue-dash-workers1', 'segcrypt-queue-dash-workers2'), 1.6, fastestRatio(rows, 'segcrypt-queue-dash-workers1', 'segcrypt-queue-dash-workers2')));
  const levels = latency.length ? latency : [1, 2, 4].map((c) => ({ pool: 2, concurrency: c, calls: 0, segmentBytes: 0, p99Ms: NaN }));
  for (const l of levels) {
    const measured = l.calls > 0 ? l.p99Ms : null;
    t.push(atMost(`Per-segment API p99, ${l.pool ? `pool ${l.pool}` : 'in thread'}, ${l.concurrency} concurrent`,
      measured === null ? 'p99 latency' : `p99 of ${l.calls} calls, ${(l.segmentBytes / MB).toFixed(2)} MB segment`, measured, 10, 'ms'));
  }
  return t;
}

export function comparisonRatios(rows: RowResult[]): RatioResult[] {
  const speed = (id: string, row: string): number | null => {
    const s = ok(rows, id);
    const r = ok(rows, row);
    return s?.mbPerS && r?.mbPerS ? r.mbPerS / s.mbPerS : null;
  };
  return [
    { label: 'segcrypt cenc vs ffmpeg cenc (fMP4)', value: wallRatio(rows, 'ffmpeg-cenc-fmp4', 'segcrypt-cenc-fmp4'), how: 'ffmpeg wall / segcrypt wall', unit: 'x' },
    { label: 'segcrypt cenc vs Shaka cenc (fMP4)', value: wallRatio(rows, 'shaka-cenc-fmp4', 'segcrypt-cenc-fmp4'), how: 'Shaka wall / segcrypt wall', unit: 'x' },
    { label: 'segcrypt cbcs vs Shaka cbcs (fMP4)', value: wallRatio(rows, 'shaka-cbcs-fmp4', 'segcrypt-cbcs-fmp4'), how: 'Shaka wall / segcrypt wall', unit: 'x' },
    { label: 'segcrypt cbcs wall vs openssl enc -aes-128-ctr (fMP4 file)', value: wallRatio(rows, 'segcrypt-cbcs-fmp4', 'openssl-enc-ctr-fmp4'), how: 'segcrypt wall / openssl wall', unit: 'x' },
    { label: 'openssl enc -aes-128-ctr wall vs cp (fMP4 file)', value: wallRatio(rows, 'openssl-enc-ctr-fmp4', 'cp-fmp4'), how: 'openssl wall / cp wall', unit: 'x' },
    { label: 'segcrypt cenc wall vs cp', value: wallRatio(rows, 'segcrypt-cenc-fmp4', 'cp-fmp4'), how: 'segcrypt wall / cp wall', unit: 'x' },
    { label: 'segcrypt TS AES-128 vs openssl enc', value: wallRatio(rows, 'openssl-enc-ts', 'segcrypt-aes-128-ts'), how: 'openssl wall / segcrypt wall', unit: 'x' },
    { label: 'segcrypt TS AES-128 wall vs cp', value: wallRatio(rows, 'segcrypt-aes-128-ts', 'cp-ts'), how: 'segcrypt wall / cp wall', unit: 'x' },
    { label: 'Node floor vs openssl enc -aes-128-cbc (TS): what any Node program reached', value: wallRatio(rows, 'openssl-enc-ts', 'node-floor-cbc-ts'), how: 'openssl wall / Node floor wall', unit: 'x' },
    { label: 'segcrypt TS AES-128 wall vs Node floor (TS, AES-128-CBC)', value: wallRatio(rows, 'segcrypt-aes-128-ts', 'node-floor-cbc-ts'), how: 'segcrypt wall / Node floor wall', unit: 'x' },
    { label: 'Node floor AES-128-CTR wall vs openssl enc -aes-128-ctr (fMP4 file)', value: wallRatio(rows, 'node-floor-ctr-fmp4', 'openssl-enc-ctr-fmp4'), how: 'Node floor wall / openssl wall', unit: 'x' },
    { label: 'segcrypt cenc wall vs Node floor (fMP4 file, AES-128-CTR over every byte)', value: wallRatio(rows, 'segcrypt-cenc-fmp4', 'node-floor-ctr-fmp4'), how: 'segcrypt wall / Node floor wall', unit: 'x' },
    { label: 'segcrypt cbcs wall vs Node floor (fMP4 file, AES-128-CTR over every byte)', value: wallRatio(rows, 'segcrypt-cbcs-fmp4', 'node-floor-ctr-fmp4'), how: 'segcrypt wall / Node floor wall', unit: 'x' },
    { label: 'segcrypt SAMPLE-AES vs Shaka SAMPLE-AES (TS)', value: wallRatio(rows, 'shaka-sample-aes-ts', 'segcrypt-sample-aes-ts'), how: 'Shaka wall / segcrypt wall', unit: 'x' },
    { label: 'segcrypt cenc, share of the AES-128-CTR ceiling', value: speed('openssl-speed-aes-128-ctr', 'segcrypt-cenc-fmp4'), how: 'segcrypt MB/s / openssl speed MB/s (one core)', unit: '%' },
    { label: 'segcrypt TS AES-128, share of the AES-128-CBC ceiling', value: speed('openssl-speed-aes-128-cbc', 'segcrypt-aes-128-ts'), how: 'segcrypt MB/s / openssl speed MB/s (one core)', unit: '%' },
  ];
}
