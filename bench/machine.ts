/** What the numbers were measured on: machine, tool versions, load, commit. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  loadAverage: { before: number[]; after?: number[] };
}

export interface Versions {
  node: string;
  ffmpeg: string | null;
  shakaPackager: string | null;
  openssl: string | null;
  segcryptCommit: string | null;
}

function firstLine(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0 || r.error) return null;
  return (r.stdout || r.stderr).trim().split('\n')[0] ?? null;
}

export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch { /* not Linux: os.cpus() model is fine */ }
  return {
    cpuModel, cores: cpus().length, memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, kernel: release(),
    loadAverage: { before: loadavg().map((x) => Math.round(x * 100) / 100) },
  };
}

export function toolVersions(repo: string, shaka: string): Versions {
  const commit = firstLine('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']);
  const dirty = spawnSync('git', ['-C', repo, 'status', '--porcelain', '--', 'src', 'bin'], { encoding: 'utf8' }).stdout?.trim();
  return {
    node: process.version,
    ffmpeg: firstLine('ffmpeg', ['-version'])?.replace(/ Copyright.*/, '') ?? null,
    shakaPackager: firstLine(shaka, ['--version'])?.replace(/^packager version /, '') ?? null,
    openssl: firstLine('openssl', ['version'])?.replace(/ \(Library:.*\)$/, '') ?? null,
    segcryptCommit: commit ? `${commit}${dirty ? ' (+ uncommitted src changes)' : ''}` : null,
  };
}

export function hasCommand(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error && r.status === 0;
}
