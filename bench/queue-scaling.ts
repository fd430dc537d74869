/**
 * The queue's scale-out rows: a 5-minute DASH package (the bench's 60 s content looped: 102 jobs,
 * 50 video segments of 28 MB, 1.4 GB) encrypted through a real redis-server by 1 and by 2
 * `segcrypt worker` processes, the rounds interleaved (1 then 2, then 2 then 1, ...) so that other
 * tenants' load falls on both alike. The workers are started once, before the first round (one
 * queue for the 1-worker pool, one for the 2-worker pool), and idle between phases; a phase is
 * first job started to last job done, from the workers' own job lines. Each phase's output is
 * removed right after it (its dirty pages dropped, not written back), so no phase runs into the
 * kernel's writeback throttling of an earlier one.
 *
 * redis-server, each worker and each coordinator run in a session of their own (spawned detached),
 * as separate services would: with the kernel's autogroup scheduling (on by default), the CPU of a
 * busy machine is shared between sessions, not threads, so two workers left in the bench's session
 * would get together what one gets, and the ratio would measure other tenants' load.
 *
 * Beside the wall times: per-process CPU (user + sys of every thread, from /proc) of the workers,
 * of redis-server and of the coordinator; the workers' run-queue wait (/proc/PID/task/TID/schedstat:
 * time runnable but not running, i.e. taken by other tenants or by each other); the gaps between a
 * worker's jobs; and a local `segcrypt package --pool 0` of the same package (its CPU, and the
 * reference the queued output must equal).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_IV, BENCH_KEY, BENCH_KID } from './jobs.js';
import { median, percentile } from './measure.js';
import type { RowResult } from './results-model.js';

export const QUEUE_ROW_IDS = ['segcrypt-queue-dash-workers1', 'segcrypt-queue-dash-workers2'];

/** CPU seconds per job of each party, and what they imply. */
export interface QueueCpu {
  jobs: number;
  /** Worker CPU per job, 1-worker phases (encryption included). Coordinator CPU includes node start and module loading (once per package). */
  workerMsPerJob: number;
  /** The same, 2-worker phases (both workers): more than with 1 worker when the two contend for memory bandwidth or caches. */
  worker2MsPerJob: number;
  redisMsPerJob: number;
  coordinatorMsPerJob: number;
  /** The same package encrypted locally in one thread (`package --pool 0`): CPU per file. */
  localMsPerJob: number;
  /** What the queue adds per job: (workers + redis + coordinator - local) / jobs; the coordinator's part is mostly once per package. */
  overheadMsPerJob: number;
  /** Of the worker's CPU, its main thread's (the JavaScript: jobs, boxes, cipher calls); the rest is libuv's file I/O threads and V8's. */
  workerMainMsPerJob: number;
  /** Cores kept busy in the 1-worker phase: worker and redis-server CPU / the phase's wall time (lowered by other tenants' load). */
  busyCores1: number;
  /** Share of the 1-worker phase spent inside jobs (started -> done); the rest are the gaps between jobs. */
  inJobs1: number;
  /** Gaps between one worker's consecutive jobs (done -> next started), 1-worker phases: median and 90th percentile, ms. */
  gapMs: [number, number];
  /** Median phase and the workers' run-queue wait in it (runnable threads with no core free, summed over each worker's threads; mean of the workers), s: 1 worker, 2 workers. */
  phaseS: [number, number];
  runQueueS: [number, number];
  /**
   * What a quiet 2-core machine gives, from CPU times alone: one worker runs one job at a time (its
   * threads take turns: read, encrypt, write; the next job is fetched meanwhile), so its phase takes
   * its CPU W1; two workers need at least half of what they and redis-server spend together, and at
   * least the busier worker's CPU: min(2, W1 / max((W2 + R2) / 2, W2max)).
   */
  expectedRatio2: number;
  /** Load average (1 min) before and after. */
  load: [number, number];
}

export interface QueueScaling {
  rows: RowResult[]; cpu?: QueueCpu; note?: string;
  /** 1-worker phase / 2-worker phase, per interleaved round. */
  pairs: number[];
  /** Median wall time of `segcrypt package --queue` itself (process start to exit: planning, enqueueing, manifests included), 1 and 2 workers. */
  endToEndMs?: [number, number];
}

/** Processes of their own session: a Ctrl-C in the bench's terminal does not reach them, so the bench stops them itself. */
const detached = new Set<ChildProcess>();
function spawnDetached(cmd: string, args: string[], o: { cwd?: string; stdio: ('ignore' | 'pipe')[] }): ChildProcess {
  const p = spawn(cmd, args, { ...o, detached: true });
  detached.add(p);
  p.once('exit', () => detached.delete(p));
  return p;
}
function interrupted(): void {
  for (const p of detached) p.kill('SIGKILL');
  process.exit(130);
}

