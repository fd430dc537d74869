import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCpix } from '../../src/keys/cpix/parse-cpix.js';
import { keySetFromCpix } from '../../src/keys/cpix/keyset-from-cpix.js';
import { CpixFile } from '../../src/keys/cpix/cpix-file.js';
import { decodeWidevinePsshData } from '../../src/keys/drm/widevine-pssh.js';
import { parsePlayReadyObject } from '../../src/keys/drm/playready-header.js';
import { guidLittleEndianToKid } from '../../src/keys/drm/guid.js';
import { SYSTEM_IDS } from '../../src/keys/drm/system-ids.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const KID = '98ee5596cd3ea20d163ae382420c6eff';

t.test('SPEKE v1 VOD example response: key, IV and every system extracted exactly', async (t) => {
  const set = keySetFromCpix(parseCpix(readFileSync(fixture('speke-v1-vod-response.xml'))));
  t.equal(set.keys.length, 1);
  const k = set.keys[0]!;
  t.equal(k.kid.toString('hex'), KID);
  t.equal(k.key.toString('base64'), '5dGAgwGuUYu4dHeHtNlxJw==');
  t.equal(k.iv!.toString('base64'), 'OFj2IjCsPJFfMAxmQxLGPw==');
  t.equal(k.trackTypes, undefined, 'v1: no usage rules, the key is for every track');
  t.equal(set.drm.length, 4);
  const by = (id: string) => set.drm.find((d) => d.systemId === id)!;

  const aes = by('81376844-f976-481e-a84e-cc25d39b0b33');
  t.equal(aes.uriExtXKey, 'https://7k4ytuxq5d.execute-api.us-west-2.amazonaws.com/EkeStage/client/abc123/98ee5596-cd3e-a20d-163a-e382420c6eff');
  t.equal(aes.keyFormat, 'identity');
  t.equal(aes.keyFormatVersions, '1');
  const fp = by(SYSTEM_IDS.fairplay);
  t.equal(fp.keyFormat, 'com.apple.streamingkeydelivery');
  t.equal(fp.uriExtXKey, aes.uriExtXKey);

  const wv = by(SYSTEM_IDS.widevine);
  t.equal(wv.pssh!.length, 106);
  t.equal(wv.pssh!.subarray(12, 28).toString('hex'), SYSTEM_IDS.widevine.replace(/-/g, ''));
  const wvData = decodeWidevinePsshData(wv.pssh!.subarray(32));
  t.equal(wvData.kids[0]!.toString('hex'), '79221c6e568d6dbec38e2eac02d299cd');
  t.equal(wvData.provider, 'widevine_test');
  t.equal(wvData.contentId!.toString(), 'key-id:eSIcblaNbb7Dji6sAtKZzQ==');

  const pr = by(SYSTEM_IDS.playready);
  t.equal(pr.pssh!.length, 816);
  const header = parsePlayReadyObject(pr.pssh!.subarray(32));
  t.match(header, /^<WRMHEADER xmlns="http:\/\/schemas.microsoft.com\/DRM\/2007\/03\/PlayReadyHeader" version="4.0.0.0">/);
  const prKid = Buffer.from(/<KID>([^<]+)<\/KID>/.exec(header)![1]!, 'base64');
  // The example's PlayReady KID is the little-endian GUID form of its Widevine KID.
  t.equal(guidLittleEndianToKid(prKid).toString('hex'), wvData.kids[0]!.toString('hex'));
  t.match(header, /<LA_URL>https:\/\/prls.atv-ps.amazon.com\/cdp<\/LA_URL>/);
  // speke:ProtectionHeader (MSS) is base64 of its own PlayReady Object.
  const mss = parsePlayReadyObject(Buffer.from(pr.smoothStreamingProtectionHeaderData!, 'base64'));
  t.match(mss, /<LA_URL>http:\/\/playready.directtaps.net\/pr\/svc\/rightsmanager.asmx/);
});

