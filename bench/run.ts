/**
 * `npm run bench [-- --quick] [--runs N] [--only SUBSTR] [--no-latency] [--update-readme]`
 *
 * Generates (once) the inputs, runs every row's command round-robin (the order rotates each
 * round), takes the median wall time and the largest peak RSS, measures the per-segment API in
 * process, evaluates issue 15's targets, and writes bench/results/latest.{md,json,svg}. --quick uses
 * tiny inputs, one run each, writes under bench/.cache/quick-results/ and asserts correctness of
 * every output it made (exit 1 on a failed job or check), never a timing. --only writes under
 * bench/.cache/only-results/ (a partial run never replaces bench/results/). --update-readme rewrites
 * the numbers between README.md's bench markers (a full run only).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { FULL, QUICK, prepareInputs } from './inputs.js';
import { BENCH_KEY, BENCH_KID, buildJobs, shakaBinary, type CommandJob, type Job } from './jobs.js';
import { hasCommand, machineInfo, toolVersions } from './machine.js';
import { measure, median, rssMethod } from './measure.js';
import { runQuickChecks } from './quick-verify.js';
import { toConsole, toMarkdown } from './report-markdown.js';
import { toSvg } from './report-chart.js';
import { updateReadme } from './readme-section.js';
import type { BenchResult, RowResult } from './results-model.js';
import { loadSegmentApi, measureSegmentLatency, type LatencyRow } from './segment-latency.js';
import { measureQueueScaling, QUEUE_ROW_IDS, type QueueScaling } from './queue-scaling.js';
import { measureProfiles, type ProfileResult } from './profiles.js';
import { comparisonRatios, evaluateTargets } from './targets.js';

/**
 * The jobs' environment: this one without NODE_EXTRA_CA_CERTS. Node parses every certificate of
 * that file (and the root store) before it runs any JavaScript; the dev machine sets it for its
 * proxy, which cost each segcrypt row ~0.1 s of CPU and wall at start (`node -e 0`: 0.15 -> 0.04 s
 * wall under load) that a user without the variable never pays. The other tools do not read it.
 */
const { NODE_EXTRA_CA_CERTS: _unused, ...JOB_ENV } = process.env;

/** In the calling thread once, then a pool of 2 (this machine's cores) under 1, 2 and 4 concurrent callers. */
const LATENCY_LEVELS = [{ pool: 0, concurrency: 1 }, { pool: 2, concurrency: 1 }, { pool: 2, concurrency: 2 }, { pool: 2, concurrency: 4 }];

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Args { quick: boolean; runs: number; only?: string; latency: boolean; updateReadme: boolean }

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, runs: 0, latency: true, updateReadme: false };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--quick') a.quick = true;
    else if (v === '--runs') a.runs = Number(argv[++i]);
    else if (v === '--only') a.only = argv[++i]; // job ids are lower case: --only TS matches the -ts rows
    else if (v === '--no-latency') a.latency = false;
    else if (v === '--update-readme') a.updateReadme = true;
    else throw new Error(`bench: unknown argument ${v} (use --quick, --runs N, --only SUBSTR, --no-latency, --update-readme)`);
  }
  if (!a.runs) a.runs = a.quick ? 1 : 5;
  if (!Number.isInteger(a.runs) || a.runs < 1) throw new Error('bench: --runs wants a positive integer');
  return a;
}

/** segcrypt subcommands that answer `--help` with exit 0 in the built CLI. */
function segcryptCommands(): Set<string> {
  const have = new Set<string>();
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) return have;
  for (const c of ['encrypt', 'package']) {
    if (hasCommand(process.execPath, [join(repo, 'bin', 'segcrypt.js'), c, '--help'])) have.add(c);
  }
  return have;
}

/** Paths inside the repo shown relative to it, also inside arguments such as Shaka's `in=...,output=...`. */
const rel = (s: string) => (s === repo ? '.' : s.split(`${repo}/`).join(''));

function commandLine(j: CommandJob): string {
  const cmd = j.cmd === process.execPath ? 'node' : rel(j.cmd);
  return [cmd, ...j.args.map((x) => (/[\s$*]/.test(x) ? `'${x}'` : rel(x)))].join(' ');
}

