/** The bench result as markdown (bench/results/latest.md) and as the table printed to the terminal. */
import { profilesText } from './profiles.js';
import { queueScalingText } from './queue-scaling.js';
import type { BenchResult, RowResult } from './results-model.js';

const MB = 1e6;
const GROUP_TITLE: Record<string, string> = {
  ceiling: 'Ceilings', peer: 'Peers', segcrypt: 'segcrypt', scaling: 'segcrypt package (pool and queue-worker scaling)', memory: 'segcrypt memory ladder',
};

function cells(r: RowResult): string[] {
  if (r.status !== 'ok') return [r.tool, r.job, '', '', '', '', r.status + (r.note ? `: ${r.note.split('\n')[0]}` : '')];
  const size = r.inputBytes ? (r.inputBytes / MB).toFixed(0) : '';
  // `openssl speed` rows carry the tool's own MB/s and no wall time.
  const wall = r.medianMs !== undefined ? (r.medianMs / 1000).toFixed(3) : '';
  const fastest = r.wallMs.length ? (Math.min(...r.wallMs) / 1000).toFixed(3) : '';
  const rss = typeof r.peakRss === 'number' ? (r.peakRss / MB).toFixed(0) : '';
  return [r.tool, r.job, size, wall, fastest, r.mbPerS !== undefined ? r.mbPerS.toFixed(0) : '', rss];
}

function table(head: string[], body: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((b) => `| ${b.join(' | ')} |`)];
}

