/**
 * `package --key-uri skd://...`: an skd:// key URI is FairPlay's, so the EXT-X-KEY (and
 * EXT-X-SESSION-KEY) lines carry KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1",
 * which FairPlay players need, for TS SAMPLE-AES and fMP4 cbcs alike.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import type { KeySet } from '../../src/keys/content-key.js';

const kid = Buffer.from('0a0a0a0a0b0b0b0b0c0c0c0c0d0d0d0d', 'hex');
const keys = (): KeySet => ({ keys: [{ kid, key: Buffer.from('5f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex') }], drm: [] });
const FAIRPLAY = 'KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"';

t.test('hls-ts, SAMPLE-AES, keyUri skd://: FairPlay KEYFORMAT in the media playlist', async (t) => {
  const out = path.join(scratchDir(t, 'segcrypt-pkg-skd-'), 'out');
  await encryptPackage(path.join(SAMPLES, 'hls-ts'), out, { scheme: 'sample-aes', keys: keys(), keyUri: 'skd://asset-7' });
  const media = readFileSync(path.join(out, 'index.m3u8'), 'utf8');
  const lines = media.split('\n').filter((l) => l.startsWith('#EXT-X-KEY:'));
  t.equal(lines.length, 1, 'one EXT-X-KEY');
  t.match(lines[0], /^#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd:\/\/asset-7",IV=0x[0-9A-F]{32},/);
  t.ok(lines[0]!.endsWith(FAIRPLAY), lines[0]);
  t.match(media, /^#EXT-X-VERSION:(5|6|7)$/m, 'KEYFORMAT needs protocol version 5');
});

t.test('hls-shaka, cbcs, keyUri skd://: FairPlay KEYFORMAT in media and session keys', async (t) => {
  const out = path.join(scratchDir(t, 'segcrypt-pkg-skd-'), 'out');
  await encryptPackage(path.join(SAMPLES, 'hls-shaka'), out, { scheme: 'cbcs', keys: keys(), keyUri: 'skd://asset-7' });
  for (const f of ['video.m3u8', 'audio.m3u8']) {
    const keyLines = readFileSync(path.join(out, f), 'utf8').split('\n').filter((l) => l.startsWith('#EXT-X-KEY:'));
    t.same(keyLines, [`#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://asset-7",${FAIRPLAY}`], f);
  }
  t.match(readFileSync(path.join(out, 'master.m3u8'), 'utf8'), `#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="skd://asset-7",${FAIRPLAY}`);
});

t.test('a non-skd key URI stays an identity key (no KEYFORMAT)', async (t) => {
  const out = path.join(scratchDir(t, 'segcrypt-pkg-skd-'), 'out');
  await encryptPackage(path.join(SAMPLES, 'hls-ts'), out, { scheme: 'sample-aes', keys: keys(), keyUri: 'https://keys.example/k' });
  t.notMatch(readFileSync(path.join(out, 'index.m3u8'), 'utf8'), 'KEYFORMAT');
});
