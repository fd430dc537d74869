// EncryptResult carries the manifest signaling for the keys it used, parsed back by independent parsers.
import t from 'tap';
import { validateXml } from '../oracles/xmllint.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from 'm3u8-parser';
import { encryptFile } from '../../src/api/index.js';
import { parseKeySpec, SYSTEM_IDS, type KeySet } from '../../src/keys/index.js';
import { buildWidevinePssh } from '../../src/keys/drm/widevine-pssh.js';

const VKID = '00112233445566778899aabbccddeeff';
const AKID = '0102030405060708090a0b0c0d0e0f10';
const KEY = 'ffeeddccbbaa99887766554433221100';

t.test('encryptFile returns DASH ContentProtection and HLS key tags for each KID', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'segcrypt-signal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A key server's answer: per-track keys and a Widevine pssh per KID.
  const keys: KeySet = {
    keys: [parseKeySpec(`video=${VKID}:${KEY}`), parseKeySpec(`audio=${AKID}:${KEY}`)],
    drm: [VKID, AKID].map((k) => ({ systemId: SYSTEM_IDS.widevine, kid: Buffer.from(k, 'hex'), pssh: buildWidevinePssh({ kids: [Buffer.from(k, 'hex')], scheme: 'cenc' }) })),
  };
  const r = await encryptFile('samples/media/muxed.mp4', join(dir, 'o.mp4'), { scheme: 'cenc', poolSize: 0, keys });
  const sig = r.signaling!;
  t.ok(sig, 'signaling present');
  // DASH: well-formed XML (xmllint) with one mp4protection element per KID and default_KID in UUID form.
  const doc = join(dir, 'cp.xml');
  writeFileSync(doc, `<root xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013" xmlns:mspr="urn:microsoft:playready">${sig.dash}</root>`);
  const wellFormed = await validateXml(doc);
  t.ok(wellFormed.valid, `${wellFormed.validator}: the DASH signaling is well-formed XML`, { report: wellFormed.report });
  t.match(sig.dash, /schemeIdUri="urn:mpeg:dash:mp4protection:2011"[^>]*value="cenc"|value="cenc"[^>]*schemeIdUri="urn:mpeg:dash:mp4protection:2011"/);
  t.match(sig.dash, /cenc:default_KID="00112233-4455-6677-8899-aabbccddeeff"/);
  t.match(sig.dash, /cenc:default_KID="01020304-0506-0708-090a-0b0c0d0e0f10"/);
  // HLS: SAMPLE-AES-CTR media tags, parsed by m3u8-parser.
  const p = new Parser();
  p.push(['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:2', ...sig.hls.media, '#EXTINF:2,', 's.m4s', '#EXT-X-ENDLIST'].join('\n'));
  p.end();
  const cp = (p.manifest as { contentProtection?: Record<string, { attributes: { keyId?: string } }> }).contentProtection;
  const methods = sig.hls.media.map((l) => /METHOD=([A-Z0-9-]+)/.exec(l)?.[1]);
  t.equal(methods.length, 2, 'one Widevine tag per KID');
  t.ok(methods.every((m) => m === 'SAMPLE-AES-CTR'), 'cenc fMP4 is SAMPLE-AES-CTR');
  t.ok(sig.hls.media.every((l) => l.includes('KEYFORMAT="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"')), 'Widevine KEYFORMAT');
  t.equal(sig.hls.master.length, 2, 'session keys for the master playlist');
  t.match(sig.dash, /urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed/);
  t.ok(cp?.['com.widevine.alpha'], 'm3u8-parser reads the Widevine key');
  t.match(String(cp?.['com.widevine.alpha']?.attributes.keyId), /^(00112233445566778899aabbccddeeff|0102030405060708090a0b0c0d0e0f10)$/i, 'with its KEYID');
});
