/**
 * MPEG-TS renditions choose their key by what the master says of them (RESOLUTION), through the
 * usage rules of a CPIX file: a 640x360 and a 1280x720 variant with SD / HD keys (PRESET-VIDEO-2
 * bounds). AES-128 is whole-segment CBC, so `openssl enc -d` with the rendition's key must give
 * back the clear segment byte for byte, and the other class's key must not.
 */
import t from 'tap';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runTool, SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import { CpixFile } from '../../src/keys/cpix/cpix-file.js';

const SD = { kid: '5d5d5d5d5d5d4d5d8d5d5d5d5d5d5d5d', key: '00112233445566778899aabbccddeeff' };
const HD = { kid: '7d7d7d7d7d7d4d7d8d7d7d7d7d7d7d7d', key: 'ffeeddccbbaa99887766554433221100' };
const uuid = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
const b64 = (h: string) => Buffer.from(h, 'hex').toString('base64');

const CPIX = `<?xml version="1.0" encoding="UTF-8"?>
<cpix:CPIX contentId="ts-ladder" version="2.3" xmlns:cpix="urn:dashif:org:cpix" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc">
  <cpix:ContentKeyList>
    <cpix:ContentKey kid="${uuid(SD.kid)}" commonEncryptionScheme="cbcs"><cpix:Data><pskc:Secret><pskc:PlainValue>${b64(SD.key)}</pskc:PlainValue></pskc:Secret></cpix:Data></cpix:ContentKey>
    <cpix:ContentKey kid="${uuid(HD.kid)}" commonEncryptionScheme="cbcs"><cpix:Data><pskc:Secret><pskc:PlainValue>${b64(HD.key)}</pskc:PlainValue></pskc:Secret></cpix:Data></cpix:ContentKey>
  </cpix:ContentKeyList>
  <cpix:ContentKeyUsageRuleList>
    <cpix:ContentKeyUsageRule kid="${uuid(SD.kid)}" intendedTrackType="SD"><cpix:VideoFilter maxPixels="589824"/></cpix:ContentKeyUsageRule>
    <cpix:ContentKeyUsageRule kid="${uuid(HD.kid)}" intendedTrackType="HD"><cpix:VideoFilter minPixels="589825"/></cpix:ContentKeyUsageRule>
  </cpix:ContentKeyUsageRuleList>
</cpix:CPIX>
`;

t.test('TS variants: the SD key for 640x360, the HD key for 1280x720', async (t) => {
  const work = scratchDir(t, 'segcrypt-tsladder-');
  const input = path.join(work, 'in');
  for (const [name, size] of [['v360', '640x360'], ['v720', '1280x720']] as const) {
    mkdirSync(path.join(input, name), { recursive: true });
    await runTool('nice', ['-n', '10', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-t', '4', '-i', path.join(SAMPLES, 'media', 'muxed.mp4'), '-s', size,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-threads', '1', '-g', '50', '-c:a', 'copy', '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod',
      '-hls_segment_filename', path.join(input, name, 'seg_%03d.ts'), path.join(input, name, 'index.m3u8')], { timeoutMs: 120_000 });
  }
  writeFileSync(path.join(input, 'master.m3u8'), '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=640x360\nv360/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=1280x720\nv720/index.m3u8\n');
  writeFileSync(path.join(work, 'keys.xml'), CPIX);
  const out = path.join(work, 'out');
  await encryptPackage(input, out, { scheme: 'aes-128', keys: new CpixFile(path.join(work, 'keys.xml')), keyUri: 'https://keys.example/{kid}' });

  for (const [name, right, wrong] of [['v360', SD, HD], ['v720', HD, SD]] as const) {
    const playlist = readFileSync(path.join(out, name, 'index.m3u8'), 'utf8');
    t.match(playlist, `URI="https://keys.example/${right.kid}"`, `${name}: the EXT-X-KEY names the ${right === SD ? 'SD' : 'HD'} key`);
    const segs = readdirSync(path.join(out, name)).filter((f) => f.endsWith('.ts')).sort();
    t.ok(segs.length >= 2, `${name}: ${segs.length} segments`);
    for (const [i, f] of segs.entries()) {
      const iv = i.toString(16).padStart(32, '0'); // no IV attribute: the media sequence number (RFC 8216 5.2)
      const decrypt = async (key: string): Promise<Buffer | undefined> => {
        const file = path.join(work, `${name}-${f}-${key.slice(0, 4)}.dec`);
        const r = await runTool('openssl', ['enc', '-d', '-aes-128-cbc', '-K', key, '-iv', iv, '-in', path.join(out, name, f), '-out', file], { lenient: true, timeoutMs: 30_000 });
        return r.exitCode === 0 ? readFileSync(file) : undefined;
      };
      const clear = readFileSync(path.join(input, name, f));
      const good = await decrypt(right.key);
      t.ok(good?.equals(clear), `${name}/${f}: openssl with its class key gives the clear segment`);
      const bad = await decrypt(wrong.key);
      t.notOk(bad?.equals(clear), `${name}/${f}: the other class's key does not`);
    }
  }
});
