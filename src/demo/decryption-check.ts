/**
 * The demo's self-check: one segment per output is decrypted by something other than segcrypt
 * (ffmpeg when installed, else Shaka Packager's binary for fMP4 and OpenSSL through node:crypto
 * for AES-128) and compared with the clear source. Keys go to the tools' arguments, never to logs.
 */
import { execFile } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * What one check found. A check that could not run is `skipped`, never `ok`: `ok` means the named
 * decryptor ran and what it compared was identical.
 */
export interface CheckResult {
  status: 'ok' | 'failed' | 'skipped';
  /** The tool that decrypted (not segcrypt): "ffmpeg", "Shaka Packager", "OpenSSL (node:crypto)". */
  decryptor: string;
  /** What was compared with the clear source, e.g. "decoded frames" or "segment bytes". */
  compared: string;
  detail: string;
}

/** One line for the summary table: status, who decrypted, what was compared, the finding. */
export function describeCheck(r: CheckResult): string {
  return r.status === 'skipped'
    ? `skipped: ${r.detail}`
    : `${r.status === 'ok' ? 'ok' : 'FAILED'}: ${r.decryptor} compared ${r.compared} (${r.detail})`;
}

interface Comparison { same: boolean; detail: string }

let ffmpegPresent: boolean | undefined;
async function hasFfmpeg(): Promise<boolean> {
  if (ffmpegPresent === undefined) {
    ffmpegPresent = await run('ffmpeg', ['-version'], { timeout: 10_000 }).then(() => true, () => false);
  }
  return ffmpegPresent;
}

function shakaBinary(): string | undefined {
  try {
    const req = createRequire(import.meta.url);
    const dir = join(req.resolve('shaka-packager/package.json'), '..', 'bin');
    const bin = join(dir, process.arch === 'arm64' ? 'packager-linux-arm64' : 'packager-linux-x64');
    return process.platform === 'linux' && existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

async function framemd5(args: string[]): Promise<string[]> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', ...args, '-f', 'framemd5', '-'], { timeout: 60_000, maxBuffer: 64 << 20 });
  return stdout.split('\n').filter((l) => l && !l.startsWith('#'));
}

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'segcrypt-demo-check-'));
  try { return await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

/** Frames compared as (stream, pts, hash) lines in a canonical order: demuxers may interleave streams differently. */
function sameFrames(got: string[], want: string[]): Comparison {
  const a = [...got].sort();
  const b = [...want].sort();
  if (a.length === 0 || b.length === 0) return { same: false, detail: 'no frames decoded' };
  if (a.length !== b.length) return { same: false, detail: `${a.length} frames decoded, ${b.length} expected` };
  const diff = a.findIndex((l, i) => l !== b[i]);
  return diff < 0 ? { same: true, detail: `${a.length} frames identical` } : { same: false, detail: `frame ${a[diff]!.split(',').slice(0, 2).join(',')} differs` };
}

const FRAMES = "decoded frames (stream, pts, md5) with the clear segment's";

/** Payloads of every top-level `mdat`: the sample bytes, whatever muxer wrote the boxes around them. */
function mdatPayloads(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let o = 0; o + 8 <= buf.length;) {
    let size = buf.readUInt32BE(o);
    let header = 8;
    if (size === 1) { size = Number(buf.readBigUInt64BE(o + 8)); header = 16; }
    if (size === 0) size = buf.length - o;
    if (size < header) break;
    if (buf.toString('latin1', o + 4, o + 8) === 'mdat') parts.push(buf.subarray(o + header, o + size));
    o += size;
  }
  return Buffer.concat(parts);
}

