/**
 * The queue's scale-out rows: the bench's DASH package encrypted through a real redis-server by 1
 * and by 2 `segcrypt worker` processes (started before the clock starts, stopped after it), the
 * rounds interleaved (1 then 2, then 2 then 1, ...) so that other tenants' load falls on both
 * alike. The wall time is the coordinator's (`segcrypt package --queue`). Beside it, the CPU time
 * (user + sys from /proc) of the workers, of redis-server and of the coordinator, and of a local
 * `segcrypt package --pool 0` run of the same package: CPU per job does not depend on how loaded
 * the machine is, and says what a quiet machine would show.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_IV, BENCH_KEY, BENCH_KID } from './jobs.js';
import { median } from './measure.js';
import type { RowResult } from './results-model.js';

export const QUEUE_ROW_IDS = ['segcrypt-queue-dash-workers1', 'segcrypt-queue-dash-workers2'];

/** CPU seconds per job of each party, and what they imply. */
export interface QueueCpu {
  jobs: number;
  /** Worker CPU per job, 1-worker rounds (encryption included). Coordinator CPU includes node start and module loading (once per package). */
  workerMsPerJob: number;
  redisMsPerJob: number;
  coordinatorMsPerJob: number;
  /** The same package encrypted locally in one thread (`package --pool 0`): CPU per file. */
  localMsPerJob: number;
  /** What the queue adds per job: (workers + redis + coordinator - local) / jobs; the coordinator's part is mostly once per package (node start, module loading). */
  overheadMsPerJob: number;
  /** Of the worker's CPU, its main thread's (the JavaScript: jobs, boxes, cipher calls); the rest is libuv's file I/O threads. */
  workerMainMsPerJob: number;
  /** Cores kept busy in the 1-worker phase: worker and redis-server CPU / the phase's wall time (inflated by other tenants' load). */
  busyCores1: number;
  /**
   * What a quiet 2-core machine gives, from CPU times alone. A worker with concurrency 1 runs one
   * job at a time, each step (fetch, read, encrypt, write, complete) waiting on the one before:
   * its phase takes at least its CPU plus redis-server's. Two workers need at least half of what
   * they and redis-server spend together: min(2, 2 x (W1 + R1) / (W2 + R2)).
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

const TICK_MS = 10; // /proc CPU times are in clock ticks of 1/100 s (USER_HZ)

/** CPU of a process (all its threads), or of its main thread only. */
function cpuMs(pid: number | undefined, mainThread = false): number {
  if (!pid) return 0;
  try {
    const f = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime (fields 14 and 15)
  } catch {
    return 0;
  }
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
    const p = spawn('/usr/bin/time', ['-f', '%U %S', '-o', out, cmd, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
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

export async function measureQueueScaling(o: { repo: string; dash: { dir: string; bytes: number }; rounds: number; outDir: string; log: (s: string) => void }): Promise<QueueScaling> {
  const bin = join(o.repo, 'bin', 'segcrypt.js');
  const key = ['--key', `${BENCH_KID}:${BENCH_KEY}`];
  const pkg = (out: string) => [bin, 'package', o.dash.dir, out, '--scheme', 'cenc', '--iv', BENCH_IV, ...key, '--quiet'];
  const row = (n: number): RowResult => ({
    id: QUEUE_ROW_IDS[n - 1]!, group: 'scaling', tool: 'segcrypt', job: `package DASH cenc via Redis, ${n} worker${n > 1 ? 's' : ''} (first job started to last done)`,
    status: 'ok', inputBytes: o.dash.bytes, wallMs: [], peakRss: null,
    command: `redis-server; ${n} x \`node bin/segcrypt.js worker --redis URL --queue Q ${key.join(' ')}\`; node bin/segcrypt.js package ${o.dash.dir.split(`${o.repo}/`).join('')} OUT --queue URL --queue-name Q --scheme cenc --iv ${BENCH_IV} ${key.join(' ')}`,
  });
  const rows = [row(1), row(2)];
  const pairs: number[] = [];
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    for (const r of rows) Object.assign(r, { status: 'not available', note: 'redis-server not on PATH' });
    return { rows, pairs, note: 'redis-server not on PATH' };
  }
  const load0 = loadavg()[0]!;
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = `redis://127.0.0.1:${port}`;
  const cpu1 = { workers: [] as number[], main: [] as number[], redis: [] as number[], coordinator: [] as number[], wall: [] as number[] };
  const cpu2 = { workers: [] as number[], redis: [] as number[] };
  const local: number[] = [];
  const ends1: number[] = [];
  const ends2: number[] = [];
  let jobs = 0;
  try {
    await waitFor(redis, 'stdout', 'Ready to accept connections', 'redis-server');
    const localOut = join(o.outDir, 'queue-local');
    for (let round = 0; round < o.rounds; round++) {
      rmSync(localOut, { recursive: true, force: true });
      spawnSync('sync');
      const l = await timed(process.execPath, [...pkg(localOut), '--pool', '0'], o.repo);
      if (l.code !== 0) throw new Error(`local package failed: ${l.stderr.slice(-300)}`);
      local.push(l.cpuMs);
      const order = round % 2 === 0 ? [1, 2] : [2, 1];
      const wall: Record<number, number> = {};
      for (const n of order) {
        const queue = `bench-${round}-${n}`;
        const workers = Array.from({ length: n }, () => spawn(process.execPath, [bin, 'worker', '--redis', url, '--queue', queue, ...key], { cwd: o.repo, stdio: ['ignore', 'pipe', 'pipe'] }));
        // The workers' phase, as the workers' own job lines show it: first job started -> last job done.
        let done = 0;
        let first = 0;
        let last = 0;
        for (const w of workers) {
          w.stdout!.on('data', (d: Buffer) => {
            const now = performance.now();
            const text = d.toString();
            if (!first && /^started /m.test(text)) first = now;
            const n = (text.match(/^done /gm) ?? []).length;
            if (n) { done += n; last = now; }
          });
        }
        try {
          await Promise.all(workers.map((w) => waitFor(w, 'stderr', 'taking jobs', 'segcrypt worker')));
          const out = join(o.outDir, `queue-workers${n}`);
          rmSync(out, { recursive: true, force: true });
          spawnSync('sync');
          const before = { w: workers.map((w) => cpuMs(w.pid)), m: cpuMs(workers[0]!.pid, true), r: cpuMs(redis.pid) };
          const c = await timed(process.execPath, [...pkg(out), '--queue', url, '--queue-name', queue], o.repo);
          const workerMs = workers.reduce((s, w, i) => s + cpuMs(w.pid) - before.w[i]!, 0);
          const redisMs = cpuMs(redis.pid) - before.r;
          const mainMs = cpuMs(workers[0]!.pid, true) - before.m;
          const r = rows[n - 1]!;
          if (c.code !== 0) { Object.assign(r, { status: 'failed', note: c.stderr.replace(/\s+/g, ' ').slice(-300) }); continue; }
          if (round === 0 && !sameTree(localOut, out)) Object.assign(r, { status: 'failed', note: 'the queued package differs from the local one' });
          const phase = last - first;
          r.wallMs.push(Math.round(phase * 10) / 10);
          wall[n] = phase;
          (n === 1 ? ends1 : ends2).push(c.wallMs);
          jobs = done;
          if (n === 1) { cpu1.workers.push(workerMs); cpu1.main.push(mainMs); cpu1.redis.push(redisMs); cpu1.coordinator.push(c.cpuMs); cpu1.wall.push(phase); } else { cpu2.workers.push(workerMs); cpu2.redis.push(redisMs); }
          o.log(`queue round ${round + 1}/${o.rounds}: ${n} worker(s): workers' phase ${(phase / 1000).toFixed(3)} s, coordinator end to end ${(c.wallMs / 1000).toFixed(3)} s, ${done} jobs; CPU workers ${workerMs} ms, redis ${redisMs} ms, coordinator ${c.cpuMs.toFixed(0)} ms; local --pool 0 CPU ${l.cpuMs.toFixed(0)} ms; load ${loadavg()[0]!.toFixed(1)}`);
        } finally {
          for (const w of workers) w.kill('SIGTERM');
          await Promise.all(workers.map((w) => new Promise((res) => (w.exitCode !== null ? res(undefined) : w.once('exit', res)))));
        }
      }
      if (wall[1] && wall[2]) pairs.push(wall[1] / wall[2]);
    }
  } finally {
    redis.kill('SIGTERM');
  }
  for (const r of rows) if (r.status === 'ok' && r.wallMs.length) { r.medianMs = median(r.wallMs); r.mbPerS = o.dash.bytes / 1e6 / (r.medianMs / 1000); }
  if (!jobs || !cpu1.workers.length || !cpu2.workers.length) return { rows, pairs, note: 'no CPU measured' };
  const per = (xs: number[]) => median(xs) / jobs;
  const total1 = median(cpu1.workers) + median(cpu1.redis) + median(cpu1.coordinator);
  const busyCores1 = (median(cpu1.workers) + median(cpu1.redis)) / median(cpu1.wall);
  const cpu: QueueCpu = {
    jobs, workerMsPerJob: per(cpu1.workers), redisMsPerJob: per(cpu1.redis), coordinatorMsPerJob: per(cpu1.coordinator),
    workerMainMsPerJob: per(cpu1.main), localMsPerJob: median(local) / jobs, overheadMsPerJob: (total1 - median(local)) / jobs,
    busyCores1, expectedRatio2: Math.min(2, (2 * (median(cpu1.workers) + median(cpu1.redis))) / (median(cpu2.workers) + median(cpu2.redis))), load: [load0, loadavg()[0]!],
  };
  return { rows, cpu, pairs, ...(ends1.length && ends2.length ? { endToEndMs: [median(ends1), median(ends2)] as [number, number] } : {}) };
}

/** Lines for the report. */
export function queueScalingText(q: QueueScaling): string[] {
  if (!q.cpu) return [`not measured: ${q.note ?? 'not run'}`];
  const c = q.cpu;
  const f = (x: number) => x.toFixed(2);
  return [
    `- ${c.jobs} jobs (one per file). CPU per job, 1 worker: worker ${f(c.workerMsPerJob)} ms (encryption included; main thread ${f(c.workerMainMsPerJob)} ms, the rest file I/O threads), redis-server ${f(c.redisMsPerJob)} ms, coordinator ${f(c.coordinatorMsPerJob)} ms; the same package in one local thread: ${f(c.localMsPerJob)} ms per file.`,
    `- Queue overhead (workers + redis + coordinator - local): ${f(c.overheadMsPerJob * c.jobs)} ms of CPU per package, ${f(c.overheadMsPerJob)} ms per job (the coordinator's part is mostly once per package: node start, loading bullmq).`,
    `- From CPU times alone (load-independent): 1 worker (one job at a time, each step waiting on the one before) needs at least its CPU plus redis-server's, 2 workers at least half of theirs and redis-server's, so on 2 quiet cores 2 workers reach about ${f(c.expectedRatio2)}x of 1 worker (min(2, 2 x (W1 + R1) / (W2 + R2))). The 1-worker phase kept ${f(c.busyCores1)} cores busy here.`,
    `- 1-over-2 workers' phase ratio per interleaved round: ${q.pairs.map((p) => `${f(p)}x`).join(', ') || 'none'} (median ${q.pairs.length ? f(median(q.pairs)) : '-'}x); load average ${f(c.load[0])} before, ${f(c.load[1])} after.`,
    ...(q.endToEndMs ? [`- \`segcrypt package --queue\` end to end (node start, planning, enqueueing, manifests included): ${(q.endToEndMs[0] / 1000).toFixed(2)} s with 1 worker, ${(q.endToEndMs[1] / 1000).toFixed(2)} s with 2 (${f(q.endToEndMs[0] / q.endToEndMs[1])}x).`] : []),
  ];
}

export function redisAvailable(): boolean {
  return existsSync('/usr/bin/redis-server') || spawnSync('redis-server', ['--version']).status === 0;
}
