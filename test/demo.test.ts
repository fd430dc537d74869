// The demo (`npm start`) as a test, run under `node --no-addons` by native-free/check.mjs: one run
// proves the main job works end to end and that nothing in it loads a native addon.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

t.test('npm start demo runs under --no-addons and every output decrypts', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'segcrypt-demo-test-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, ['native-free/check.mjs', out], { encoding: 'utf8', timeout: 300_000 });
  t.equal(r.status, 0, `demo exit 0\n${r.stdout}\n${r.stderr}`);
  t.match(r.stdout, /native-free: the demo ran under node --no-addons/);
  // Each row names who decrypted (never segcrypt) and what it compared, with a non-zero count.
  const FRAMES = "ffmpeg compared decoded frames \\(stream, pts, md5\\) with the clear segment's \\([1-9]\\d* frames identical\\)";
  const BYTES = "OpenSSL \\(node:crypto\\) compared the whole segment's bytes with the clear segment's \\([1-9]\\d* bytes identical\\)";
  const expected: [string, string][] = [['dash-cenc', FRAMES], ['dash-cbcs', FRAMES], ['hls-fmp4-cbcs', FRAMES], ['hls-ts-aes128', BYTES], ['hls-ts-sample-aes', FRAMES]];
  for (const [name, check] of expected) {
    t.match(r.stdout, new RegExp(`^${name}/\\s.*\\sok: ${check}$`, 'm'), `${name}: decryption check ok, naming the decryptor and what it compared`);
  }
  t.notMatch(r.stdout, /skipped/i, 'no check skipped');
  const mpd = readFileSync(join(out, 'dash-cenc', 'manifest.mpd'), 'utf8');
  t.match(mpd, /urn:mpeg:dash:mp4protection:2011/, 'DASH manifest signals protection');
  t.ok(existsSync(join(out, 'hls-ts-aes128', 'seg_000.ts')));
  t.notMatch(r.stdout + r.stderr, /[0-9a-f]{32}/i, 'no 128-bit key material (or full KID) printed');
});

t.test('a check that cannot run says skipped, not ok', async (t) => {
  // A PATH without ffmpeg: the SAMPLE-AES check has no decryptor (this process has not asked for ffmpeg yet).
  const bin = mkdtempSync(join(tmpdir(), 'segcrypt-demo-noffmpeg-'));
  const saved = process.env.PATH;
  t.teardown(() => { process.env.PATH = saved; rmSync(bin, { recursive: true, force: true }); });
  for (const d of (saved ?? '').split(':')) {
    if (!d || !existsSync(d)) continue;
    for (const f of readdirSync(d)) if (f !== 'ffmpeg' && !existsSync(join(bin, f))) symlinkSync(join(d, f), join(bin, f));
  }
  process.env.PATH = bin;
  const { checkSampleAes, describeCheck } = await import('../src/demo/decryption-check.js');
  const seg = readFileSync('samples/hls-ts/seg_000.ts');
  const r = await checkSampleAes(seg, seg, Buffer.alloc(16), Buffer.alloc(16));
  t.equal(r.status, 'skipped');
  t.match(describeCheck(r), /^skipped: no decryptor for SAMPLE-AES TS: install ffmpeg/);
  t.notMatch(describeCheck(r), /^ok/);
});
