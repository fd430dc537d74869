/**
 * `segcrypt package --content-id X` asks the key server for X's keys (it sent the input folder's
 * name). Proof from outside our bookkeeping: the Widevine PSSH the server built carries X, and
 * the key the server issues for (X, the video KID) decrypts the package's video with ffmpeg.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { framemd5Pipe, framemd5PipeLenient } from '../api/ffmpeg-pipe.js';
import { startKeyServer } from '../../src/key-server/index.js';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'segcrypt.js'), ...args], { timeout: 120_000 });
    let stdout = ''; let stderr = '';
    p.stdout.on('data', (d) => { stdout += String(d); });
    p.stderr.on('data', (d) => { stderr += String(d); });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const ffmpegFrames = async (file: string, key?: string, lenient = false) => {
  const r = await (lenient ? framemd5PipeLenient : framemd5Pipe)(file, 'v', key);
  return { code: r.exitCode, frames: r.digests };
};

t.test('package --content-id: keys issued for that title', async (t) => {
  const server = await startKeyServer();
  t.teardown(() => server.close());
  const out = path.join(scratchDir(t, 'segcrypt-cid-'), 'out');
  const r = await cli(['package', path.join(SAMPLES, 'dash-shaka'), out, '--scheme', 'cenc', '--speke-url', server.url, '--content-id', 'title-7f3a', '--drm', 'widevine', '--json']);
  t.equal(r.code, 0, 'package exits 0', { stderr: r.stderr });
  const json = JSON.parse(r.stdout) as { kids: { video: string } };
  const mpd = readFileSync(path.join(out, 'manifest.mpd'), 'utf8');
  const pssh = [...mpd.matchAll(/<cenc:pssh[^>]*>([^<]+)<\/cenc:pssh>/g)].map((m) => Buffer.from(m[1]!, 'base64'));
  t.ok(pssh.length > 0, 'the MPD carries the server\'s pssh');
  t.ok(pssh.every((b) => b.includes('title-7f3a')), 'the Widevine PSSH names the content id given');
  t.notOk(pssh.some((b) => b.includes('dash-shaka')), 'not the input folder\'s name');

  const client = new SpekeClient({ url: server.url, version: 2, drmSystems: ['widevine'] });
  const issued = async (contentId: string) => (await client.getKeys({ contentId, trackTypes: ['video'], scheme: 'cenc', kids: [json.kids.video] })).keys[0]!.key.toString('hex');
  const right = await issued('title-7f3a');
  const folder = await issued('dash-shaka');
  t.not(right, folder, 'the two content ids get different keys for the same KID');
  const join = (dir: string, name: string) => {
    const segs = readdirSync(path.join(dir, 'video')).filter((f) => f.endsWith('.m4s')).sort((a, b) => parseInt(a) - parseInt(b));
    const file = path.join(path.dirname(out), name);
    writeFileSync(file, Buffer.concat([readFileSync(path.join(dir, 'video', 'init.mp4')), ...segs.map((f) => readFileSync(path.join(dir, 'video', f)))]));
    return file;
  };
  const clear = await ffmpegFrames(join(path.join(SAMPLES, 'dash-shaka'), 'clear.mp4'));
  t.equal(clear.code, 0);
  t.ok(clear.frames.length > 100, `${clear.frames.length} clear frames`);
  const enc = join(out, 'video.mp4');
  const good = await ffmpegFrames(enc, right);
  t.equal(good.code, 0);
  t.same(good.frames, clear.frames, 'the key issued for the given content id decrypts the video to the clear frames');
  const bad = await ffmpegFrames(enc, folder, true);
  t.notSame(bad.frames, clear.frames, 'the key for the folder name does not');
});