t.test('SPEKE v2 VOD example response: two keys with their track filters, signaling decoded', async (t) => {
  const set = keySetFromCpix(parseCpix(readFileSync(fixture('speke-v2-vod-response.xml'))));
  t.same(set.keys.map((k) => [k.kid.toString('hex'), k.trackTypes, k.key.toString('base64'), k.iv!.toString('hex')]), [
    [KID, ['video'], '5dGAgwGuUYu4dHeHtNlxJw==', Buffer.from('OFj2IjCsPJFfMAxmQxLGPw==', 'base64').toString('hex')],
    ['53abdba2f21043cbbc90f18f9a890a02', ['audio'], 'lOgzNKBnPZlGSns+WqO8zw==', Buffer.from('L6jzdXrXAFbCJGBuMrrKrG==', 'base64').toString('hex')],
  ]);
  const fp = set.drm.find((d) => d.systemId === SYSTEM_IDS.fairplay)!;
  t.equal(fp.hlsSignalingDataMedia, '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://01234567-8901-2345-6789-012345678901:01234567890123456789012345678901",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"');
  t.match(fp.hlsSignalingDataMaster, /^#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="skd:\/\//);
  const wv = set.drm.find((d) => d.systemId === SYSTEM_IDS.widevine)!;
  t.equal(wv.contentProtectionData, `<cenc:pssh xmlns:cenc="urn:mpeg:cenc:2013">${wv.pssh!.toString('base64')}</cenc:pssh>`);
  t.match(wv.hlsSignalingDataMedia, /KEYID=0x98EE5596CD3EA20D163AE382420C6EFF/);
  const pr = set.drm.find((d) => d.systemId === SYSTEM_IDS.playready)!;
  t.equal(pr.kid.toString('hex'), '53abdba2f21043cbbc90f18f9a890a02');
  t.ok(Buffer.from(pr.smoothStreamingProtectionHeaderData!, 'base64').equals(pr.pssh!.subarray(32)), 'MSS header = the PRO inside the pssh');
});

t.test('SPEKE v2 rule: a ContentProtectionData pssh that differs from PSSH is refused', async (t) => {
  const xml = readFileSync(fixture('speke-v2-vod-response.xml'), 'utf8');
  const other = Buffer.from('<cenc:pssh xmlns:cenc="urn:mpeg:cenc:2013">AAAAIHBzc2gAAAAAEHfv7MCyTQKs4zweUuL7SwAAAAA=</cenc:pssh>').toString('base64');
  const bad = xml.replace(/<cpix:ContentProtectionData>[^<]+</, `<cpix:ContentProtectionData>${other}<`);
  t.throws(() => keySetFromCpix(parseCpix(bad)), { code: 'ERR_SPEKE_PSSH_MISMATCH' });
});

t.test('DASH-IF test vector: unprefixed default namespace, encrypted keys need the private key', async (t) => {
  const doc = parseCpix(readFileSync(fixture('dashif-encrypted-content-keys.xml')));
  t.same(doc.contentKeys.map((k) => k.kid.toString('hex')), [
    'bd5adf51cf04410faac3ec63a69e929e', 'd292042987ab41e6a4c5a8c836b6312e', 'e17ba4b8faff4d30bcba7485e3f2e884', '0ae6b9ad92d24ebe882b1d07dee70715',
  ]);
  t.equal(doc.contentKeys[0]!.encryptedValue!.cipherValue.length, 48, 'IV + one padded AES block pair');
  t.equal(doc.contentKeys[0]!.encryptedValue!.valueMac!.length, 64, 'HMAC-SHA512');
  const dd = doc.deliveryData[0]!;
  t.equal(dd.documentKey!.cipherValue.length, 512, 'RSA-4096 OAEP');
  t.equal(dd.macKey!.cipherValue.length, 512, 'MAC key shape without a pskc:EncryptedValue wrapper is read');
  t.equal(dd.certificate!.length > 1000, true);
  t.throws(() => keySetFromCpix(doc), { code: 'ERR_CPIX_NO_PRIVATE_KEY' });
  const { generateKeyPairSync } = await import('node:crypto');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 4096 });
  t.throws(() => keySetFromCpix(doc, { privateKey }), { code: 'ERR_CPIX_DECRYPT' }, 'another private key cannot open it');
});

t.test('CpixFile reads a document from disk and reports a missing file as an IoError', async (t) => {
  const set = await new CpixFile(fixture('speke-v2-vod-response.xml')).getKeys();
  t.equal(set.keys.length, 2);
  await t.rejects(new CpixFile(fixture('nope.xml')).getKeys(), { code: 'ERR_CPIX_READ', category: 'io' });
});
