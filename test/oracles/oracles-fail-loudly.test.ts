/**
 * The oracle helpers themselves: a missing ffmpeg, an ffmpeg that decodes nothing, a missing
 * Chromium must fail the tests that use them. Before, `framemd5Pipe` ignored ffmpeg's exit code and
 * test/api/segment-encryptor.test.ts scored 27/27 with ffmpeg hidden from PATH (two empty frame
 * lists compare equal); the player tests skipped themselves when Chromium was absent.
 *
 * "Hidden from PATH": a directory of symlinks to every program on PATH except ffmpeg and ffprobe,
 * so `nice`, `openssl` and the rest still run.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { readdirSync, symlinkSync, existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { framemd5, framemd5Lenient, probe } from './ffmpeg.js';
import { REPO_ROOT, runTool, SAMPLES } from './run-tool.js';
import { scratchDir } from './scratch-dir.js';
import { validateXml } from './xmllint.js';
import { framemd5Pipe, framemd5PipeLenient } from '../api/ffmpeg-pipe.js';
import { hlsFrames } from '../golden/ts-hls-oracle.js';

const HIDDEN = new Set(['ffmpeg', 'ffprobe']);

/** A PATH with every program of the current one but ffmpeg and ffprobe. */
function pathWithoutFfmpeg(dir: string): string {
  for (const d of (process.env.PATH ?? '').split(':')) {
    if (!d || !existsSync(d) || !statSync(d).isDirectory()) continue;
    for (const name of readdirSync(d)) {
      if (HIDDEN.has(name) || existsSync(path.join(dir, name))) continue;
      symlinkSync(path.join(d, name), path.join(dir, name));
    }
  }
  return dir;
}

interface ChildRun { code: number | null; output: string }

/** One test file in a fresh node (tsx loader), as tap would run it, with extra environment. */
function runTestFile(file: string, env: Record<string, string>): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', file], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => { output += d; });
    p.stderr.setEncoding('utf8').on('data', (d: string) => { output += d; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, output }));
  });
}

const clip = path.join(SAMPLES, 'media', 'avc.mp4');

t.test('with ffmpeg hidden from PATH, every ffmpeg helper rejects (lenient ones too)', async (t) => {
  const bin = pathWithoutFfmpeg(scratchDir(t, 'segcrypt-no-ffmpeg-'));
  const saved = process.env.PATH;
  process.env.PATH = bin;
  t.teardown(() => { process.env.PATH = saved; });
  await t.rejects(framemd5(clip), /ffmpeg/, 'framemd5');
  await t.rejects(framemd5Lenient(clip, { decryptionKey: Buffer.alloc(16) }), /ffmpeg/, 'framemd5Lenient (negative tests) still needs ffmpeg');
  await t.rejects(framemd5Pipe(clip, 'v'), /ffmpeg/, 'framemd5Pipe');
  await t.rejects(framemd5PipeLenient(clip, 'v', '00'.repeat(16)), /ffmpeg/, 'framemd5PipeLenient');
  await t.rejects(hlsFrames(path.join(SAMPLES, 'hls-ts', 'index.m3u8')), /ffmpeg/, 'hlsFrames');
  await t.rejects(hlsFrames(path.join(SAMPLES, 'hls-ts', 'index.m3u8'), { lenient: true }), /ffmpeg/, 'hlsFrames, lenient');
  await t.rejects(probe(clip), /ffprobe/, 'ffprobe');
});

t.test('an ffmpeg that exits 0 with no frame is an error, not an empty match', async (t) => {
  const dir = scratchDir(t);
  // `-t 0`: ffmpeg opens the file, decodes nothing and exits 0.
  await t.rejects(framemd5(clip, { seconds: 0 }), /no frames decoded/, 'framemd5, zero seconds');
  writeFileSync(path.join(dir, 'empty.m3u8'), '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n');
  await t.rejects(hlsFrames(path.join(dir, 'empty.m3u8')), /ffmpeg/, 'hlsFrames of a playlist without segments');
});

t.test('a tool that cannot be started rejects even in lenient mode', async (t) => {
  await t.rejects(runTool('/nonexistent/packager-linux-x64', ['--version'], { lenient: true }), /failed to run \(ENOENT\)/);
  await t.rejects(runTool('nice', ['-n', '10', '/nonexistent/ffmpeg'], { lenient: true }), /could not be started/);
});

t.test('a representative ffmpeg-using test file FAILS when ffmpeg is missing', async (t) => {
  const bin = pathWithoutFfmpeg(scratchDir(t, 'segcrypt-no-ffmpeg-'));
  const r = await runTestFile('test/api/segment-encryptor.test.ts', { PATH: bin });
  t.not(r.code, 0, 'segment-encryptor.test.ts exits non-zero', { tail: r.output.slice(-600) });
  t.match(r.output, /not ok .*ffmpeg/, 'and says ffmpeg is why');
});

t.test('the player tests FAIL without Chromium unless SEGCRYPT_SKIP_PLAYERS=1 opts out', async (t) => {
  const nowhere = { SEGCRYPT_CHROMIUM: '/nonexistent/chromium', SEGCRYPT_SKIP_PLAYERS: '' };
  const missing = await runTestFile('test/golden/ts-players.test.ts', nowhere);
  t.not(missing.code, 0, 'ts-players.test.ts exits non-zero', { tail: missing.output.slice(-600) });
  t.match(missing.output, /\/nonexistent\/chromium not found/, 'and names the missing browser');
  const optedOut = await runTestFile('test/golden/ts-players.test.ts', { ...nowhere, SEGCRYPT_SKIP_PLAYERS: '1' });
  t.equal(optedOut.code, 0, 'with the opt-out it exits 0', { tail: optedOut.output.slice(-600) });
  t.match(optedOut.output, /# SKIP SEGCRYPT_SKIP_PLAYERS=1/, 'and reports a skip, not a pass');
});

t.test('xmllint-wasm stands in for a missing /usr/bin/xmllint with the same verdicts', async (t) => {
  const dir = scratchDir(t);
  const schema = path.join(REPO_ROOT, 'test', 'signaling', 'schema', 'mpd-protection.xsd');
  const bad = path.join(dir, 'bad.mpd');
  writeFileSync(bad, '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period/></MPD>');
  const saved = process.env.SEGCRYPT_XMLLINT;
  process.env.SEGCRYPT_XMLLINT = 'wasm';
  t.teardown(() => { if (saved === undefined) delete process.env.SEGCRYPT_XMLLINT; else process.env.SEGCRYPT_XMLLINT = saved; });
  const good = await validateXml(path.join(SAMPLES, 'dash', 'manifest.mpd'), schema);
  t.same([good.validator, good.valid], ['xmllint-wasm', true], 'a real MPD validates');
  const r = await validateXml(bad, schema);
  t.same([r.validator, r.valid], ['xmllint-wasm', false], 'an MPD without @profiles does not');
  t.match(r.report, /profiles/);
});