/** An fMP4 init + media segment, encrypted with `key`, decrypts to the clear segment's frames. */
export async function checkFmp4(clear: Buffer[], encrypted: Buffer[], kid: Buffer, key: Buffer): Promise<CheckResult> {
  return withTemp(async (dir) => {
    const clearPath = join(dir, 'clear.mp4');
    const encPath = join(dir, 'enc.mp4');
    await writeFile(clearPath, Buffer.concat(clear));
    await writeFile(encPath, Buffer.concat(encrypted));
    if (await hasFfmpeg()) {
      const got = await framemd5(['-decryption_key', key.toString('hex'), '-i', encPath]);
      const want = await framemd5(['-i', clearPath]);
      const r = sameFrames(got, want);
      return { status: r.same ? 'ok' : 'failed', decryptor: 'ffmpeg', compared: FRAMES, detail: r.detail };
    }
    const shaka = shakaBinary();
    if (!shaka) return { status: 'skipped', decryptor: 'none', compared: 'nothing', detail: 'no decryptor for fMP4: install ffmpeg (apt-get install ffmpeg)' };
    const decPath = join(dir, 'dec.mp4');
    const stream = (await readFile(encPath)).includes(Buffer.from('vide')) ? 'video' : 'audio';
    await run(shaka, [`in=${encPath},stream=${stream},output=${decPath}`, '--enable_raw_key_decryption',
      '--keys', `label=:key_id=${kid.toString('hex')}:key=${key.toString('hex')}`], { timeout: 60_000 });
    const dec = mdatPayloads(await readFile(decPath));
    const same = dec.length > 0 && dec.equals(mdatPayloads(await readFile(clearPath)));
    return { status: same ? 'ok' : 'failed', decryptor: 'Shaka Packager', compared: "sample bytes (mdat payloads) with the clear segment's",
      detail: same ? `${dec.length} bytes identical` : 'bytes differ' };
  });
}

/** HLS AES-128: the whole segment decrypts (AES-128-CBC, PKCS7) to the exact clear bytes. */
export function checkAes128(clear: Buffer, encrypted: Buffer, key: Buffer, iv: Buffer): CheckResult {
  const base = { decryptor: 'OpenSSL (node:crypto)', compared: "the whole segment's bytes with the clear segment's" };
  try {
    const d = createDecipheriv('aes-128-cbc', key, iv);
    const plain = Buffer.concat([d.update(encrypted), d.final()]);
    return plain.equals(clear) ? { ...base, status: 'ok', detail: `${plain.length} bytes identical` } : { ...base, status: 'failed', detail: 'bytes differ' };
  } catch {
    return { ...base, status: 'failed', detail: 'padding check failed' };
  }
}

/**
 * HLS SAMPLE-AES TS: ffmpeg's HLS demuxer decrypts one segment to the clear segment's frames.
 * ffmpeg 5.1 leaves the final PES of its last segment undecrypted (it flushes it at end of input
 * without the key), so the playlist lists the segment twice under the same explicit IV and each
 * stream's first frames (as many as the clear segment has) are compared.
 */
export async function checkSampleAes(clear: Buffer, encrypted: Buffer, key: Buffer, iv: Buffer): Promise<CheckResult> {
  if (!(await hasFfmpeg())) return { status: 'skipped', decryptor: 'none', compared: 'nothing', detail: 'no decryptor for SAMPLE-AES TS: install ffmpeg (apt-get install ffmpeg)' };
  return withTemp(async (dir) => {
    await writeFile(join(dir, 'clear.ts'), clear);
    await writeFile(join(dir, 'seg.ts'), encrypted);
    await writeFile(join(dir, 'key.bin'), key);
    await writeFile(join(dir, 'index.m3u8'), ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:10', '#EXT-X-MEDIA-SEQUENCE:0',
      `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="key.bin",IV=0x${iv.toString('hex')}`, '#EXTINF:10,', 'seg.ts', '#EXTINF:10,', 'seg.ts', '#EXT-X-ENDLIST', ''].join('\n'));
    const got = byStream(await framemd5(['-allowed_extensions', 'ALL', '-protocol_whitelist', 'file,crypto,data', '-i', join(dir, 'index.m3u8')]));
    const want = byStream(await framemd5(['-i', join(dir, 'clear.ts')]));
    let frames = 0;
    for (const [stream, hashes] of want) {
      const r = sameFrames((got.get(stream) ?? []).slice(0, hashes.length), hashes);
      if (!r.same) return { status: 'failed', decryptor: 'ffmpeg', compared: FRAMES, detail: `stream ${stream}: ${r.detail}` };
      frames += hashes.length;
    }
    return frames > 0
      ? { status: 'ok', decryptor: 'ffmpeg', compared: FRAMES, detail: `${frames} frames identical` }
      : { status: 'failed', decryptor: 'ffmpeg', compared: FRAMES, detail: 'no frames decoded' };
  });
}

/** framemd5 lines grouped by stream index, in output order, as "pts,hash". */
function byStream(lines: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const l of lines) {
    const f = l.split(',').map((x) => x.trim());
    const list = out.get(f[0]!) ?? [];
    list.push(`${f[1]},${f[5]}`);
    out.set(f[0]!, list);
  }
  return out;
}