const TICK_MS = 10; // /proc CPU times are in clock ticks of 1/100 s (USER_HZ)

/** CPU of a process (all its threads, from /proc/PID/stat), or of its main thread only. */
function cpuMs(pid: number | undefined, mainThread = false): number {
  if (!pid) return 0;
  try {
    const f = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime (fields 14 and 15)
  } catch {
    return 0;
  }
}

/** Time a process's threads spent runnable but waiting for a core (schedstat's second field), ms. */
function runQueueMs(pid: number | undefined): number {
  if (!pid) return 0;
  let ns = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try { ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]); } catch { /* thread gone */ }
    }
  } catch {
    return 0;
  }
  return ns / 1e6;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

function waitFor(p: ChildProcess, stream: 'stdout' | 'stderr', text: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no "${text}" within 60 s: ${seen.slice(-300)}`)), 60_000);
    p[stream]!.on('data', (d: Buffer) => { seen += d.toString(); if (seen.includes(text)) { clearTimeout(timer); resolve(); } });
    p.once('exit', (c) => { clearTimeout(timer); reject(new Error(`${what} exited (${c}): ${seen.slice(-300)}`)); });
  });
}

/** A command's wall time and CPU (GNU time), exit code. */
function timed(cmd: string, args: string[], cwd: string): Promise<{ wallMs: number; cpuMs: number; code: number; stderr: string }> {
  const out = join(tmpdir(), `segcrypt-queue-bench-${process.pid}-${Date.now()}.txt`);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawnDetached('/usr/bin/time', ['-f', '%U %S', '-o', out, cmd, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    p.on('error', reject);
    p.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const [u, s] = readFileSync(out, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
      rmSync(out, { force: true });
      resolve({ wallMs, cpuMs: ((u ?? 0) + (s ?? 0)) * 1000, code: code ?? 1, stderr });
    });
  });
}

function sameTree(a: string, b: string): boolean {
  return spawnSync('diff', ['-rq', a, b], { stdio: 'ignore' }).status === 0;
}

/** A worker process and the times (ms, performance.now) of its job lines. */
interface BenchWorker { proc: ChildProcess; lines: { at: number; started: boolean }[] }

function startWorkers(n: number, cmd: string[], repo: string): BenchWorker[] {
  return Array.from({ length: n }, () => {
    const w: BenchWorker = { proc: spawnDetached(process.execPath, cmd, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] }), lines: [] };
    let rest = '';
    w.proc.stdout!.on('data', (d: Buffer) => {
      const at = performance.now();
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop()!;
      for (const l of lines) if (/^(started|done) /.test(l)) w.lines.push({ at, started: l.startsWith('started') });
    });
    return w;
  });
}

/** What the job lines of one phase say: its span, the jobs done, the time inside jobs, the gaps between a worker's jobs. */
function phaseOf(workers: BenchWorker[]): { first: number; last: number; done: number; inJobs: number; gaps: number[] } {
  let first = Infinity; let last = 0; let done = 0; let inJobs = 0;
  const gaps: number[] = [];
  for (const w of workers) {
    const l = w.lines;
    for (let i = 0; i < l.length; i++) {
      if (l[i]!.started) first = Math.min(first, l[i]!.at);
      else { done++; last = Math.max(last, l[i]!.at); }
      const next = l[i + 1];
      if (!next) continue;
      if (l[i]!.started && !next.started) inJobs += next.at - l[i]!.at;
      if (!l[i]!.started && next.started) gaps.push(next.at - l[i]!.at);
    }
  }
  return { first, last, done, inJobs, gaps };
}

/** percentile (measure.ts) of a list that may be empty (a phase of one job per worker has no gaps): 0. */
function gapPercentile(xs: number[], p: number): number {
  return xs.length ? percentile(xs, p) : 0;
}

export async function measureQueueScaling(o: { repo: string; dash: { dir: string; bytes: number }; rounds: number; outDir: string; log: (s: string) => void }): Promise<QueueScaling> {
  const bin = join(o.repo, 'bin', 'segcrypt.js');
  const key = ['--key', `${BENCH_KID}:${BENCH_KEY}`];
  const pkg = (out: string) => [bin, 'package', o.dash.dir, out, '--scheme', 'cenc', '--iv', BENCH_IV, ...key, '--quiet'];
  const mb = Math.round(o.dash.bytes / 1e6);
  const row = (n: number): RowResult => ({
    id: QUEUE_ROW_IDS[n - 1]!, group: 'scaling', tool: 'segcrypt', job: `package DASH (${mb} MB) cenc via Redis, ${n} worker${n > 1 ? 's' : ''} (first job started to last done)`,
    status: 'ok', inputBytes: o.dash.bytes, wallMs: [], peakRss: null,
    command: `redis-server; ${n} x \`node bin/segcrypt.js worker --redis URL --queue Q ${key.join(' ')}\`; node bin/segcrypt.js package ${o.dash.dir.split(`${o.repo}/`).join('')} OUT --queue URL --queue-name Q --scheme cenc --iv ${BENCH_IV} ${key.join(' ')}`,
  });
  const rows = [row(1), row(2)];
  const pairs: number[] = [];
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    for (const r of rows) Object.assign(r, { status: 'not available', note: 'redis-server not on PATH' });
    return { rows, pairs, note: 'redis-server not on PATH' };
  }
  // Earlier rows' dirty pages written back now, not during a phase.
  spawnSync('sync');
  const load0 = loadavg()[0]!;
  const port = await freePort();
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const redis = spawnDetached('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = `redis://127.0.0.1:${port}`;
  const tally = () => ({ busiest: [] as number[], workers: [] as number[], main: [] as number[], redis: [] as number[], coordinator: [] as number[], wall: [] as number[], inJobs: [] as number[], gaps: [] as number[], wait: [] as number[], ends: [] as number[] });
  const per = { 1: tally(), 2: tally() };
  const pools = new Map<number, BenchWorker[]>();
  let local = 0;
  let jobs = 0;
  try {
    await waitFor(redis, 'stdout', 'Ready to accept connections', 'redis-server');
    for (const n of [1, 2]) pools.set(n, startWorkers(n, [bin, 'worker', '--redis', url, '--queue', `bench-w${n}`, ...key], o.repo));
    await Promise.all([...pools.values()].flat().map((w) => waitFor(w.proc, 'stderr', 'taking jobs', 'segcrypt worker')));
    const localOut = join(o.outDir, 'queue-local');
    rmSync(localOut, { recursive: true, force: true });
    const l = await timed(process.execPath, [...pkg(localOut), '--pool', '0'], o.repo);
    if (l.code !== 0) throw new Error(`local package failed: ${l.stderr.slice(-300)}`);
    local = l.cpuMs;
    for (let round = 0; round < o.rounds; round++) {
      const wall: Record<number, number> = {};
      for (const n of round % 2 === 0 ? [1, 2] as const : [2, 1] as const) {
        const workers = pools.get(n)!;
        for (const w of workers) w.lines = [];
        const out = join(o.outDir, `queue-workers${n}`);
        rmSync(out, { recursive: true, force: true });
        const pids = workers.map((w) => w.proc.pid);
        const before = { w: pids.map((p) => cpuMs(p)), m: cpuMs(pids[0], true), r: cpuMs(redis.pid), q: pids.map(runQueueMs) };
        const c = await timed(process.execPath, [...pkg(out), '--queue', url, '--queue-name', `bench-w${n}`], o.repo);
        const each = pids.map((p, i) => cpuMs(p) - before.w[i]!);
        const workerMs = each.reduce((s, x) => s + x, 0);
        const waits = pids.map((p, i) => runQueueMs(p) - before.q[i]!);
        const redisMs = cpuMs(redis.pid) - before.r;
        const mainMs = cpuMs(pids[0], true) - before.m;
        const r = rows[n - 1]!;
        if (c.code !== 0) { Object.assign(r, { status: 'failed', note: c.stderr.replace(/\s+/g, ' ').slice(-300) }); continue; }
        if (round === 0 && !sameTree(localOut, out)) Object.assign(r, { status: 'failed', note: 'the queued package differs from the local one' });
        // Dropped while still dirty: the next phase does not wait on this one's writeback.
        rmSync(out, { recursive: true, force: true });
        const p = phaseOf(workers);
        const phase = p.last - p.first;
        const wait = waits.reduce((s, x) => s + x, 0) / n;
        r.wallMs.push(Math.round(phase * 10) / 10);
        wall[n] = phase;
        jobs = p.done;
        const m = per[n];
        m.workers.push(workerMs); m.busiest.push(Math.max(...each)); m.main.push(mainMs); m.redis.push(redisMs); m.coordinator.push(c.cpuMs); m.wall.push(phase);
        m.inJobs.push(p.inJobs / n / phase); m.gaps.push(...p.gaps); m.wait.push(wait); m.ends.push(c.wallMs);
        o.log(`queue round ${round + 1}/${o.rounds}: ${n} worker(s): phase ${(phase / 1000).toFixed(3)} s (run-queue wait ${(wait / 1000).toFixed(2)} s, gaps median ${gapPercentile(p.gaps, 50).toFixed(1)} ms), coordinator end to end ${(c.wallMs / 1000).toFixed(3)} s, ${p.done} jobs; CPU workers ${workerMs} ms (${waits.length > 1 ? 'both' : 'main thread ' + mainMs + ' ms'}), redis ${redisMs} ms, coordinator ${c.cpuMs.toFixed(0)} ms; load ${loadavg()[0]!.toFixed(1)}`);
      }
      if (wall[1] && wall[2]) pairs.push(wall[1] / wall[2]);
    }
    rmSync(localOut, { recursive: true, force: true });
  } finally {
    const all = [...pools.values()].flat();
    for (const w of all) w.proc.kill('SIGTERM');
    await Promise.all(all.map((w) => new Promise((res) => (w.proc.exitCode !== null ? res(undefined) : w.proc.once('exit', res)))));
    redis.kill('SIGTERM');
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
  for (const r of rows) if (r.status === 'ok' && r.wallMs.length) { r.medianMs = median(r.wallMs); r.mbPerS = o.dash.bytes / 1e6 / (r.medianMs / 1000); }
  const [a, b] = [per[1], per[2]];
  if (!jobs || !a.workers.length || !b.workers.length) return { rows, pairs, note: 'no CPU measured' };
  const perJob = (xs: number[]) => median(xs) / jobs;
  const total1 = median(a.workers) + median(a.redis) + median(a.coordinator);
  const cpu: QueueCpu = {
    jobs, workerMsPerJob: perJob(a.workers), worker2MsPerJob: perJob(b.workers), redisMsPerJob: perJob(a.redis), coordinatorMsPerJob: perJob(a.coordinator),
    workerMainMsPerJob: perJob(a.main), localMsPerJob: local / jobs, overheadMsPerJob: (total1 - local) / jobs,
    busyCores1: (median(a.workers) + median(a.redis)) / median(a.wall), inJobs1: median(a.inJobs),
    gapMs: [gapPercentile(a.gaps, 50), gapPercentile(a.gaps, 90)],
    phaseS: [median(a.wall) / 1000, median(b.wall) / 1000], runQueueS: [median(a.wait) / 1000, median(b.wait) / 1000],
    expectedRatio2: Math.min(2, median(a.workers) / Math.max((median(b.workers) + median(b.redis)) / 2, median(b.busiest))),
    load: [load0, loadavg()[0]!],
  };
  return { rows, cpu, pairs, endToEndMs: [median(a.ends), median(b.ends)] };
}

/** Lines for the report. */
export function queueScalingText(q: QueueScaling): string[] {
  if (!q.cpu) return [`not measured: ${q.note ?? 'not run'}`];
  const c = q.cpu;
  const f = (x: number) => x.toFixed(2);
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  return [
    `- 1-over-2 workers' phase ratio per interleaved round: ${q.pairs.map((p) => `${f(p)}x`).join(', ') || 'none'} (median ${q.pairs.length ? f(median(q.pairs)) : '-'}x); load average ${f(c.load[0])} before, ${f(c.load[1])} after.`,
    `- ${c.jobs} jobs (one per file). CPU per job: worker ${f(c.workerMsPerJob)} ms with 1 worker, ${f(c.worker2MsPerJob)} ms with 2 (encryption included; main thread ${f(c.workerMainMsPerJob)} ms, the rest libuv's file I/O threads and V8's GC helpers), redis-server ${f(c.redisMsPerJob)} ms, coordinator ${f(c.coordinatorMsPerJob)} ms (mostly once per package: node start, loading bullmq); the same package in one local thread: ${f(c.localMsPerJob)} ms per file. Queue overhead (workers + redis + coordinator - local): ${f(c.overheadMsPerJob)} ms per job.`,
    `- 1 worker: ${pct(c.inJobs1)} of its phase inside jobs, gaps between jobs ${f(c.gapMs[0])} ms median (p90 ${f(c.gapMs[1])} ms); it kept ${f(c.busyCores1)} cores busy (with redis-server). Run-queue wait (threads runnable with no free core, summed over a worker's threads): ${f(c.runQueueS[0])} s in a ${f(c.phaseS[0])} s phase with 1 worker, ${f(c.runQueueS[1])} s per worker in ${f(c.phaseS[1])} s with 2.`,
    `- From CPU times alone (load-independent), a quiet 2-core machine gives min(2, W1 / max((W2 + R2) / 2, busier worker's W)) = ${f(c.expectedRatio2)}x.`,
    ...(q.endToEndMs ? [`- \`segcrypt package --queue\` end to end (node start, planning, enqueueing, manifests included): ${(q.endToEndMs[0] / 1000).toFixed(2)} s with 1 worker, ${(q.endToEndMs[1] / 1000).toFixed(2)} s with 2 (${f(q.endToEndMs[0] / q.endToEndMs[1])}x).`] : []),
  ];
}

export function redisAvailable(): boolean {
  return existsSync('/usr/bin/redis-server') || spawnSync('redis-server', ['--version']).status === 0;
}
