import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { contentProtectionElements, renderContentProtection } from '../../src/signaling/index.js';
import { buildCommonPssh, buildPlayReadyObject, buildPlayReadyPssh, buildWidevinePssh, buildWrmHeader, SYSTEM_IDS } from '../../src/keys/drm/index.js';

const kid = Buffer.from('9eb4050de44b4802932e27d75083e266', 'hex');
const key = Buffer.from('166634c675823c235a4a9446fad52e4d', 'hex');
const widevine = buildWidevinePssh({ kids: [kid], scheme: 'cenc' });
const pro = buildPlayReadyObject(buildWrmHeader({ keys: [{ kid, key }], scheme: 'cenc' }));
const playready = buildPlayReadyPssh(pro, [kid]);

const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', processEntities: false, isArray: (_n: string, _p: unknown, _l: boolean, isAttribute: boolean) => !isAttribute })
  .parse(`<r xmlns:cenc="urn:mpeg:cenc:2013" xmlns:mspr="urn:microsoft:playready">${xml}</r>`).r[0].ContentProtection;

t.test('mp4protection first, then one element per DRM system with its pssh', async (t) => {
  const els = contentProtectionElements({
    scheme: 'cbcs', defaultKid: kid,
    drm: [{ systemId: SYSTEM_IDS.widevine, kid, pssh: widevine }, { systemId: SYSTEM_IDS.playready, kid, pssh: playready }],
  });
  const cps = parse(renderContentProtection(els));
  t.equal(cps.length, 3);
  t.equal(cps[0]['@schemeIdUri'], 'urn:mpeg:dash:mp4protection:2011');
  t.equal(cps[0]['@value'], 'cbcs', 'value = scheme 4cc');
  t.equal(cps[0]['@cenc:default_KID'], '9eb4050d-e44b-4802-932e-27d75083e266', 'default_KID in UUID form');
  t.equal(cps[1]['@schemeIdUri'], `urn:uuid:${SYSTEM_IDS.widevine}`);
  t.same(Buffer.from(cps[1]['cenc:pssh'][0], 'base64'), widevine, 'Widevine cenc:pssh is the whole pssh box');
  t.equal(cps[2]['@schemeIdUri'], `urn:uuid:${SYSTEM_IDS.playready}`);
  t.equal(cps[2]['@value'], 'MSPR 2.0');
  t.same(Buffer.from(cps[2]['cenc:pssh'][0], 'base64'), playready);
  t.same(Buffer.from(cps[2]['mspr:pro'][0], 'base64'), pro, 'mspr:pro is the PlayReady Object inside the pssh');
});

t.test('ContentProtectionData from the key server is used as returned', async (t) => {
  const children = '<cenc:pssh>QUJD</cenc:pssh><widevine:license xmlns:widevine="urn:x">L</widevine:license>';
  const whole = `<ContentProtection schemeIdUri="urn:uuid:${SYSTEM_IDS.playready}" value="MSPR 2.0"><cenc:pssh>AAAA</cenc:pssh></ContentProtection>`;
  const xml = renderContentProtection(contentProtectionElements({
    scheme: 'cenc', defaultKid: kid,
    drm: [
      { systemId: SYSTEM_IDS.widevine, kid, pssh: widevine, contentProtectionData: children },
      { systemId: SYSTEM_IDS.playready, kid, pssh: playready, contentProtectionData: whole },
    ],
  }));
  t.ok(xml.includes(children), 'child elements inserted verbatim');
  t.ok(xml.includes(whole), 'a whole ContentProtection element inserted verbatim');
  t.notOk(xml.includes(widevine.toString('base64')), 'our own pssh is not added next to the server data');
});

t.test('ClearKey with its license URL (clearkey:Laurl and DASH-IF CPS dashif:Laurl), escaped', async (t) => {
  const url = 'https://lic.example/ck?a=1&b=2';
  const xml = renderContentProtection(contentProtectionElements({
    scheme: 'cenc', defaultKid: kid, drm: [{ systemId: SYSTEM_IDS.common, kid, pssh: buildCommonPssh([kid]) }], clearKeyLicenseUrl: url,
  }));
  t.match(xml, /<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0">/);
  t.match(xml, '<clearkey:Laurl Lic_type="EME-1.0">https://lic.example/ck?a=1&amp;b=2</clearkey:Laurl>');
  t.match(xml, '<dashif:Laurl>https://lic.example/ck?a=1&amp;b=2</dashif:Laurl>');
  t.match(xml, `urn:uuid:${SYSTEM_IDS.common}`, 'the W3C common pssh element stays');
  t.ok(xml.indexOf('e2719d58') < xml.indexOf(SYSTEM_IDS.common), 'ClearKey (with its URL) comes before the common pssh element: players keep the first org.w3.clearkey entry');
  const none = renderContentProtection(contentProtectionElements({ scheme: 'cenc', defaultKid: kid, drm: [] }));
  t.notMatch(none, 'e2719d58', 'no ClearKey element without a license URL');
});

t.test('a broken PlayReady pssh is a typed error naming the system', async (t) => {
  const bad = Buffer.from(playready);
  bad.writeUInt32BE(bad.length + 4, 0);
  t.throws(() => contentProtectionElements({ scheme: 'cenc', defaultKid: kid, drm: [{ systemId: SYSTEM_IDS.playready, kid, pssh: bad }] }),
    { code: 'ERR_PSSH_INVALID', message: /9a04f079/ });
});
