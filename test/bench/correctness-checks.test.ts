/**
 * The bench's oracle checks must be able to fail: fed outputs of the peers (ffmpeg cenc, openssl
 * enc), they pass; fed the wrong clear reference or a wrong key, they fail.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../oracles/run-tool.js';
import { checkFmp4Decrypts, checkTsAes128, checkTsSampleAes } from '../../bench/correctness-checks.js';
import { prepareInputs, QUICK } from '../../bench/inputs.js';
import { BENCH_IV, BENCH_KEY, BENCH_KID, shakaBinary } from '../../bench/jobs.js';

// The checkout (also from the compiled mirror .test-build/, where bench/.cache may not exist yet): bench
// inputs and results live in its bench/.cache.
const repo = REPO_ROOT;
const inputs = prepareInputs(join(repo, 'bench', '.cache'), QUICK, () => {});
const dir = mkdtempSync(join(tmpdir(), 'segcrypt-bench-checks-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('fMP4 check: ffmpeg cenc output decrypts to the clear frames, and not to another clip', async (t) => {
  const enc = join(dir, 'ffmpeg-cenc.mp4');
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', inputs.fmp4.path, '-map', '0', '-c', 'copy',
    '-encryption_scheme', 'cenc-aes-ctr', '-encryption_key', BENCH_KEY, '-encryption_kid', BENCH_KID, enc]);
  t.equal(r.status, 0, 'ffmpeg encrypts');
  const good = checkFmp4Decrypts('ffmpeg cenc', enc, inputs.fmp4.path, BENCH_KEY, false);
  t.same(good.map((c) => c.ok), [true, true], good.map((c) => c.detail).join('; '));
  const otherClip = checkFmp4Decrypts('ffmpeg cenc vs another clip', enc, inputs.ladder[0].path, BENCH_KEY, false);
  t.equal(otherClip[0].ok, false, 'a different clear reference fails the check');
  const wrongKey = checkFmp4Decrypts('ffmpeg cenc, wrong key', enc, inputs.fmp4.path, BENCH_KEY.replace(/^./, '9'), false);
  t.equal(wrongKey[0].ok, false, 'decrypting with a wrong key fails the check');
});

t.test('TS AES-128 check: openssl enc output passes; a wrong key or other bytes fail', async (t) => {
  const enc = join(dir, 'openssl.ts');
  t.equal(spawnSync('openssl', ['enc', '-aes-128-cbc', '-K', BENCH_KEY, '-iv', BENCH_IV, '-in', inputs.ts.path, '-out', enc]).status, 0);
  t.same(checkTsAes128('openssl', enc, inputs.ts.path, BENCH_KEY, BENCH_IV).map((c) => c.ok), [true, true]);
  t.equal(checkTsAes128('openssl', enc, inputs.ts.path, BENCH_KEY.replace(/^./, '9'), BENCH_IV)[0].ok, false, 'wrong key');
  t.equal(checkTsAes128('openssl', enc, inputs.fmp4.path, BENCH_KEY, BENCH_IV)[0].ok, false, 'other clear bytes');
});

t.test('TS SAMPLE-AES check: Shaka Packager output decrypts to the clear frames; a wrong key does not', async (t) => {
  const enc = join(dir, 'shaka-sample-aes.ts');
  const clearVideo = join(dir, 'clear-video.ts');
  const r = spawnSync(shakaBinary(repo), [`in=${inputs.ts.path},stream=video,output=${enc}`, '--enable_raw_key_encryption',
    '--keys', `label=:key_id=${BENCH_KID}:key=${BENCH_KEY}`, '--iv', BENCH_IV, '--protection_scheme', 'cbcs', '--clear_lead', '0']);
  t.equal(r.status, 0, 'Shaka encrypts');
  t.equal(spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', inputs.ts.path, '-map', '0:v', '-c', 'copy', clearVideo]).status, 0);
  const good = checkTsSampleAes('shaka', enc, clearVideo, BENCH_KEY, BENCH_IV);
  t.same(good.map((c) => c.ok), [true, true], good.map((c) => c.detail).join('; '));
  t.equal(checkTsSampleAes('shaka', enc, clearVideo, BENCH_KEY.replace(/^./, '9'), BENCH_IV)[0].ok, false, 'wrong key fails the check');
  t.equal(checkTsSampleAes('shaka', enc, inputs.ts.path, BENCH_KEY, BENCH_IV)[0].ok, false, 'another clear reference (with audio) fails');
});
