/**
 * The TS result's EXT-X-KEY line comes from signaling/hlsKeyTags: with keys from the built-in SPEKE
 * server it carries what the server returned (HLSSignalingData / URIExtXKey), plus our explicit IV.
 */
import t from 'tap';
import path from 'node:path';
import { encryptTsFile } from '../../src/api/encrypt-ts.js';
import { startKeyServer } from '../../src/key-server/index.js';
import { keyProviderFromOptions } from '../../src/keys/index.js';
import { kidToUuid } from '../../src/keys/drm/guid.js';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';

const input = path.join(SAMPLES, 'ts', 'avc-aac.ts');
const iv = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');

t.test('SPEKE v2, SAMPLE-AES: the server\'s skd:// URI exactly (UUID with dashes), KEYFORMAT, and IV=', async (t) => {
  const server = await startKeyServer({ secret: 'e6f077ef6773aca0da9212aeeb4c03e779f6dadaa199a2ab1ef0e30e8d998b56' });
  t.teardown(() => server.close());
  const dir = scratchDir(t);
  const keys = keyProviderFromOptions({ spekeUrl: server.url, contentId: 'ts-1', spekeVersion: 2 });
  const r = await encryptTsFile(input, path.join(dir, 'out.ts'), { scheme: 'sample-aes', keys, iv });
  const kid = Buffer.from(r.kids[0]!, 'hex');
  const fairPlay = r.drm.find((d) => d.systemId === '94ce86fb-07ff-4f43-adb8-93d2fa968ca2');
  t.ok(fairPlay?.hlsSignalingDataMedia, 'the server returned HLSSignalingData');
  const serverUri = /URI="([^"]+)"/.exec(fairPlay!.hlsSignalingDataMedia!)![1]!;
  t.equal(serverUri, `skd://${kidToUuid(kid)}`, 'the server signals skd://<KID as UUID>');
  t.match(serverUri, /^skd:\/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  t.equal(r.extXKey, `${fairPlay!.hlsSignalingDataMedia!},IV=0x${iv.toString('hex')}`, 'the server\'s line as returned, with our IV');
  t.match(r.extXKey, `URI="${serverUri}"`);
  t.match(r.extXKey, 'KEYFORMAT="com.apple.streamingkeydelivery"');
  t.notMatch(r.extXKey, `skd://${kid.toString('hex')}`, 'not the KID hex without dashes');
  t.equal(r.extXKey.split('\n').length, 1, 'one line: SAMPLE-AES asks for FairPlay only');
});

t.test('SPEKE v1 and v2, AES-128: the key URI the server signals (and serves), with IV=', async (t) => {
  const server = await startKeyServer({ secret: 'e6f077ef6773aca0da9212aeeb4c03e779f6dadaa199a2ab1ef0e30e8d998b56' });
  t.teardown(() => server.close());
  const dir = scratchDir(t);
  for (const spekeVersion of [1, 2] as const) {
    const keys = keyProviderFromOptions({ spekeUrl: server.url, contentId: `aes-${spekeVersion}`, spekeVersion });
    const r = await encryptTsFile(input, path.join(dir, `out${spekeVersion}.ts`), { scheme: 'aes-128', keys, contentId: `aes-${spekeVersion}`, sequenceNumber: 3 });
    const uri = /URI="([^"]+)"/.exec(r.extXKey)![1]!;
    t.equal(uri, r.drm[0]!.uriExtXKey ?? /URI="([^"]+)"/.exec(r.drm[0]!.hlsSignalingDataMedia!)![1], `v${spekeVersion}: the key URI the server returned`);
    t.match(uri, /^http:\/\/127\.0\.0\.1:\d+\/hls-key\/aes-[12]\/[0-9a-f-]{36}\?token=[A-Za-z0-9_-]{43}$/, 'not the key.bin placeholder');
    t.match(r.extXKey, /^#EXT-X-KEY:METHOD=AES-128,/);
    t.match(r.extXKey, /,IV=0x0{31}3(,|$)/i, 'IV from the sequence number');
    const served = Buffer.from(await (await fetch(uri)).arrayBuffer());
    const set = await keys.getKeys({ contentId: `aes-${spekeVersion}`, trackTypes: ['video', 'audio'], scheme: 'aes-128' });
    t.ok(served.equals(set.keys[0]!.key), 'the URI serves the key we encrypted with');
  }
});
