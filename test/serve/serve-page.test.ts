/**
 * `segcrypt serve` in a real browser: the demo's output (npm start, run here into a scratch folder)
 * is served by the CLI under `node --no-addons`, and Debian's Chromium opens the page once per
 * package. Every demo package must play 2 s of decoded video with no error on its card, with
 * keys from the key server alone (the page gives the players none): each DASH package's ClearKey
 * license request and each HLS key URI is seen answered 200 by the browser. The wrong-key twins,
 * packages re-encrypted with keys the server never issued, must show an error on their card.
 */
import t, { type Test } from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { launchChromium, playersSkipped } from '../players/fixtures/player-run.js';

const DEMO_PACKAGES = ['dash-cbcs', 'dash-cenc', 'hls-fmp4-cbcs', 'hls-ts-aes128', 'hls-ts-sample-aes'];

interface CardState { state: string; status: string; currentTime: number; frames: number; dropped: number }

/** The serve CLI under --no-addons; resolves with its page URL once it printed it. */
function startServeCli(t: Test, dir: string): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, ['--no-addons', 'bin/segcrypt.js', 'serve', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { child.kill('SIGTERM'); });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
    child.once('exit', (code) => reject(new Error(`segcrypt serve exited ${code}: ${out}`)));
  });
}

/** Open the page playing one package; wait until its video passed 2 s or its card shows an error. */
async function playOne(browser: Browser, url: string, name: string): Promise<{ card: CardState; keyResponses: { url: string; status: number }[] }> {
  const context = await browser.newContext();
  const page: Page = await context.newPage();
  const keyResponses: { url: string; status: number }[] = [];
  page.on('response', (r) => { if (/\/(clearkey|hls-key)\//.test(r.url())) keyResponses.push({ url: r.url(), status: r.status() }); });
  try {
    // Read by the test itself from the card and the <video> element (not from the page's own state).
    await page.addInitScript(() => {
      (window as unknown as { readCard(n: string): CardState }).readCard = (n: string): CardState => {
        const card = document.getElementById(`pkg-${n}`);
        const video = document.getElementById(`video-${n}`) as HTMLVideoElement | null;
        if (!card || !video) return { state: 'missing', status: '', currentTime: 0, frames: 0, dropped: 0 };
        const q = video.getVideoPlaybackQuality();
        return { state: card.dataset.state!, status: card.querySelector('.status')!.textContent!, currentTime: video.currentTime, frames: q.totalVideoFrames, dropped: q.droppedVideoFrames };
      };
    });
    await page.goto(`${url}?play=${encodeURIComponent(name)}`, { timeout: 15_000 });
    const read = (n: string): CardState => (window as unknown as { readCard(n: string): CardState }).readCard(n);
    await page.waitForFunction((n) => {
      const s = (window as unknown as { readCard(n: string): CardState }).readCard(n);
      return s.state === 'error' || s.currentTime >= 2.2;
    }, name, { timeout: 45_000 }).catch(() => undefined);
    const card = await page.evaluate(read, name);
    return { card, keyResponses };
  } finally {
    await context.close().catch(() => undefined);
  }
}

t.test('segcrypt serve plays every npm start package with keys from the key server only', { skip: playersSkipped }, async (t) => {
  const dir = scratchDir(t, 'segcrypt-serve-');
  const demo = spawnSync(process.execPath, ['dist/demo/main.js', '--out', dir], { encoding: 'utf8', timeout: 300_000 });
  t.equal(demo.status, 0, `npm start's demo exits 0\n${demo.stderr}`);
  t.match(demo.stdout, new RegExp(`^Watch them play .*: npx segcrypt serve ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), 'the demo ends with the one command that opens the page');

  // Wrong-key twins: the demo's inputs re-encrypted under KIDs and keys the server never issued,
  // signaling the server's own license URL and key URI (so only the key is wrong).
  const mpd = readFileSync(join(dir, 'dash-cenc', 'manifest.mpd'), 'utf8');
  const laUrl = /<dashif:Laurl[^>]*>([^<]+)<\/dashif:Laurl>/.exec(mpd)![1]!.replace(/&amp;/g, '&');
  const keyUri = /URI="([^"]+\/hls-key\/[^"]+)"/.exec(readFileSync(join(dir, 'hls-ts-aes128', 'index.m3u8'), 'utf8'))![1]!.replace(/\/[0-9a-f]{32}\?/, '/{kid}?');
  const unknown = { keys: [{ kid: randomBytes(16), key: randomBytes(16) }], drm: [] };
  await encryptPackage(join(SAMPLES, 'dash'), join(dir, 'x-dash-cenc-unknown-key'), { scheme: 'cenc', keys: unknown, clearKeyLicenseUrl: laUrl });
  await encryptPackage(join(SAMPLES, 'hls-ts'), join(dir, 'x-hls-ts-aes128-unknown-key'), { scheme: 'aes-128', keys: unknown, keyUri });

  const url = await startServeCli(t, dir);
  const browser = await launchChromium();
  t.teardown(() => browser.close());

  for (const name of DEMO_PACKAGES) {
    const { card, keyResponses } = await playOne(browser, url, name);
    t.equal(card.state, 'playing', `${name}: the card says playing, no error`, card);
    t.ok(card.currentTime >= 2, `${name}: played ${card.currentTime.toFixed(2)} s`);
    t.ok(card.frames >= 50, `${name}: ${card.frames} video frames decoded (${card.dropped} of them dropped; 2 s at 25 fps is 50)`);
    const route = name.startsWith('dash') ? '/clearkey/' : '/hls-key/';
    t.ok(keyResponses.some((r) => r.url.includes(route) && r.status === 200), `${name}: keys came from the key server's ${route} (answered 200)`, { keyResponses });
    t.notOk(keyResponses.some((r) => r.status !== 200), `${name}: no key request refused`, { keyResponses });
  }

  const dash = await playOne(browser, url, 'x-dash-cenc-unknown-key');
  t.equal(dash.card.state, 'error', 'DASH with a key the server never issued: the card shows an error', dash.card);
  t.match(dash.card.status, /ERROR: .*LICENSE_REQUEST_FAILED.*HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/clearkey\/segcrypt-demo/, 'the error names the refused license request');
  t.ok(dash.keyResponses.some((r) => r.url.includes('/clearkey/') && r.status === 404), 'the license endpoint answered 404 (no issued KID)');
  t.ok(dash.card.currentTime < 0.5, 'and nothing played');

  const hls = await playOne(browser, url, 'x-hls-ts-aes128-unknown-key');
  t.equal(hls.card.state, 'error', 'HLS AES-128 with a key the server never issued: the card shows an error', hls.card);
  t.ok(hls.card.currentTime < 0.5, 'and nothing played', hls.card);
});
