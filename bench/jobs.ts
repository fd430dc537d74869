/**
 * The rows of the bench: one job = one command line on one input, the same job for every tool.
 * Keys are fixed test keys (never a real title's key): the same KID/key for every tool so the
 * outputs are comparable (and decryptable by the checks of --quick).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchInputs } from './inputs.js';

export const BENCH_KID = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const BENCH_KEY = '5f4e3d2c1b0a99887766554433221100';
export const BENCH_IV = '00112233445566778899aabbccddeeff';

export type JobGroup = 'ceiling' | 'peer' | 'segcrypt' | 'memory' | 'scaling';

export interface CommandJob {
  kind: 'command';
  id: string;
  group: JobGroup;
  tool: string;
  job: string;
  inputBytes: number;
  cmd: string;
  args: string[];
  /** Removed (untimed) before every run, so no tool ever overwrites in place. */
  outputs: string[];
  /** Why this row cannot run here, or undefined when it can. */
  unavailable?: string;
}

/** `openssl speed`: the tool reports bytes/s itself; the run's wall time is meaningless. */
export interface SpeedJob {
  kind: 'speed';
  id: string;
  group: 'ceiling';
  tool: string;
  job: string;
  cipher: string;
  unavailable?: string;
}

export type Job = CommandJob | SpeedJob;

export interface ToolPaths {
  repo: string;
  shaka: string;
  /** segcrypt subcommands whose `--help` answered; others are "not available". */
  segcryptCommands: Set<string>;
  hasOpenssl: boolean;
  hasFfmpeg: boolean;
}

export function shakaBinary(repo: string): string {
  return join(repo, 'node_modules', 'shaka-packager', 'bin', 'packager-linux-x64');
}

