/**
 * Runs one child process and measures its wall time and peak resident set size.
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M`, the kernel's ru_maxrss of the child, in
 * KiB) when it is installed. Without it, /proc/<pid>/status VmHWM is polled every 10 ms: VmHWM is
 * the process's own high-water mark, so a poll only misses growth in the last few milliseconds.
 * Wall time is taken here around the spawn (high resolution), not from time's 10 ms `%e`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measured {
  wallMs: number;
  /** Peak RSS in bytes; null when it could not be read. */
  peakRss: number | null;
  exitCode: number;
  /** Last lines of stderr (diagnostics on failure; tools print progress here). */
  stderrTail: string;
  stdout: string;
}

const GNU_TIME = '/usr/bin/time';
export const rssMethod: 'gnu-time' | 'proc-poll' = existsSync(GNU_TIME) ? 'gnu-time' : 'proc-poll';

let seq = 0;

function readVmHwm(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** `timeoutMs`: the run's whole process group is killed after it (a hung job fails instead of hanging the bench). */
export function measure(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Measured> {
  const useTime = rssMethod === 'gnu-time';
  const timeOut = join(tmpdir(), `segcrypt-bench-time-${process.pid}-${seq++}.txt`);
  const file = useTime ? GNU_TIME : cmd;
  const argv = useTime ? ['-f', '%M', '-o', timeOut, cmd, ...args] : args;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    // Own process group: a timeout kills GNU time and the measured command together.
    const child = spawn(file, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let timedOut = false;
    const timer = opts.timeoutMs ? setTimeout(() => {
      timedOut = true;
      try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, opts.timeoutMs) : undefined;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-8192); });
    let polled: number | null = null;
    const poll = useTime ? undefined : setInterval(() => {
      const v = child.pid ? readVmHwm(child.pid) : null;
      if (v !== null) polled = Math.max(polled ?? 0, v);
    }, 10);
    child.on('error', (err) => { if (poll) clearInterval(poll); clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (poll) clearInterval(poll);
      clearTimeout(timer);
      if (timedOut) stderr += `\nkilled after ${opts.timeoutMs} ms (timeout)`;
      let peakRss = polled;
      if (useTime) {
        try {
          // GNU time appends "Command exited with non-zero status N" before the format line.
          const lines = readFileSync(timeOut, 'utf8').trim().split('\n');
          const kib = Number(lines[lines.length - 1]);
          peakRss = Number.isFinite(kib) ? kib * 1024 : null;
        } catch {
          peakRss = null;
        }
        rmSync(timeOut, { force: true });
      }
      const tail = stderr.trim().split('\n').slice(-4).join('\n');
      resolve({ wallMs, peakRss, exitCode: code ?? (signal ? 128 : 1), stderrTail: tail, stdout });
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(rank, s.length) - 1];
}