async function runSpeed(cipher: string): Promise<{ mbPerS: number | null; note?: string }> {
  const m = await measure('openssl', ['speed', '-mr', '-evp', cipher, '-seconds', '1', '-bytes', '16384']);
  const f = /^\+F:\d+:[^:]+:([\d.]+)/m.exec(m.stdout);
  return f ? { mbPerS: Number(f[1]) / 1e6 } : { mbPerS: null, note: `openssl speed output not understood (exit ${m.exitCode})` };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(s + '\n');
  const profile = args.quick ? QUICK : FULL;
  const inputs = prepareInputs(join(repo, 'bench', '.cache'), profile, log);
  const outDir = join(repo, 'bench', '.cache', `out-${profile.name}`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const shaka = shakaBinary(repo);
  const machine = machineInfo();
  const jobs = buildJobs(inputs, {
    repo, shaka, segcryptCommands: segcryptCommands(),
    hasOpenssl: hasCommand('openssl', ['version']), hasFfmpeg: hasCommand('ffmpeg', ['-version']),
  }, outDir).filter((j) => !args.only || j.id.includes(args.only.toLowerCase()));
  if (!args.quick && machine.loadAverage.before[0] >= 1) log(`note: load average ${machine.loadAverage.before[0]} >= 1, timings will be noisy`);

  const rows = new Map<string, RowResult>(jobs.map((j) => [j.id, {
    id: j.id, group: j.group, tool: j.tool, job: j.job, status: j.unavailable ? 'not available' : 'ok', note: j.unavailable,
    command: j.kind === 'command' ? commandLine(j) : `openssl speed -mr -evp ${j.cipher} -seconds 1 -bytes 16384`,
    inputBytes: j.kind === 'command' ? j.inputBytes : undefined, wallMs: [], peakRss: null,
  } satisfies RowResult]));
  const speeds = new Map<string, number[]>();
  const live = (j: Job) => rows.get(j.id)!.status === 'ok';

  for (let round = 0; round < args.runs; round++) {
    const order = jobs.slice(round % jobs.length).concat(jobs.slice(0, round % jobs.length));
    for (const j of order.filter(live)) {
      const row = rows.get(j.id)!;
      if (j.kind === 'speed') {
        const s = await runSpeed(j.cipher);
        if (s.mbPerS === null) Object.assign(row, { status: 'failed', note: s.note });
        else speeds.set(j.id, [...(speeds.get(j.id) ?? []), s.mbPerS]);
        continue;
      }
      for (const o of j.outputs) rmSync(o, { recursive: true, force: true });
      // Flush the previous job's dirty pages outside the timed region, so no run pays for another's writes.
      if (!args.quick) spawnSync('sync');
      const m = await measure(j.cmd, j.args, { cwd: repo, env: JOB_ENV, timeoutMs: args.quick ? 60_000 : 300_000 });
      log(`round ${round + 1}/${args.runs} ${j.tool.padEnd(14)} ${j.job.padEnd(34)} ${(m.wallMs / 1000).toFixed(3)} s` +
        `${m.peakRss ? `  ${(m.peakRss / 1e6).toFixed(0)} MB` : ''}${m.exitCode ? `  EXIT ${m.exitCode}` : ''}`);
      if (m.exitCode !== 0) {
        Object.assign(row, { status: 'failed', note: `exit ${m.exitCode}: ${m.stderrTail.replace(/\s+/g, ' ').slice(0, 300)}` });
        continue;
      }
      row.wallMs.push(Math.round(m.wallMs * 10) / 10);
      if (m.peakRss !== null) row.peakRss = Math.max(row.peakRss ?? 0, m.peakRss);
    }
  }
  for (const row of rows.values()) {
    if (row.status !== 'ok') continue;
    const s = speeds.get(row.id);
    if (s) Object.assign(row, { mbPerS: median(s), peakRss: undefined, inputBytes: undefined });
    else if (row.wallMs.length) {
      row.medianMs = median(row.wallMs);
      row.mbPerS = (row.inputBytes ?? 0) / 1e6 / (row.medianMs / 1000);
    }
  }

  // The queue rows need a redis-server and worker processes around the timed run: measured apart, rounds interleaved.
  let queue: QueueScaling | undefined;
  if (!args.only || QUEUE_ROW_IDS.some((id) => id.includes(args.only!.toLowerCase()))) {
    if (segcryptCommands().has('package')) {
      queue = await measureQueueScaling({ repo, dash: inputs.queueDash, rounds: args.runs, outDir, log });
      for (const r of queue.rows) rows.set(r.id, r);
    }
  }

  let latency: { rows: LatencyRow[]; note?: string } = { rows: [], note: 'skipped (--no-latency)' };
  let apiSample: Awaited<ReturnType<typeof measureSegmentLatency>>['sample'] | undefined;
  if (args.latency) {
    const api = await loadSegmentApi(repo);
    if (typeof api === 'string') latency = { rows: [], note: api };
    else {
      try {
        const r = await measureSegmentLatency(api, inputs.segmentSource.path,
          { kid: Buffer.from(BENCH_KID, 'hex'), key: Buffer.from(BENCH_KEY, 'hex') },
          { levels: LATENCY_LEVELS, ...(args.quick ? { callsPerLevel: 8, warmup: 1 } : { callsPerLevel: 200, warmup: 20 }) });
        latency = { rows: r.rows };
        apiSample = r.sample;
      } catch (err) {
        latency = { rows: [], note: `failed: ${(err as Error).message}` };
      }
    }
  }
  // Untimed: the rows with hard targets once more under --cpu-prof (cbcs as many times as the rows ran).
  let profiles: ProfileResult[] = [];
  let profileError: string | undefined;
  try {
    profiles = measureProfiles(jobs.filter(live), args.runs, outDir, JOB_ENV, log);
  } catch (err) {
    profileError = (err as Error).message;
    log(`profiles failed: ${profileError}`);
  }
  machine.loadAverage.after = loadavg().map((x) => Math.round(x * 100) / 100);

  const rowList = [...rows.values()];
  const checks = args.quick ? runQuickChecks(inputs, jobs, rowList, outDir, apiSample) : [];
  const result: BenchResult = {
    mode: profile.name, date: new Date().toISOString(), runsPerJob: args.runs, rssMethod, machine,
    versions: toolVersions(repo, shaka),
    inputs: Object.fromEntries(([
      ['fmp4', inputs.fmp4], ['ts', inputs.ts], ['dash', { path: inputs.dash.dir, bytes: inputs.dash.bytes }],
      ['hls', { path: inputs.hls.dir, bytes: inputs.hls.bytes }], ['segmentSource', inputs.segmentSource],
      ...inputs.ladder.map((l, i) => [`ladder${i}`, l]),
    ] as [string, { path: string; bytes: number }][]).map(([k, v]) => [k, { path: rel(v.path), bytes: v.bytes }])),
    rows: rowList, latency, ratios: comparisonRatios(rowList), targets: evaluateTargets(rowList, latency.rows, queue?.pairs, profiles), checks,
    ...(queue ? { queue } : {}), ...(profiles.length ? { profiles } : {}),
  };

  // A partial run (--only) never replaces the full run's results.
  const resultsDir = args.quick ? join(repo, 'bench', '.cache', 'quick-results') : args.only ? join(repo, 'bench', '.cache', 'only-results') : join(repo, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(join(resultsDir, 'latest.svg'), toSvg(result));
  writeFileSync(join(resultsDir, 'latest.md'), toMarkdown(result, 'latest.svg'));
  process.stdout.write(toConsole(result) + `\n\nwritten: ${rel(resultsDir)}/latest.{md,json,svg}\n`);
  if (args.updateReadme && !args.quick && !args.only) {
    log(updateReadme(join(repo, 'README.md'), result) ? 'README.md: Performance numbers updated' : 'README.md: no bench markers, not updated');
  }

  const failed = rowList.filter((r) => r.status === 'failed');
  const badChecks = checks.filter((c) => !c.ok);
  if (failed.length || badChecks.length || latency.note?.startsWith('failed') || profileError) {
    log(`bench: ${failed.length} job(s) failed, ${badChecks.length} check(s) failed${latency.note?.startsWith('failed') ? ', per-segment API failed' : ''}${profileError ? ', profiles failed' : ''}`);
    return 1;
  }
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 2;
});
