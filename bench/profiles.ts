/**
 * Where the main thread's time goes in the rows whose targets are hard: each row's command run
 * under `node --cpu-prof` (untimed: the profiler adds overhead), its main thread's idle share and
 * top frames by self time. Issue 15 asks for the cbcs profile's idle share under 30% (the thread
 * busy, not waiting on reads and writes), and for the top frames wherever a target is missed.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { profileRun, type Frame } from './cpu-profile.js';
import type { Job } from './jobs.js';

export interface ProfileResult {
  id: string;
  job: string;
  /** Main-thread idle share of each run (0..1). */
  idle: number[];
  wallMs: number[];
  /** The median-idle run's main thread: sampled time and top frames. */
  sampledMs: number;
  top: Frame[];
}

/** The profiled rows: cbcs `runs` times (its idle share is a target), the others once. */
export const PROFILED = [{ id: 'segcrypt-cbcs-fmp4', repeat: true }, { id: 'segcrypt-cenc-fmp4', repeat: false }, { id: 'segcrypt-aes-128-ts', repeat: false }];

export function measureProfiles(jobs: Job[], runs: number, outDir: string, env: NodeJS.ProcessEnv, log: (s: string) => void): ProfileResult[] {
  const results: ProfileResult[] = [];
  for (const { id, repeat } of PROFILED) {
    const job = jobs.find((j) => j.id === id);
    if (!job || job.kind !== 'command' || job.unavailable) continue;
    const found: { idle: number; wallMs: number; sampledMs: number; top: Frame[] }[] = [];
    for (let i = 0; i < (repeat ? runs : 1); i++) {
      // As before a timed run: no output to replace, and the previous run's writes flushed (without
      // this, the rename over the last output and the write-back of the one before it made the cbcs
      // main thread wait: 36-47% idle, against 4-8% with a clean start).
      for (const o of job.outputs) rmSync(o, { recursive: true, force: true });
      spawnSync('sync');
      const { wallMs, profiles } = profileRun(job.args, join(outDir, 'cpu-profiles'), 10, env);
      const main = profiles.find((p) => p.mainThread);
      if (!main) throw new Error(`${id}: no main-thread profile written`);
      found.push({ idle: main.idle, wallMs, sampledMs: main.totalMs, top: main.frames });
      log(`profile ${id} ${i + 1}: main thread ${(main.idle * 100).toFixed(1)}% idle of ${main.totalMs} ms sampled`);
    }
    const chosen = [...found].sort((a, b) => a.idle - b.idle)[Math.floor(found.length / 2)]!;
    results.push({ id, job: job.job, idle: found.map((f) => f.idle), wallMs: found.map((f) => f.wallMs), sampledMs: chosen.sampledMs, top: chosen.top });
  }
  return results;
}

/** The markdown section: per profiled row, the idle shares and the top frames. */
export function profilesText(profiles: ProfileResult[]): string[] {
  const out: string[] = [];
  for (const p of profiles) {
    out.push(`**segcrypt ${p.job}**: main thread idle ${p.idle.map((x) => `${(x * 100).toFixed(1)}%`).join(', ')} ` +
      `(${p.idle.length} run${p.idle.length > 1 ? 's' : ''} under --cpu-prof, wall ${p.wallMs.map((w) => (w / 1000).toFixed(2)).join(', ')} s); ` +
      `top frames by self time of the median run (${p.sampledMs} ms sampled):`, '');
    for (const f of p.top) out.push(`- ${f.selfMs.toFixed(1)} ms (${(f.share * 100).toFixed(1)}%) \`${f.name}\``);
    out.push('');
  }
  return out;
}
