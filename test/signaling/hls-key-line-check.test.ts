/**
 * Issue 19, finding 8: what a key server returns for playlists (HLSSignalingData, URIExtXKey,
 * KeyFormat) cannot add playlist lines or attributes. The playlists are read back with hls-parser,
 * an independent HLS parser.
 */
import t from 'tap';
import HLS from 'hls-parser';
import { hlsKeyTags } from '../../src/signaling/hls-key-tags.js';
import { checkedKeyLine, quotableUri } from '../../src/signaling/hls-key-line-check.js';
import { SYSTEM_IDS } from '../../src/keys/drm/system-ids.js';

const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const FP = SYSTEM_IDS.fairplay;
const good = '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://abc",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"';

function mediaPlaylist(keyLines: string[]): string {
  return ['#EXTM3U', '#EXT-X-VERSION:5', '#EXT-X-TARGETDURATION:4', ...keyLines, '#EXTINF:4,', 'seg0.ts', '#EXTINF:4,', 'seg1.ts', '#EXT-X-ENDLIST', ''].join('\n');
}

t.test('a key server cannot inject playlist lines through HLSSignalingData', async (t) => {
  // Before: both lines were copied into the playlist; the second ends it after one segment.
  const injected = `${good}\n#EXT-X-ENDLIST`;
  t.throws(() => hlsKeyTags({ scheme: 'cbcs', kid, drm: [{ systemId: FP, kid, hlsSignalingDataMedia: injected }] }),
    { code: 'ERR_HLS_SIGNALING', message: /HLSSignalingData of DRM system 94ce86fb-07ff-4f43-adb8-93d2fa968ca2 \(signal 0\), media line 1: .* not a #EXT-X-KEY tag/ });
  const segmentLine = `${good}\nhttps://evil.example/ad.ts`;
  t.throws(() => hlsKeyTags({ scheme: 'cbcs', kid, drm: [{ systemId: FP, kid, hlsSignalingDataMedia: segmentLine }] }), { code: 'ERR_HLS_SIGNALING' });
  const master = good.replace('EXT-X-KEY', 'EXT-X-SESSION-KEY');
  t.throws(() => hlsKeyTags({ scheme: 'cbcs', kid, drm: [{ systemId: FP, kid, hlsSignalingDataMedia: good, hlsSignalingDataMaster: `${master}\n#EXT-X-STREAM-INF:BANDWIDTH=1\nevil.m3u8` }] }),
    { code: 'ERR_HLS_SIGNALING', message: /master line 1/ });
  t.throws(() => hlsKeyTags({ scheme: 'cbcs', kid, drm: [{ systemId: FP, kid, hlsSignalingDataMedia: good.replace('#EXT-X-KEY', '#EXT-X-SESSION-KEY') }] }),
    { code: 'ERR_HLS_SIGNALING', message: /not a #EXT-X-KEY tag/ }, 'a session key line is not a media key line');
  const tags = hlsKeyTags({ scheme: 'cbcs', kid, drm: [{ systemId: FP, kid, hlsSignalingDataMedia: `${good}\r\n`, hlsSignalingDataMaster: master }] });
  t.same(tags, { media: [good], master: [master] }, 'a well-formed line is used as returned');
  const parsed = HLS.parse(mediaPlaylist(tags.media)) as HLS.types.MediaPlaylist;
  t.equal(parsed.segments.length, 2);
  t.equal(parsed.segments[0]!.key?.uri, 'skd://abc');
});

t.test('malformed key tags are refused, naming the place and not echoing the line', async (t) => {
  const where = 'here';
  const bad: [string, RegExp][] = [
    ['#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://a"b",KEYFORMAT="x"', /malformed/],
    ['#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://a",URI="skd://b"', /URI appears twice/],
    ['#EXT-X-KEY:METHOD=NONE', /METHOD is missing or not/],
    ['#EXT-X-KEY:METHOD=AES-128,URI="https://k"', /does not match the encryption \(SAMPLE-AES\)/],
    ['#EXT-X-KEY:METHOD=SAMPLE-AES,URI=skd://a', /URI is missing or not a quoted-string/],
    ['#EXT-X-KEY:METHOD=SAMPLE-AES', /URI is missing/],
    ['#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://a",KEYFORMAT=com.apple', /KEYFORMAT is not a quoted-string/],
    ['#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://a\rX"', /control characters/],
    ['#EXT-X-KEY:METHOD=SAMPLE-AES,,URI="skd://a"', /malformed/],
    ['#EXT-X-KEY:method=SAMPLE-AES,URI="skd://a"', /malformed/],
    ['#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://a" ', /malformed/],
  ];
  for (const [line, why] of bad) {
    t.throws(() => checkedKeyLine(line, '#EXT-X-KEY', 'SAMPLE-AES', where), { code: 'ERR_HLS_SIGNALING', where, message: why }, JSON.stringify(line));
    try { checkedKeyLine(line, '#EXT-X-KEY', 'SAMPLE-AES', where); } catch (e) { t.notMatch((e as Error).message, 'skd://', 'the line is not echoed'); }
  }
  t.equal(checkedKeyLine(`${good},IV=0x00FF,X-CUSTOM=12.5,KEYID=0xABCD`, '#EXT-X-KEY', 'SAMPLE-AES', where), `${good},IV=0x00FF,X-CUSTOM=12.5,KEYID=0xABCD`, 'hex, decimal and unknown attributes are fine');
});

t.test('URIExtXKey and KeyFormat from the key server: a quote or newline cannot end the attribute', async (t) => {
  const hostile = 'skd://abc",METHOD=NONE,X="\n#EXT-X-ENDLIST';
  const tags = hlsKeyTags({ scheme: 'cbcs', kid, drm: [{ systemId: FP, kid, uriExtXKey: hostile }] });
  t.equal(tags.media.length, 1);
  t.notMatch(tags.media[0]!, /\n/, 'one line');
  t.equal(tags.media[0], `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="${quotableUri(hostile)}",KEYID=0x00112233445566778899AABBCCDDEEFF,KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"`);
  const parsed = HLS.parse(mediaPlaylist(tags.media)) as HLS.types.MediaPlaylist;
  t.equal(parsed.segments.length, 2, 'the playlist still has its two segments (no injected ENDLIST)');
  t.equal(parsed.segments[0]!.key?.method, 'SAMPLE-AES', 'METHOD is ours, not the injected NONE');
  t.equal(parsed.segments[0]!.key?.uri, 'skd://abc%22,METHOD=NONE,X=%22%0A#EXT-X-ENDLIST');
  t.throws(() => hlsKeyTags({ scheme: 'cbcs', kid, drm: [{ systemId: SYSTEM_IDS.widevine, kid, uriExtXKey: 'data:x', keyFormat: 'urn:x",METHOD=NONE' }] }),
    { code: 'ERR_HLS_SIGNALING', message: /KeyFormat has a quote/ });
  t.throws(() => hlsKeyTags({ scheme: 'cbcs', kid, drm: [{ systemId: SYSTEM_IDS.widevine, kid, uriExtXKey: 'data:x', keyFormatVersions: '1\n#EXT-X-ENDLIST' }] }),
    { code: 'ERR_HLS_SIGNALING', message: /KeyFormatVersions/ });
  t.same(hlsKeyTags({ scheme: 'aes-128', kid, drm: [], keyUri: 'k"1\nx' }).media, ['#EXT-X-KEY:METHOD=AES-128,URI="k%221%0Ax"'], 'the caller\'s keyUri too');
});

t.test('an empty KEYFORMAT from a key server is dropped (identity), the rest kept', async (t) => {
  const check = checkedKeyLine;
  t.equal(check('#EXT-X-KEY:METHOD=AES-128,URI="https://k/1",KEYFORMAT="",KEYFORMATVERSIONS="1"', '#EXT-X-KEY', 'AES-128', 'test'), '#EXT-X-KEY:METHOD=AES-128,URI="https://k/1",KEYFORMATVERSIONS="1"');
  t.equal(check('#EXT-X-KEY:METHOD=AES-128,URI="https://k/1",KEYFORMAT=""', '#EXT-X-KEY', 'AES-128', 'test'), '#EXT-X-KEY:METHOD=AES-128,URI="https://k/1"');
});
