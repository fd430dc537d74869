/**
 * A real player: hls.js (its own SAMPLE-AES and AES-128 decryptors) in headless Chromium plays
 * HLS media playlists over our TS segments, served from 127.0.0.1; a wrong key does not play.
 */
import t from 'tap';
import path from 'node:path';
import { encryptTsFile, type TsScheme } from '../../src/api/encrypt-ts.js';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { playersSkipped, launchChromium, playInChromium } from '../players/fixtures/player-run.js';
import { startStaticServer } from '../players/fixtures/static-server.js';
import { writeMediaPlaylist } from './ts-hls-oracle.js';

const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const key = Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex');
const wrong = Buffer.from('f0e0d0c0b0a090807060504030201000', 'hex');

t.test('hls.js plays our AES-128 and SAMPLE-AES TS segments', { skip: playersSkipped }, async (t) => {
  const browser = await launchChromium();
  const server = await startStaticServer();
  t.teardown(async () => { await browser.close(); await server.close(); });
  for (const scheme of ['sample-aes', 'aes-128'] as TsScheme[]) {
    const dir = scratchDir(t, `segcrypt-ts-${scheme}-`);
    const keyUri = `${server.origin}/keys/${scheme}.key`;
    const entries = [];
    for (const [i, s] of ['seg_000.ts', 'seg_001.ts', 'seg_002.ts'].entries()) {
      const r = await encryptTsFile(path.join(SAMPLES, 'hls-ts', s), path.join(dir, s), {
        scheme, keys: { keys: [{ kid, key }], drm: [] }, keyUri, sequenceNumber: i,
        iv: scheme === 'sample-aes' ? Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex') : undefined,
      });
      entries.push({ file: s, duration: 2, extXKey: r.extXKey });
    }
    writeMediaPlaylist(dir, entries);
    const url = server.mount(`ts-${scheme}`, dir) + 'index.m3u8';
    server.put(`/keys/${scheme}.key`, key);
    const good = await playInChromium(browser, server, { player: 'hlsjs', url });
    t.ok(good.played, `hls.js plays ${scheme}`, { currentTime: good.last.currentTime, frames: good.frameCounts.slice(-3), errors: good.errors });
    server.put(`/keys/${scheme}.key`, wrong);
    const bad = await playInChromium(browser, server, { player: 'hlsjs', url, stopOnError: true, timeoutMs: 15_000 });
    t.notOk(bad.played, `wrong key: ${scheme} does not play`, { errors: bad.errors.slice(0, 3), currentTime: bad.last.currentTime });
  }
});
