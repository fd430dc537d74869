/**
 * A queued DASH package plays in Chromium with shaka-player (ClearKey over EME). No --iv: the
 * coordinator picks the cbcs constant IV once and every worker's segments must use it, or the
 * player decrypts garbage. A wrong key must not play.
 */
import t from 'tap';
import path from 'node:path';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import { StaticKeys } from '../../src/keys/index.js';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { playersSkipped, launchChromium, playInChromium } from '../players/fixtures/player-run.js';
import { startStaticServer } from '../players/fixtures/static-server.js';
import { exitOf, requireBuiltCli, startRedis, startWorker } from './queue-fixtures.js';

requireBuiltCli();

const KID = '5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e';
const KEY = '0fedcba98765432100112233445566ff';
const WRONG = '0fedcba98765432100112233445566fe';

t.test('queued DASH cbcs (no --iv, two workers) plays in shaka-player; a wrong key does not', { skip: playersSkipped }, async (t) => {
  const redis = await startRedis(t);
  const workers = await Promise.all([0, 1].map(() => startWorker(t, redis.url, ['--queue', 'play', '--quiet', '--key', `${KID}:${KEY}`])));
  const out = path.join(scratchDir(t, 'segcrypt-queue-play-'), 'pkg');
  await encryptPackage(path.join(SAMPLES, 'dash-shaka'), out, { scheme: 'cbcs', keys: StaticKeys.fromSpecs([`${KID}:${KEY}`]), queue: { connection: redis.url, name: 'play' } });
  for (const w of workers) w.proc.kill('SIGTERM');
  for (const w of workers) t.equal((await exitOf(w.proc, 'worker')).code, 0, 'worker exits 0 on SIGTERM');
  const server = await startStaticServer();
  const browser = await launchChromium();
  t.teardown(async () => { await browser.close(); await server.close(); });
  const url = `${server.mount('queued', out)}manifest.mpd`;
  const good = await playInChromium(browser, server, { player: 'shaka', url, clearKeys: { [KID]: KEY }, timeoutMs: 40_000 });
  t.ok(good.played, 'plays with the right key: currentTime > 2.5 s, frames growing, no error', { currentTime: good.last.currentTime, errors: good.errors });
  t.ok(good.last.totalVideoFrames > 30, `decoded ${good.last.totalVideoFrames} video frames`);
  const bad = await playInChromium(browser, server, { player: 'shaka', url, clearKeys: { [KID]: WRONG }, stopOnError: true, timeoutMs: 15_000 });
  t.notOk(bad.played, 'wrong key: does not play');
});
