// The demo (`npm start`) as a test, run under `node --no-addons` by native-free/check.mjs: one run
// proves the main job works end to end and that nothing in it loads a native addon.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

t.test('npm start demo runs under --no-addons and every output decrypts', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'segcrypt-demo-test-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, ['native-free/check.mjs', out], { encoding: 'utf8', timeout: 300_000 });
  t.equal(r.status, 0, `demo exit 0\n${r.stdout}\n${r.stderr}`);
  t.match(r.stdout, /native-free: the demo ran under node --no-addons/);
  for (const name of ['dash-cenc', 'dash-cbcs', 'hls-fmp4-cbcs', 'hls-ts-aes128', 'hls-ts-sample-aes']) {
    t.match(r.stdout, new RegExp(`${name}/\\s.*\\sok \\(`), `${name} decryption check ok`);
  }
  const mpd = readFileSync(join(out, 'dash-cenc', 'manifest.mpd'), 'utf8');
  t.match(mpd, /urn:mpeg:dash:mp4protection:2011/, 'DASH manifest signals protection');
  t.ok(existsSync(join(out, 'hls-ts-aes128', 'seg_000.ts')));
  t.notMatch(r.stdout + r.stderr, /[0-9a-f]{32}/i, 'no 128-bit key material (or full KID) printed');
});