export function buildJobs(inputs: BenchInputs, tools: ToolPaths, outDir: string): Job[] {
  const o = (name: string) => join(outDir, name);
  const { fmp4, ts, dash, hls } = inputs;
  const shakaKeys = ['--enable_raw_key_encryption', '--keys', `label=:key_id=${BENCH_KID}:key=${BENCH_KEY}`, '--clear_lead', '0'];
  const shakaMissing = existsSync(tools.shaka) ? undefined : `${tools.shaka} missing`;
  const opensslMissing = tools.hasOpenssl ? undefined : 'openssl not on PATH';
  const ffmpegMissing = tools.hasFfmpeg ? undefined : 'ffmpeg not on PATH';
  const segcryptBin = resolve(tools.repo, 'bin', 'segcrypt.js');
  const need = (cmd: string) => tools.segcryptCommands.has(cmd) ? undefined : `\`segcrypt ${cmd}\` not available yet`;
  const key = ['--key', `${BENCH_KID}:${BENCH_KEY}`];
  const jobs: Job[] = [];
  const cmdJob = (j: Omit<CommandJob, 'kind'>) => jobs.push({ kind: 'command', ...j });

  cmdJob({ id: 'cp-fmp4', group: 'ceiling', tool: 'cp', job: 'copy fMP4', inputBytes: fmp4.bytes,
    cmd: 'cp', args: [fmp4.path, o('cp.mp4')], outputs: [o('cp.mp4')] });
  cmdJob({ id: 'cp-ts', group: 'ceiling', tool: 'cp', job: 'copy TS', inputBytes: ts.bytes,
    cmd: 'cp', args: [ts.path, o('cp.ts')], outputs: [o('cp.ts')] });
  for (const cipher of ['aes-128-ctr', 'aes-128-cbc']) {
    jobs.push({ kind: 'speed', id: `openssl-speed-${cipher}`, group: 'ceiling', tool: 'openssl speed',
      job: `${cipher.toUpperCase()} (1 core, 16 KiB)`, cipher, unavailable: opensslMissing });
  }
  // Node's own floor (bench/node-floor.mjs): one node:crypto cipher over the whole file, read and
  // written in 1 MiB chunks, no parsing: what every segcrypt whole-file row does at the least. Its output is openssl enc's.
  const floor = resolve(tools.repo, 'bench', 'node-floor.mjs');
  cmdJob({ id: 'node-floor-ctr-fmp4', group: 'ceiling', tool: 'Node floor', job: 'fMP4 file AES-128-CTR', inputBytes: fmp4.bytes,
    cmd: process.execPath, outputs: [o('node-floor-ctr.mp4')], args: [floor, 'aes-128-ctr', BENCH_KEY, BENCH_IV, fmp4.path, o('node-floor-ctr.mp4')] });
  cmdJob({ id: 'node-floor-cbc-ts', group: 'ceiling', tool: 'Node floor', job: 'TS AES-128-CBC', inputBytes: ts.bytes,
    cmd: process.execPath, outputs: [o('node-floor-cbc.ts')], args: [floor, 'aes-128-cbc', BENCH_KEY, BENCH_IV, ts.path, o('node-floor-cbc.ts')] });

  for (const scheme of ['cenc', 'cbcs']) {
    const outs = [o(`shaka-${scheme}-v.mp4`), o(`shaka-${scheme}-a.mp4`)];
    cmdJob({ id: `shaka-${scheme}-fmp4`, group: 'peer', tool: 'Shaka Packager', job: `fMP4 ${scheme}`,
      inputBytes: fmp4.bytes, cmd: tools.shaka, unavailable: shakaMissing, outputs: outs,
      args: [`in=${fmp4.path},stream=video,output=${outs[0]}`, `in=${fmp4.path},stream=audio,output=${outs[1]}`,
        ...shakaKeys, '--protection_scheme', scheme] });
  }
  {
    const outs = [o('shaka-sample-aes-v.ts'), o('shaka-sample-aes-a.ts')];
    cmdJob({ id: 'shaka-sample-aes-ts', group: 'peer', tool: 'Shaka Packager', job: 'TS SAMPLE-AES',
      inputBytes: ts.bytes, cmd: tools.shaka, unavailable: shakaMissing, outputs: outs,
      args: [`in=${ts.path},stream=video,output=${outs[0]}`, `in=${ts.path},stream=audio,output=${outs[1]}`,
        ...shakaKeys, '--protection_scheme', 'cbcs'] });
  }
  // Non-fragmented output: ffmpeg 5.1's fragmented cenc output (empty_moov + frag_keyframe) writes a
  // saio without saiz that neither ffmpeg nor Shaka Packager can read back, so that job is not valid.
  cmdJob({ id: 'ffmpeg-cenc-fmp4', group: 'peer', tool: 'ffmpeg', job: 'fMP4 cenc', inputBytes: fmp4.bytes,
    cmd: 'ffmpeg', unavailable: ffmpegMissing, outputs: [o('ffmpeg-cenc.mp4')],
    args: ['-hide_banner', '-loglevel', 'error', '-y', '-i', fmp4.path, '-map', '0', '-c', 'copy',
      '-encryption_scheme', 'cenc-aes-ctr', '-encryption_key', BENCH_KEY, '-encryption_kid', BENCH_KID,
      o('ffmpeg-cenc.mp4')] });
  // The floor for whole-file fMP4 cenc/cbcs (issue 15): read, AES-128-CTR over every byte, write.
  cmdJob({ id: 'openssl-enc-ctr-fmp4', group: 'peer', tool: 'openssl enc', job: 'fMP4 file AES-128-CTR', inputBytes: fmp4.bytes,
    cmd: 'openssl', unavailable: opensslMissing, outputs: [o('openssl-ctr.mp4')],
    args: ['enc', '-aes-128-ctr', '-K', BENCH_KEY, '-iv', BENCH_IV, '-in', fmp4.path, '-out', o('openssl-ctr.mp4')] });
  cmdJob({ id: 'openssl-enc-ts', group: 'peer', tool: 'openssl enc', job: 'TS AES-128', inputBytes: ts.bytes,
    cmd: 'openssl', unavailable: opensslMissing, outputs: [o('openssl.ts')],
    args: ['enc', '-aes-128-cbc', '-K', BENCH_KEY, '-iv', BENCH_IV, '-in', ts.path, '-out', o('openssl.ts')] });

  for (const scheme of ['cenc', 'cbcs', 'cens', 'cbc1']) {
    cmdJob({ id: `segcrypt-${scheme}-fmp4`, group: 'segcrypt', tool: 'segcrypt', job: `fMP4 ${scheme}`,
      inputBytes: fmp4.bytes, cmd: process.execPath, unavailable: need('encrypt'), outputs: [o(`segcrypt-${scheme}.mp4`)],
      args: [segcryptBin, 'encrypt', fmp4.path, '-o', o(`segcrypt-${scheme}.mp4`), '--scheme', scheme, ...key] });
  }
  for (const scheme of ['aes-128', 'sample-aes']) {
    cmdJob({ id: `segcrypt-${scheme}-ts`, group: 'segcrypt', tool: 'segcrypt', job: `TS ${scheme.toUpperCase()}`,
      inputBytes: ts.bytes, cmd: process.execPath, unavailable: need('encrypt'), outputs: [o(`segcrypt-${scheme}.ts`)],
      args: [segcryptBin, 'encrypt', ts.path, '-o', o(`segcrypt-${scheme}.ts`), '--scheme', scheme, '--iv', BENCH_IV, ...key] });
  }
  const packages: { name: string; dir: string; bytes: number; scheme: string; extra?: string[] }[] = [
    { name: 'DASH', dir: dash.dir, bytes: dash.bytes, scheme: 'cenc' },
    // Static keys carry no HLS signaling: the EXT-X-KEY URI is given (segcrypt never writes the key).
    { name: 'HLS TS', dir: hls.dir, bytes: hls.bytes, scheme: 'sample-aes', extra: ['--key-uri', 'key.bin'] },
  ];
  for (const p of packages) {
    for (const pool of [1, 2]) {
      const slug = `${p.name.toLowerCase().replace(/\s+/g, '-')}`;
      const out = o(`segcrypt-package-${slug}-pool${pool}`);
      cmdJob({ id: `segcrypt-package-${slug}-pool${pool}`, group: 'scaling', tool: 'segcrypt',
        job: `package ${p.name} ${p.scheme}, pool ${pool}`, inputBytes: p.bytes, cmd: process.execPath,
        unavailable: need('package'), outputs: [out],
        args: [segcryptBin, 'package', p.dir, out, '--scheme', p.scheme, ...key, ...(p.extra ?? []), '--pool', String(pool)] });
    }
  }
  {
    // Key rotation (issue 13): the DASH package under a new key every segment, pool 2; compare with
    // segcrypt-package-dash-pool2 (one key). Period P's KID/key: the bench's with P in the last byte.
    const periods = Math.ceil(inputs.profile.seconds / inputs.profile.segmentSeconds) + 1;
    const schedule = Array.from({ length: periods }, (_, i) => ['--key', `${BENCH_KID.slice(0, 30)}${(i & 0xff).toString(16).padStart(2, '0')}:${BENCH_KEY.slice(0, 30)}${(i & 0xff).toString(16).padStart(2, '0')}@${i}`]).flat();
    const out = o('segcrypt-package-dash-rotation-pool2');
    cmdJob({ id: 'segcrypt-package-dash-rotation-pool2', group: 'scaling', tool: 'segcrypt',
      job: `package DASH cenc, key rotation every ${inputs.profile.segmentSeconds} s, pool 2`, inputBytes: dash.bytes, cmd: process.execPath,
      unavailable: need('package'), outputs: [out],
      args: [segcryptBin, 'package', dash.dir, out, '--scheme', 'cenc', '--key-period', String(inputs.profile.segmentSeconds), '--pssh-in-moof', ...schedule, '--pool', '2'] });
  }
  // The main input's row is segcrypt-cenc-fmp4 itself; the ladder adds the other sizes.
  for (const l of inputs.ladder) {
    if (l.path === fmp4.path) continue;
    const out = o(`segcrypt-cenc-${l.bytes}.mp4`);
    cmdJob({ id: `segcrypt-cenc-size-${l.bytes}`, group: 'memory', tool: 'segcrypt', job: `fMP4 cenc, ${l.label}`,
      inputBytes: l.bytes, cmd: process.execPath, unavailable: need('encrypt'), outputs: [out],
      args: [segcryptBin, 'encrypt', l.path, '-o', out, '--scheme', 'cenc', ...key] });
  }
  return jobs;
}
