/**
 * `node --import tsx bench/cpu-profile.ts [job-id] [--top N]`
 *
 * Runs one bench row's segcrypt command under `node --cpu-prof` (the main thread and every worker
 * thread write their own .cpuprofile) and prints the top frames by self time per profile, so the
 * report can say what bounds a job. Default job: segcrypt-cenc-fmp4 on the full inputs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FULL, prepareInputs } from './inputs.js';
import { buildJobs, shakaBinary } from './jobs.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface Frame { name: string; selfMs: number; share: number }

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Self time per function (name + file:line), largest first. */
export function topFrames(p: CpuProfile, top: number): { totalMs: number; frames: Frame[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const n = byId.get(id);
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    if (!n) return;
    const f = n.callFrame;
    const file = f.url.startsWith('file:') ? relative(repo, fileURLToPath(f.url)) : f.url;
    const where = file ? `${file}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const frames = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, ms]) => ({ name, selfMs: Math.round(ms * 10) / 10, share: total ? ms / total : 0 }));
  return { totalMs: Math.round(total), frames };
}

/** Share of the sampled time spent in `(idle)`: the thread waiting (issue 15: under 30% in the cbcs profile). */
export function idleShare(p: CpuProfile): number {
  const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  let total = 0;
  let waiting = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    if (idle.has(id)) waiting += dt;
  });
  return total ? waiting / total : 0;
}

export interface ThreadProfile { file: string; mainThread: boolean; totalMs: number; idle: number; frames: Frame[] }

/**
 * One run of `node <args>` under --cpu-prof into an emptied `profDir`: the wall time and each
 * thread's profile (the main thread's file has thread id 0: CPU.<date>.<time>.<pid>.0.<seq>).
 */
export function profileRun(args: string[], profDir: string, top: number, env: NodeJS.ProcessEnv = process.env): { wallMs: number; profiles: ThreadProfile[] } {
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir, { recursive: true });
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, ...args], { cwd: repo, encoding: 'utf8', env });
  const wallMs = Date.now() - t0;
  if (r.status !== 0) throw new Error(`exited ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  const profiles = readdirSync(profDir).filter((x) => x.endsWith('.cpuprofile')).sort().map((file) => {
    const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as CpuProfile;
    const { totalMs, frames } = topFrames(profile, top);
    return { file, mainThread: /^CPU\.\d+\.\d+\.\d+\.0\./.test(file), totalMs, idle: idleShare(profile), frames };
  });
  return { wallMs, profiles };
}

function main(): void {
  const argv = process.argv.slice(2);
  const topAt = argv.indexOf('--top');
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 15;
  const id = argv.find((a, i) => !a.startsWith('--') && (topAt < 0 || i !== topAt + 1)) ?? 'segcrypt-cenc-fmp4';
  const inputs = prepareInputs(join(repo, 'bench', '.cache'), FULL, (m) => process.stderr.write(m + '\n'));
  const outDir = join(repo, 'bench', '.cache', 'out-profile');
  const profDir = join(repo, 'bench', '.cache', 'cpu-profiles');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  spawnSync('sync'); // the last run's writes flushed first, as before a timed bench run (bench/profiles.ts)
  const jobs = buildJobs(inputs, { repo, shaka: shakaBinary(repo), segcryptCommands: new Set(['encrypt', 'package']), hasOpenssl: true, hasFfmpeg: true }, outDir);
  const job = jobs.find((j) => j.id === id);
  if (!job || job.kind !== 'command' || job.cmd !== process.execPath) {
    throw new Error(`no segcrypt job '${id}'; one of: ${jobs.filter((j) => j.tool === 'segcrypt').map((j) => j.id).join(', ')}`);
  }
  const { wallMs, profiles } = profileRun(job.args, profDir, top);
  process.stdout.write(`${id}: ${wallMs} ms wall under --cpu-prof (profiling adds overhead)\n`);
  for (const p of profiles) {
    process.stdout.write(`\n${p.file}${p.mainThread ? ' (main thread)' : ''} (${p.totalMs} ms sampled, ${(p.idle * 100).toFixed(1)}% idle)\n`);
    for (const fr of p.frames) process.stdout.write(`  ${fr.selfMs.toFixed(1).padStart(8)} ms ${(fr.share * 100).toFixed(1).padStart(5)}%  ${fr.name}\n`);
  }
  process.stdout.write(`\nprofiles: ${relative(repo, profDir)}/ (open in Chrome DevTools > Performance)\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
