import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Parser } from 'm3u8-parser';
import { SAMPLES } from '../oracles/run-tool.js';
import { addKeysToMediaPlaylist, addSessionKeysToMaster, hlsKeyTags, parsePlaylist, remapByteRange, rewriteByteRanges } from '../../src/signaling/index.js';
import { buildPlayReadyObject, buildPlayReadyPssh, buildWidevinePssh, buildWrmHeader, SYSTEM_IDS } from '../../src/keys/drm/index.js';

const kid = Buffer.from('9eb4050de44b4802932e27d75083e266', 'hex');
const key = Buffer.from('166634c675823c235a4a9446fad52e4d', 'hex');
const iv = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const widevine = buildWidevinePssh({ kids: [kid], scheme: 'cbcs' });
const pro = buildPlayReadyObject(buildWrmHeader({ keys: [{ kid, key }], scheme: 'cbcs' }));
const drm = [
  { systemId: SYSTEM_IDS.fairplay, kid, uriExtXKey: 'skd://asset-9eb4050d' },
  { systemId: SYSTEM_IDS.widevine, kid, pssh: widevine },
  { systemId: SYSTEM_IDS.playready, kid, pssh: buildPlayReadyPssh(pro, [kid]) },
];

function parseM3u8(text: string) {
  const p = new Parser();
  p.push(text);
  p.end();
  return p.manifest;
}

