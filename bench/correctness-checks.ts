/**
 * What `--quick` asserts about the outputs it produced (never a timing): they exist, and the
 * independent oracles decrypt them back to the clear frames or bytes — ffmpeg `-decryption_key`
 * for fMP4, `openssl enc -d` for TS AES-128, ffmpeg's HLS demuxer for TS SAMPLE-AES — and a wrong
 * key does not (the check can fail).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from './results-model.js';

/**
 * Hash lines of ffmpeg's framemd5 of the decoded frames, or null when ffmpeg failed. With `pipe`,
 * ffmpeg reads the file from stdin: reading a seekable fragmented MP4 with several moofs and no
 * sidx, ffmpeg 5.1 attaches the wrong senc/saiz entries to samples (Shaka Packager's own output
 * fails the same way once its sidx is removed; see the README's compatibility notes).
 */
export function framemd5(input: string, pre: string[] = [], pipe = false): string[] | null {
  const fd = pipe ? openSync(input, 'r') : undefined;
  try {
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...pre, '-i', pipe ? 'pipe:0' : input, '-map', '0', '-f', 'framemd5', '-'],
      { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, stdio: [fd ?? 'ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) return null;
    return r.stdout.split('\n').filter((l) => l && !l.startsWith('#'));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function sameFrames(a: string[] | null, b: string[] | null): boolean {
  return !!a && !!b && a.length > 0 && a.length === b.length && a.every((l, i) => l === b[i]);
}

export function checkExists(name: string, path: string, input?: string): CheckResult {
  if (!existsSync(path)) return { name, ok: false, detail: `${path} missing` };
  const st = statSync(path);
  if (st.isDirectory()) {
    const n = readdirSync(path).length;
    return { name, ok: n > 0, detail: `${n} entries in ${path}` };
  }
  const differs = input === undefined || !readFileSync(path).equals(readFileSync(input));
  return { name, ok: st.size > 0 && differs, detail: `${st.size} bytes${differs ? '' : ', identical to the clear input'}` };
}

/**
 * ffmpeg decrypts `enc` with the key to the clear frames of `clear`, and not with a wrong key.
 * `pipe` (default) for fragmented files; a non-fragmented file with moov at the end needs seeking.
 */
export function checkFmp4Decrypts(name: string, enc: string, clear: string, keyHex: string, pipe = true): CheckResult[] {
  const want = framemd5(clear, [], pipe);
  const got = framemd5(enc, ['-decryption_key', keyHex], pipe);
  const wrongKey = keyHex.slice(0, -2) + (keyHex.endsWith('00') ? '01' : '00');
  const wrong = framemd5(enc, ['-decryption_key', wrongKey], pipe);
  return [
    { name: `${name}: ffmpeg -decryption_key gives the clear frames`, ok: sameFrames(want, got),
      detail: got ? `${got.length} frames, ${sameFrames(want, got) ? 'identical' : 'DIFFERENT'} to ${want?.length ?? 0} clear` : 'ffmpeg failed to decrypt' },
    { name: `${name}: a wrong key does not`, ok: !sameFrames(want, wrong), detail: wrong ? 'frames differ' : 'ffmpeg failed (also a difference)' },
  ];
}

/** openssl enc -d turns the AES-128 segment back into the clear bytes; a wrong key does not. */
export function checkTsAes128(name: string, enc: string, clear: string, keyHex: string, ivHex: string): CheckResult[] {
  const dec = (k: string) => spawnSync('openssl', ['enc', '-d', '-aes-128-cbc', '-K', k, '-iv', ivHex, '-in', enc], { maxBuffer: 2 ** 31 });
  const good = dec(keyHex);
  const bad = dec(keyHex.replace(/^./, (c) => (c === '0' ? '1' : '0')));
  const same = good.status === 0 && Buffer.from(good.stdout).equals(readFileSync(clear));
  return [
    { name: `${name}: openssl enc -d gives the clear TS bytes`, ok: same, detail: same ? `${good.stdout.length} bytes identical` : `openssl exit ${good.status}, bytes differ` },
    { name: `${name}: a wrong key does not`, ok: !(bad.status === 0 && Buffer.from(bad.stdout).equals(readFileSync(clear))), detail: 'bytes differ or padding rejected' },
  ];
}

/**
 * Per stream, how many of the clear frames (hashes only, from the first) the decrypted frames do
 * not reproduce; all of them when ffmpeg failed.
 */
function missingPrefixFrames(clear: string[] | null, got: string[] | null): number {
  if (!clear) return 1;
  const md5 = (l: string) => l.slice(l.lastIndexOf(',') + 1).trim();
  const stream = (l: string) => l.slice(0, l.indexOf(','));
  let bad = 0;
  for (const st of new Set(clear.map(stream))) {
    const want = clear.filter((l) => stream(l) === st).map(md5);
    const have = (got ?? []).filter((l) => stream(l) === st).map(md5);
    bad += want.filter((h, i) => have[i] !== h).length;
  }
  return bad;
}

/**
 * ffmpeg's HLS demuxer decrypts SAMPLE-AES (key from a local file) to the clear TS's frames. ffmpeg
 * 5.1 returns the access units its parsers flush at the end of a playlist after the last segment
 * is closed, with no key applied (Shaka Packager's output shows the same), so the playlist lists
 * the segment twice and each stream's first frames are compared by hash (as test/golden does).
 */
export function checkTsSampleAes(name: string, enc: string, clear: string, keyHex: string, ivHex: string): CheckResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'segcrypt-bench-hls-'));
  try {
    const play = (k: string) => {
      writeFileSync(join(dir, 'key.bin'), Buffer.from(k, 'hex'));
      const seg = [`#EXT-X-KEY:METHOD=SAMPLE-AES,URI="key.bin",IV=0x${ivHex}`, '#EXTINF:600,', enc];
      writeFileSync(join(dir, 'index.m3u8'), ['#EXTM3U', '#EXT-X-VERSION:5', '#EXT-X-TARGETDURATION:600', '#EXT-X-MEDIA-SEQUENCE:0',
        ...seg, ...seg, '#EXT-X-ENDLIST', ''].join('\n'));
      return framemd5(join(dir, 'index.m3u8'), ['-allowed_extensions', 'ALL', '-protocol_whitelist', 'file,crypto,data']);
    };
    const want = framemd5(clear);
    const got = play(keyHex);
    const wrong = play(keyHex.replace(/^./, (c) => (c === '0' ? '1' : '0')));
    const bad = missingPrefixFrames(want, got);
    const badWrong = missingPrefixFrames(want, wrong);
    return [
      { name: `${name}: ffmpeg HLS SAMPLE-AES decrypt gives the clear frames`, ok: bad === 0,
        detail: got ? `${want?.length ?? 0} clear frames, ${bad} not reproduced` : 'ffmpeg failed' },
      { name: `${name}: a wrong key does not`, ok: badWrong > (want?.length ?? 0) / 2, detail: `${badWrong} frames differ` },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The package output has its manifest with protection signaling and one output per input segment. */
export function checkPackage(name: string, inDir: string, outDir: string, kind: 'dash' | 'hls'): CheckResult {
  if (!existsSync(outDir)) return { name, ok: false, detail: `${outDir} missing` };
  const seg = kind === 'dash' ? /\.m4s$/ : /\.ts$/;
  const list = (d: string) => readdirSync(d).filter((f) => seg.test(f)).sort();
  const ins = list(inDir);
  const outs = list(outDir);
  const manifests = readdirSync(outDir).filter((f) => (kind === 'dash' ? /\.mpd$/ : /\.m3u8$/).test(f));
  const text = manifests.map((f) => readFileSync(join(outDir, f), 'utf8')).join('\n');
  const signaled = kind === 'dash' ? /<ContentProtection/.test(text) : /#EXT-X-KEY:METHOD=(SAMPLE-AES|AES-128)/.test(text);
  const changed = outs.filter((f) => ins.includes(f) && !readFileSync(join(outDir, f)).equals(readFileSync(join(inDir, f)))).length;
  const ok = signaled && outs.length === ins.length && changed === ins.length;
  return { name, ok, detail: `${outs.length}/${ins.length} segments, ${changed} changed, ${signaled ? 'protection signaled' : 'NO protection signaling'} in ${manifests.join(', ') || 'no manifest'}` };
}

/**
 * A DASH package written from ffmpeg's `init-streamN.m4s` + `chunk-streamN-*.m4s`: each
 * representation's init and segments, concatenated, decrypt through ffmpeg to the clear ones.
 */
export function checkDashPackageDecrypts(name: string, inDir: string, outDir: string, keyHex: string): CheckResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'segcrypt-bench-dash-'));
  try {
    const checks: CheckResult[] = [];
    const inits = readdirSync(outDir).filter((f) => /^init-stream\d+\.m4s$/.test(f)).sort();
    if (inits.length === 0) return [{ name: `${name}: representations`, ok: false, detail: `no init-stream*.m4s in ${outDir}` }];
    for (const init of inits) {
      const id = /\d+/.exec(init)![0];
      const join1 = (d: string, out: string) => {
        const parts = [init, ...readdirSync(d).filter((f) => f.startsWith(`chunk-stream${id}-`)).sort()];
        writeFileSync(out, Buffer.concat(parts.map((f) => readFileSync(join(d, f)))));
        return out;
      };
      checks.push(...checkFmp4Decrypts(`${name}, representation ${id}`, join1(outDir, join(dir, `enc${id}.mp4`)), join1(inDir, join(dir, `clear${id}.mp4`)), keyHex));
    }
    return checks;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An HLS TS package: every segment of every media playlist decrypts through ffmpeg, with the key
 * (from a local file) and the IV its playlist signals (explicit, or the media sequence number,
 * RFC 8216 5.2), to the clear segment's frames. Each segment is checked in a playlist of its own,
 * listed twice under one explicit IV: ffmpeg 5.1 decrypts the access unit it flushes at a segment
 * end with the next segment's key state (see checkTsSampleAes).
 */
export function checkHlsPackageDecrypts(name: string, inDir: string, outDir: string, keyHex: string): CheckResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'segcrypt-bench-hlspkg-'));
  try {
    const media = readdirSync(outDir).filter((f) => f.endsWith('.m3u8') && readFileSync(join(outDir, f), 'utf8').includes('#EXTINF'));
    if (media.length === 0) return [{ name: `${name}: media playlists`, ok: false, detail: `none in ${outDir}` }];
    const hls = ['-allowed_extensions', 'ALL', '-protocol_whitelist', 'file,crypto,data'];
    const play = (seg: string, method: string, ivHex: string, k: string) => {
      writeFileSync(join(dir, 'key.bin'), Buffer.from(k, 'hex'));
      const entry = ['#EXTINF:10,', join(outDir, seg)];
      writeFileSync(join(dir, 'one.m3u8'), ['#EXTM3U', '#EXT-X-VERSION:5', '#EXT-X-TARGETDURATION:10', '#EXT-X-MEDIA-SEQUENCE:0',
        `#EXT-X-KEY:METHOD=${method},URI="key.bin",IV=0x${ivHex}`, ...entry, ...entry, '#EXT-X-ENDLIST', ''].join('\n'));
      return framemd5(join(dir, 'one.m3u8'), hls);
    };
    const checks: CheckResult[] = [];
    for (const m of media) {
      let seq = 0;
      let key: { method: string; iv?: string } | undefined;
      let total = 0;
      let bad = 0;
      let segments = 0;
      let wrongBad = -1;
      for (const line of readFileSync(join(outDir, m), 'utf8').split('\n').map((l) => l.trim())) {
        if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) seq = Number(line.slice(22));
        else if (line.startsWith('#EXT-X-KEY:')) key = { method: /METHOD=([^,]+)/.exec(line)?.[1] ?? 'NONE', iv: /IV=0x([0-9a-fA-F]{32})/.exec(line)?.[1] };
        else if (line && !line.startsWith('#')) {
          const iv = key?.iv ?? seq.toString(16).padStart(32, '0');
          const want = framemd5(join(inDir, line));
          total += want?.length ?? 0;
          bad += missingPrefixFrames(want, play(line, key?.method ?? 'NONE', iv, keyHex));
          if (wrongBad < 0) wrongBad = missingPrefixFrames(want, play(line, key?.method ?? 'NONE', iv, keyHex.replace(/^./, (c) => (c === '0' ? '1' : '0')))) / Math.max(1, want?.length ?? 0);
          segments++;
          seq++;
        }
      }
      checks.push({ name: `${name}, ${m}: every segment decrypts (ffmpeg, signaled key and IV) to the clear frames`, ok: segments > 0 && bad === 0,
        detail: `${segments} segments, ${total} clear frames, ${bad} not reproduced` },
      { name: `${name}, ${m}: a wrong key does not`, ok: wrongBad > 0.5, detail: `${Math.round(wrongBad * 100)} % of the first segment's frames differ` });
    }
    return checks;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
