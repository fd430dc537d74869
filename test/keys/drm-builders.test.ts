import t from 'tap';
import { createCipheriv } from 'node:crypto';
import { kidToGuidLittleEndian, guidLittleEndianToKid, kidToUuid } from '../../src/keys/drm/guid.js';
import { buildWidevinePssh, decodeWidevinePsshData, encodeWidevinePsshData } from '../../src/keys/drm/widevine-pssh.js';
import { buildPlayReadyObject, buildPlayReadyPssh, buildWrmHeader, parsePlayReadyObject } from '../../src/keys/drm/playready-header.js';
import { hlsKeyLines, hlsMethod, hlsKeyFormat } from '../../src/keys/drm/hls-key-lines.js';
import { fairPlaySkdUri } from '../../src/keys/drm/fairplay.js';
import { SYSTEM_IDS } from '../../src/keys/drm/system-ids.js';

const KID = Buffer.from('98ee5596cd3ea20d163ae382420c6eff', 'hex');
const KEY = Buffer.from('e5d1808301ae518bb8747787b4d97127', 'hex');

t.test('GUID little-endian form swaps the first three fields only', async (t) => {
  t.equal(kidToGuidLittleEndian(KID).toString('hex'), '9655ee983ecd0da2163ae382420c6eff');
  t.ok(guidLittleEndianToKid(kidToGuidLittleEndian(KID)).equals(KID));
  t.equal(kidToUuid(KID), '98ee5596-cd3e-a20d-163a-e382420c6eff');
});

t.test('Widevine pssh: protobuf fields 2, 3, 4 and 9 as bytes we can check by hand', async (t) => {
  const data = encodeWidevinePsshData({ kids: [KID], contentId: Buffer.from('abc'), provider: 'p', scheme: 'cbcs' });
  // 0x63626373 ('cbcs') as a varint, 7 bits at a time from the low end: f3 c6 89 9b 06.
  t.equal(data.toString('hex'), `1210${KID.toString('hex')}1a0170220361626348${'f3c6899b06'}`);
  const box = buildWidevinePssh({ kids: [KID], scheme: 'cenc' });
  t.equal(box.readUInt32BE(0), box.length);
  t.equal(box[8], 0, 'version 0');
  t.equal(box.subarray(12, 28).toString('hex'), SYSTEM_IDS.widevine.replace(/-/g, ''));
  t.equal(decodeWidevinePsshData(box.subarray(32)).protectionSchemeFourcc, 0x63656e63);
});

t.test('PlayReady header: 4.0 for one cenc KID (with checksum), 4.2 for several, 4.3 AESCBC for cbcs', async (t) => {
  const h40 = buildWrmHeader({ keys: [{ kid: KID, key: KEY }], scheme: 'cenc', laUrl: 'https://lic.example/?a=1&b=2' });
  const c = createCipheriv('aes-128-ecb', KEY, null);
  const checksum = c.update(kidToGuidLittleEndian(KID)).subarray(0, 8).toString('base64');
  t.equal(h40, '<WRMHEADER xmlns="http://schemas.microsoft.com/DRM/2007/03/PlayReadyHeader" version="4.0.0.0"><DATA><PROTECTINFO><KEYLEN>16</KEYLEN><ALGID>AESCTR</ALGID></PROTECTINFO>' +
    `<KID>llXumD7NDaIWOuOCQgxu/w==</KID><CHECKSUM>${checksum}</CHECKSUM><LA_URL>https://lic.example/?a=1&amp;b=2</LA_URL></DATA></WRMHEADER>`);
  const h42 = buildWrmHeader({ keys: [{ kid: KID, key: KEY }, { kid: Buffer.alloc(16, 1) }], scheme: 'cenc' });
  t.match(h42, /version="4\.2\.0\.0".*<KIDS><KID ALGID="AESCTR" CHECKSUM="[^"]+" VALUE="llXumD7NDaIWOuOCQgxu\/w=="><\/KID><KID ALGID="AESCTR" VALUE="AQEBAQEBAQEBAQEBAQEBAQ=="><\/KID><\/KIDS>/);
  const h43 = buildWrmHeader({ keys: [{ kid: KID, key: KEY }], scheme: 'cbcs' });
  t.match(h43, /version="4\.3\.0\.0".*<KID ALGID="AESCBC" VALUE="llXumD7NDaIWOuOCQgxu\/w=="><\/KID>/);
  const pro = buildPlayReadyObject(h43);
  t.equal(pro.readUInt32LE(0), pro.length);
  t.equal(pro.readUInt16LE(4), 1);
  t.equal(pro.readUInt16LE(6), 1, 'record type 1: rights management header');
  t.equal(parsePlayReadyObject(pro), h43);
  const pssh = buildPlayReadyPssh(pro, [KID]);
  t.equal(pssh[8], 1);
  t.ok(pssh.subarray(32, 48).equals(KID), 'the pssh box lists the KID big-endian');
  t.ok(pssh.subarray(52).equals(pro));
});

t.test('HLS key lines: method by scheme, KEYFORMAT per system, master uses EXT-X-SESSION-KEY', async (t) => {
  t.equal(hlsMethod('cbcs'), 'SAMPLE-AES');
  t.equal(hlsMethod('cenc'), 'SAMPLE-AES-CTR');
  t.equal(hlsMethod('aes-128'), 'AES-128');
  t.equal(hlsKeyFormat('fairplay'), 'com.apple.streamingkeydelivery');
  t.equal(hlsKeyFormat('widevine'), 'urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed');
  const l = hlsKeyLines({ method: 'SAMPLE-AES', uri: fairPlaySkdUri(KID), keyFormat: 'com.apple.streamingkeydelivery', keyFormatVersions: '1' });
  t.equal(l.media, '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://98ee5596-cd3e-a20d-163a-e382420c6eff",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"');
  t.equal(l.master, l.media.replace('#EXT-X-KEY:', '#EXT-X-SESSION-KEY:'));
});