t.test('one EXT-X-KEY per DRM system, METHOD from the scheme, KEYFORMAT per system', async (t) => {
  const cbcs = hlsKeyTags({ scheme: 'cbcs', kid, iv, drm });
  t.equal(cbcs.media.length, 3);
  t.ok(cbcs.media.every((l) => l.startsWith('#EXT-X-KEY:METHOD=SAMPLE-AES,')), 'cbcs -> SAMPLE-AES');
  t.match(cbcs.media[0], 'URI="skd://asset-9eb4050d"');
  t.match(cbcs.media[0], 'KEYFORMAT="com.apple.streamingkeydelivery"');
  t.match(cbcs.media[1], `URI="data:text/plain;base64,${widevine.toString('base64')}"`);
  t.match(cbcs.media[1], `KEYFORMAT="urn:uuid:${SYSTEM_IDS.widevine}"`);
  t.match(cbcs.media[2], `URI="data:text/plain;charset=UTF-16;base64,${pro.toString('base64')}"`);
  t.match(cbcs.media[2], 'KEYFORMAT="com.microsoft.playready"');
  t.ok(cbcs.media.every((l) => l.includes('KEYFORMATVERSIONS="1"') && l.includes('IV=0x000102030405060708090A0B0C0D0E0F')));
  t.same(cbcs.master, cbcs.media.map((l) => l.replace('#EXT-X-KEY:', '#EXT-X-SESSION-KEY:')), 'session keys mirror the media keys');
  const cenc = hlsKeyTags({ scheme: 'cenc', kid, drm: drm.slice(1) });
  t.ok(cenc.media.every((l) => l.startsWith('#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,')), 'cenc fMP4 -> SAMPLE-AES-CTR');
  const ts = hlsKeyTags({ scheme: 'sample-aes', kid, drm: drm.slice(0, 1) });
  t.match(ts.media[0], /^#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd:\/\/asset-9eb4050d"/, 'TS sample-aes -> SAMPLE-AES');
  const aes = hlsKeyTags({ scheme: 'aes-128', kid, drm, keyUri: 'https://keys.example/k?id=1', iv });
  t.same(aes.media, ['#EXT-X-KEY:METHOD=AES-128,URI="https://keys.example/k?id=1",IV=0x000102030405060708090A0B0C0D0E0F'], 'AES-128: the identity key only');
});

t.test('HLSSignalingData from the key server is used as returned', async (t) => {
  const media = '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://from-server",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"';
  const master = media.replace('EXT-X-KEY', 'EXT-X-SESSION-KEY');
  const tags = hlsKeyTags({ scheme: 'cbcs', kid, drm: [{ systemId: SYSTEM_IDS.fairplay, kid, hlsSignalingDataMedia: `${media}\n`, hlsSignalingDataMaster: master }] });
  t.same(tags, { media: [media], master: [master] });
});

const lines = (s: string) => s.split('\n');
/** Output minus the inserted lines (and a raised EXT-X-VERSION) is the input, line for line. */
function same(t: Test, out: string, input: string, inserted: string[]) {
  const noVersion = (ls: string[]) => ls.filter((l) => !l.startsWith('#EXT-X-VERSION:'));
  t.same(noVersion(lines(out).filter((l) => !inserted.includes(l))), noVersion(lines(input)));
}

t.test('media playlists: keys before the first segment and before EXT-X-MAP; every line kept', async (t) => {
  for (const p of ['hls-ts/index.m3u8', 'hls-fmp4/video/index.m3u8', 'hls-fmp4/audio/index.m3u8', 'hls-shaka/video.m3u8', 'hls-shaka/audio.m3u8']) {
    const input = readFileSync(path.join(SAMPLES, p), 'utf8');
    const ts = p.startsWith('hls-ts');
    const tags = ts ? hlsKeyTags({ scheme: 'aes-128', kid, drm: [], keyUri: 'k.key', iv }) : hlsKeyTags({ scheme: 'cbcs', kid, drm });
    const out = addKeysToMediaPlaylist(input, tags.media, p);
    same(t, out, input, tags.media);
    const ls = lines(out);
    const firstKey = ls.findIndex((l) => l.startsWith('#EXT-X-KEY'));
    const firstSeg = ls.findIndex((l) => l.startsWith('#EXTINF') || l.startsWith('#EXT-X-MAP'));
    t.equal(firstKey + tags.media.length, firstSeg, `${p}: keys directly before the first EXT-X-MAP/EXTINF`);
    const parsed = parseM3u8(out);
    t.equal(parsed.segments.length, parsePlaylist(input, p).kind === 'media' ? (parsePlaylist(input, p) as { segments: unknown[] }).segments.length : -1, `${p}: m3u8-parser sees every segment`);
    if (ts) {
      t.same(parsed.segments.map((s: { key?: { method: string; uri: string } }) => s.key?.method), parsed.segments.map(() => 'AES-128'), 'every segment carries the AES-128 key');
      t.equal(parsed.segments[0].key.uri, 'k.key');
      t.same([...parsed.segments[0].key.iv], [0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f], 'IV as written');
    } else {
      t.same(Object.keys(parsed.contentProtection ?? {}).sort(), ['com.apple.fps.1_0', 'com.microsoft.playready', 'com.widevine.alpha'], `${p}: m3u8-parser finds FairPlay, Widevine and PlayReady`);
      t.equal(parsed.contentProtection['com.widevine.alpha'].attributes.keyId.toLowerCase(), kid.toString('hex'));
      t.match(ls.find((l) => l.startsWith('#EXT-X-VERSION')), /^#EXT-X-VERSION:(5|6|7)$/, 'version at least 5 for KEYFORMAT');
    }
  }
});

t.test('master playlists: EXT-X-SESSION-KEY before the first variant; every line kept', async (t) => {
  for (const p of ['hls-ts/master.m3u8', 'hls-fmp4/master.m3u8', 'hls-shaka/master.m3u8']) {
    const input = readFileSync(path.join(SAMPLES, p), 'utf8');
    const tags = hlsKeyTags({ scheme: 'cbcs', kid, drm });
    const out = addSessionKeysToMaster(input, [...tags.master, ...tags.master], p);
    same(t, out, input, tags.master);
    t.equal(lines(out).filter((l) => l.startsWith('#EXT-X-SESSION-KEY')).length, 3, `${p}: duplicates dropped`);
    const ls = lines(out);
    t.ok(ls.findIndex((l) => l.startsWith('#EXT-X-SESSION-KEY')) < ls.findIndex((l) => l.startsWith('#EXT-X-STREAM-INF') || l.startsWith('#EXT-X-MEDIA:')));
    const before = parseM3u8(input);
    const after = parseM3u8(out);
    t.same(after.playlists.map((v: { uri: string }) => v.uri), before.playlists.map((v: { uri: string }) => v.uri), `${p}: variants unchanged for m3u8-parser`);
  }
});

t.test('refusals: already encrypted playlists, no segments, not a playlist', async (t) => {
  const enc = '#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="k"\n#EXTINF:2,\na.ts\n';
  t.throws(() => addKeysToMediaPlaylist(enc, ['#EXT-X-KEY:METHOD=AES-128,URI="x"'], 'p.m3u8'), { code: 'ERR_ALREADY_ENCRYPTED', message: /p\.m3u8.*line 2/ });
  t.throws(() => addKeysToMediaPlaylist('#EXTM3U\n#EXT-X-ENDLIST\n', ['#EXT-X-KEY:METHOD=AES-128,URI="x"'], 'p'), { code: 'ERR_HLS_PLAYLIST' });
  t.throws(() => parsePlaylist('<html>', 'x.m3u8'), { code: 'ERR_HLS_PLAYLIST' });
  const none = '#EXTM3U\n#EXT-X-KEY:METHOD=NONE\n#EXTINF:2,\na.ts\n';
  t.doesNotThrow(() => addKeysToMediaPlaylist(none, ['#EXT-X-KEY:METHOD=AES-128,URI="x"'], 'p'), 'METHOD=NONE is not protection');
});

t.test('sub-range playlists: ranges parsed (implicit offsets), remapped to explicit n@o', async (t) => {
  const text = '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-MAP:URI="v.mp4",BYTERANGE="840@0"\n#EXTINF:2.000,\n#EXT-X-BYTERANGE:100@908\nv.mp4\n#EXTINF:2.000,\n#EXT-X-BYTERANGE:50\nv.mp4\n#EXT-X-ENDLIST\n';
  const m = parsePlaylist(text, 'v.m3u8');
  t.equal(m.kind, 'media');
  if (m.kind !== 'media') return;
  t.same(m.mapByteRange, { length: 840, offset: 0 });
  t.same(m.segments.map((s) => s.byteRange), [{ length: 100, offset: 908 }, { length: 50, offset: 1008 }], 'no @o: right after the previous sub-range');
  const starts = new Map([[0, 0], [840, 972], [908, 1040], [1008, 1150], [1058, 1230]]);
  const out = rewriteByteRanges(text, 'v.m3u8', (uri, r) => remapByteRange(starts, r, uri, 'v.m3u8'));
  t.equal(out, text.replace('BYTERANGE="840@0"', 'BYTERANGE="972@0"').replace('100@908', '110@1040').replace('#EXT-X-BYTERANGE:50\n', '#EXT-X-BYTERANGE:80@1150\n'));
  t.throws(() => remapByteRange(starts, { length: 10, offset: 900 }, 'v.mp4', 'v.m3u8'), { code: 'ERR_HLS_BYTERANGE', message: /10@900 of v\.mp4/ });
  t.throws(() => parsePlaylist('#EXTM3U\n#EXTINF:2,\n#EXT-X-BYTERANGE:50\nv.mp4\n', 'x'), { code: 'ERR_HLS_PLAYLIST', message: /no offset/ });
  t.throws(() => parsePlaylist('#EXTM3U\n#EXTINF:2,\n#EXT-X-BYTERANGE:5x\nv.mp4\n', 'x'), { code: 'ERR_HLS_PLAYLIST', message: /n\[@o\]/ });
});

t.test('SPEKE v1 style signals: URIExtXKey, KeyFormat and KeyFormatVersions as returned', async (t) => {
  const tags = hlsKeyTags({ scheme: 'cbcs', kid, drm: [
    { systemId: SYSTEM_IDS.fairplay, kid, uriExtXKey: 'skd://v1-server/abc', keyFormat: 'com.apple.streamingkeydelivery', keyFormatVersions: '1/2' },
    { systemId: SYSTEM_IDS.widevine, kid, pssh: widevine, uriExtXKey: 'data:text/plain;base64,FROMSERVER' },
  ] });
  t.match(tags.media[0], 'URI="skd://v1-server/abc"');
  t.match(tags.media[0], 'KEYFORMATVERSIONS="1/2"');
  t.match(tags.media[1], 'URI="data:text/plain;base64,FROMSERVER"', 'the server URI wins over our pssh data URI');
  t.same(hlsKeyTags({ scheme: 'cbcs', kid, drm: [{ systemId: SYSTEM_IDS.common, kid }] }).media, [], 'no line for a system we cannot signal on our own');
});

t.test('a key server line used as returned gets the IV we encrypted with, unless it names one', async (t) => {
  const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const iv = Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex');
  const line = '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://abc",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"';
  const drm = [{ systemId: '94ce86fb-07ff-4f43-adb8-93d2fa968ca2', kid, hlsSignalingDataMedia: line }];
  t.same(hlsKeyTags({ scheme: 'sample-aes', kid, iv, drm }).media, [`${line},IV=0x0f0e0d0c0b0a09080706050403020100`]);
  t.same(hlsKeyTags({ scheme: 'sample-aes', kid, drm }).media, [line], 'no IV of ours: the line as returned');
  const named = `${line},IV=0x11111111111111111111111111111111`;
  t.same(hlsKeyTags({ scheme: 'sample-aes', kid, iv, drm: [{ ...drm[0]!, hlsSignalingDataMedia: named }] }).media, [named], 'the server\'s IV is kept');
});

t.test('an skd:// keyUri is FairPlay\'s: KEYFORMAT/KEYFORMATVERSIONS, in place of the server\'s FairPlay line', async (t) => {
  const fps = 'KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"';
  t.same(hlsKeyTags({ scheme: 'sample-aes', kid, drm: [], keyUri: 'skd://x' }).media, [`#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://x",${fps}`]);
  t.same(hlsKeyTags({ scheme: 'cbcs', kid, drm: [], keyUri: 'SKD://x', iv }).master, [`#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="SKD://x",IV=0x000102030405060708090A0B0C0D0E0F,${fps}`]);
  const cbcs = hlsKeyTags({ scheme: 'cbcs', kid, drm, keyUri: 'skd://mine' }).media;
  t.equal(cbcs.length, 3, 'ours for FairPlay, then Widevine and PlayReady from the signals');
  t.match(cbcs[0], 'URI="skd://mine"');
  t.notOk(cbcs.some((l) => l.includes('skd://asset-9eb4050d')), 'no second FairPlay line');
  t.same(hlsKeyTags({ scheme: 'sample-aes', kid, drm: [], keyUri: 'key.bin' }).media, ['#EXT-X-KEY:METHOD=SAMPLE-AES,URI="key.bin"'], 'other URIs: identity, no KEYFORMAT');
  t.same(hlsKeyTags({ scheme: 'aes-128', kid, drm: [], keyUri: 'k"1' }).media, ['#EXT-X-KEY:METHOD=AES-128,URI="k%221"'], 'a quote in the URI is percent-encoded');
});

t.test('AES-128: keyUri, else the key server\'s HLS AES-128 key system as returned; never DRM systems', async (t) => {
  const aesSystem = '81376844-f976-481e-a84e-cc25d39b0b33';
  const line = '#EXT-X-KEY:METHOD=AES-128,URI="https://ks.example/k/1",KEYFORMAT="identity",KEYFORMATVERSIONS="1"';
  const signals = [...drm, { systemId: aesSystem, kid, hlsSignalingDataMedia: line }];
  t.same(hlsKeyTags({ scheme: 'aes-128', kid, iv, drm: signals }).media, [`${line},IV=0x000102030405060708090a0b0c0d0e0f`]);
  t.same(hlsKeyTags({ scheme: 'aes-128', kid, drm: [{ systemId: aesSystem, kid, uriExtXKey: 'https://ks.example/k/2' }] }).media,
    ['#EXT-X-KEY:METHOD=AES-128,URI="https://ks.example/k/2",KEYFORMAT="identity",KEYFORMATVERSIONS="1"'], 'SPEKE v1: URIExtXKey');
  t.same(hlsKeyTags({ scheme: 'aes-128', kid, drm: signals, keyUri: 'k.key' }).media, ['#EXT-X-KEY:METHOD=AES-128,URI="k.key"'], 'the caller\'s keyUri wins');
  t.same(hlsKeyTags({ scheme: 'aes-128', kid, drm }).media, [], 'no AES-128 key system: nothing');
  t.same(hlsKeyTags({ scheme: 'cbcs', kid, drm: signals }).media.length, 3, 'SAMPLE-AES ignores the AES-128 key system');
});