export function toMarkdown(res: BenchResult, chartFile: string | null): string {
  const m = res.machine;
  const v = res.versions;
  const out: string[] = [
    `# segcrypt bench (${res.mode})`, '',
    `${res.date} · ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB · load average before ${m.loadAverage.before.join(' ')}` +
      (m.loadAverage.after ? `, after ${m.loadAverage.after.join(' ')}` : ''),
    '',
    `node ${v.node} · ${v.ffmpeg ?? 'ffmpeg n/a'} · Shaka Packager ${v.shakaPackager ?? 'n/a'} · ${v.openssl ?? 'openssl n/a'} · segcrypt ${v.segcryptCommit ?? 'n/a'}`,
    '',
    `Median wall time of ${res.runsPerJob} run(s) per job, commands alternated round-robin; peak RSS is the largest over the runs ` +
      `(${res.rssMethod === 'gnu-time' ? 'GNU time %M, the child\'s ru_maxrss' : '/proc/<pid>/status VmHWM polled every 10 ms'}). ` +
      'MB = 10^6 bytes; MB/s = input size / median wall time. Reproduce with `npm run build && npm run bench`.',
    '',
  ];
  if (chartFile) out.push(`![MB/s per tool and job](${chartFile})`, '');
  const head = ['tool', 'job', 'input MB', 'wall s (median)', 'fastest s', 'MB/s', 'peak RSS MB'];
  for (const g of ['ceiling', 'peer', 'segcrypt', 'scaling', 'memory']) {
    const rows = res.rows.filter((r) => r.group === g);
    if (rows.length) out.push(`## ${GROUP_TITLE[g]}`, '', ...table(head, rows.map(cells)), '');
  }
  out.push('## Per-segment API (in process, cenc)', '');
  if (res.latency.rows.length) {
    out.push(...table(['workers', 'concurrent', 'calls', 'segment MB', 'p50 ms', 'p99 ms', 'MB/s'], res.latency.rows.map((l) => [
      l.pool ? String(l.pool) : 'in thread', String(l.concurrency), String(l.calls), (l.segmentBytes / MB).toFixed(2), l.p50Ms.toFixed(2), l.p99Ms.toFixed(2), l.mbPerS.toFixed(0)])), '');
  } else out.push(`not available: ${res.latency.note ?? 'not run'}`, '');
  if (res.queue) out.push('## Queue: 1 vs 2 workers (CPU per job)', '', ...queueScalingText(res.queue), '');
  out.push('## Targets (issue 15)', '', 'Met or missed on the medians; "fastest runs" is the same ratio over each side\'s fastest run.', '',
    ...table(['target', 'threshold', 'measured (median)', 'fastest runs', 'result', 'how'], res.targets.map((t) => [
      t.target, t.threshold, t.shown, t.fastest ?? '', t.met === null ? 'not measured' : t.met ? '**met**' : '**missed**', t.how])), '');
  if (res.profiles?.length) {
    out.push('## Where the main thread\'s time goes', '', 'Each row once more under `node --cpu-prof` (untimed; the profiler adds overhead). Reproduce one with `node --import tsx bench/cpu-profile.ts <row id>`.', '',
      ...profilesText(res.profiles));
  }
  out.push('## Ratios', '', ...table(['ratio', 'value', 'how'], res.ratios.map((r) => [
    r.label, r.value === null ? 'not measured' : r.unit === '%' ? `${(r.value * 100).toFixed(1)} %` : `${r.value.toFixed(2)}x`, r.how])), '');
  if (res.checks.length) {
    out.push('## Correctness checks', '', ...table(['check', 'result', 'detail'], res.checks.map((c) => [c.name, c.ok ? 'ok' : '**FAILED**', c.detail])), '');
  }
  out.push('## Notes on the jobs', '',
    '- Shaka Packager writes one output per stream (it does not mux), so its fMP4 and TS jobs write a video and an audio file.',
    '- ffmpeg writes a non-fragmented MP4: its fragmented cenc output (5.1, `empty_moov+frag_keyframe`) has a `saio` without `saiz` that neither ffmpeg nor Shaka Packager can read back.',
    '- `openssl enc` encrypts the whole TS as one AES-128-CBC stream, the same job as HLS AES-128 with one segment.',
    '- The Node floor (`bench/node-floor.mjs`) is the least a Node program does for the same whole-file job: one node:crypto cipher over every byte, 1 MiB reads and writes overlapping the cipher, no parsing; its output is openssl enc\'s byte for byte (checked by `--quick`). Every segcrypt whole-file row does at least its reads, writes and cipher calls (cbcs ciphers a tenth of the bytes, but CTR over every byte is the cheap part here), so a target the floor misses too is beyond Node\'s crypto on this machine.',
    '- segcrypt runs with its defaults (in thread on a 2-core machine); `package` rows set `--pool`. Between runs, `sync` (untimed) flushes the previous job\'s writes.',
    '- Every job runs without `NODE_EXTRA_CA_CERTS` (set on the dev machine for its proxy): Node parses that file\'s certificates before any JavaScript, ~0.1 s of CPU per segcrypt start that a user without it never pays; the other tools do not read it.',
    '- The per-segment API rows run in the bench process (dist/index.js), 2 MB segments cut from a 1080p30 8 Mbit/s fMP4, after a warm-up.', '');
  out.push('## Commands', '', ...res.rows.filter((r) => r.command).map((r) => `- ${r.tool}, ${r.job}: \`${r.command}\``), '');
  return out.join('\n');
}

/** A fixed-width table for the terminal. */
export function toConsole(res: BenchResult): string {
  const head = ['tool', 'job', 'input MB', 'wall s (median)', 'fastest s', 'MB/s', 'peak RSS MB'];
  const body = res.rows.map(cells).map((c) => c.map((x) => (x.length > 90 ? `${x.slice(0, 87)}...` : x)));
  for (const l of res.latency.rows) {
    body.push(['segcrypt API', `segment, ${l.pool ? `pool ${l.pool}` : 'in thread'}, x${l.concurrency}`, (l.segmentBytes / MB).toFixed(2), `p50 ${l.p50Ms.toFixed(1)} ms`, l.mbPerS.toFixed(0), `p99 ${l.p99Ms.toFixed(1)} ms`]);
  }
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const lines = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), ''];
  for (const t of res.targets) {
    lines.push(`${t.met === null ? 'n/a   ' : t.met ? 'MET   ' : 'MISSED'}  ${t.target}: ${t.shown} (target ${t.threshold})`);
  }
  for (const c of res.checks) lines.push(`${c.ok ? 'check ok    ' : 'CHECK FAILED'}  ${c.name}: ${c.detail}`);
  if (res.queue) lines.push('', 'queue, 1 vs 2 workers:', ...queueScalingText(res.queue));
  return lines.join('\n');
}
