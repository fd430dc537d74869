import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLES } from '../oracles/run-tool.js';
import { contentProtectionElements, parseMpd, rewriteMpd, templateFiles } from '../../src/signaling/index.js';
import { buildCommonPssh, SYSTEM_IDS } from '../../src/keys/drm/index.js';

const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const els = contentProtectionElements({ scheme: 'cenc', defaultKid: kid, drm: [{ systemId: SYSTEM_IDS.common, kid, pssh: buildCommonPssh([kid]) }] });

/** Undo exactly what the rewrite adds: the inserted lines and the namespace declaration. */
function strip(out: string): string {
  return out
    .replace(/\r?\n[ \t]*<ContentProtection[^>]*\/>/g, '')
    .replace(/\r?\n[ \t]*<ContentProtection[^>]*>[\s\S]*?<\/ContentProtection>/g, '')
    .replace(/\s+xmlns:cenc="urn:mpeg:cenc:2013"/, '');
}

for (const sample of ['dash', 'dash-timeline', 'dash-shaka', 'dash-shaka-single']) {
  t.test(`${sample}: everything but the insertions stays byte for byte`, async (t) => {
    const text = readFileSync(path.join(SAMPLES, sample, 'manifest.mpd'), 'utf8');
    const out = rewriteMpd(text, parseMpd(text), () => els);
    t.not(out, text);
    t.equal(strip(out), text, 'removing the ContentProtection lines and xmlns:cenc gives the input back');
    t.equal(out.match(/<ContentProtection /g)?.length, 4, 'two per AdaptationSet (mp4protection + common pssh)');
    // Each insertion sits right after the AdaptationSet start tag, indented like its children.
    const m = /<AdaptationSet [^>]*>(\r?\n)([ \t]*)<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011"/.exec(out);
    t.ok(m, 'first child of the AdaptationSet');
    const childIndent = /<AdaptationSet [^>]*>\r?\n([ \t]*)</.exec(text)![1];
    t.equal(m![2], childIndent, 'same indentation as the existing children');
  });
}

t.test('after AudioChannelConfiguration at AdaptationSet level (RepresentationBaseType order)', async (t) => {
  const text = '<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="p" minBufferTime="PT1S">\n <Period>\n  <AdaptationSet contentType="audio">\n   <AudioChannelConfiguration schemeIdUri="x" value="2"/>\n   <Role schemeIdUri="r" value="main"/>\n   <Representation id="a" bandwidth="1"/>\n  </AdaptationSet>\n </Period>\n</MPD>\n';
  const out = rewriteMpd(text, parseMpd(text), () => els);
  t.ok(out.indexOf('<AudioChannelConfiguration') < out.indexOf('<ContentProtection'), 'after AudioChannelConfiguration');
  t.ok(out.indexOf('<ContentProtection') < out.indexOf('<Role'), 'before Role');
  t.match(out, '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="p" minBufferTime="PT1S" xmlns:cenc="urn:mpeg:cenc:2013">');
  t.equal(strip(out), text);
});

t.test('only the AdaptationSets the callback protects; existing declarations kept', async (t) => {
  const text = '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013"><Period><AdaptationSet contentType="video"><Representation id="v" bandwidth="1"/></AdaptationSet><AdaptationSet contentType="text"><Representation id="t" bandwidth="1"/></AdaptationSet></Period></MPD>';
  const model = parseMpd(text);
  t.same(model.adaptationSets.map((a) => a.trackType), ['video', undefined]);
  const out = rewriteMpd(text, model, (s) => (s.trackType ? els : undefined));
  t.equal(out.match(/mp4protection/g)?.length, 1);
  t.equal(out.match(/xmlns:cenc=/g)?.length, 1, 'no second declaration');
  t.match(out, '<AdaptationSet contentType="video"><ContentProtection', 'inline documents get inline insertion');
});

t.test('refusals: already protected, prefix bound elsewhere, DOCTYPE, not well-formed', async (t) => {
  const prot = '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period><AdaptationSet contentType="video"><ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc"/><Representation id="v" bandwidth="1"/></AdaptationSet></Period></MPD>';
  t.throws(() => rewriteMpd(prot, parseMpd(prot), () => els), { code: 'ERR_ALREADY_ENCRYPTED', message: /AdaptationSet\[0\]/ });
  const ns = '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:other"><Period><AdaptationSet contentType="video"><Representation id="v" bandwidth="1"/></AdaptationSet></Period></MPD>';
  t.throws(() => rewriteMpd(ns, parseMpd(ns), () => els), { code: 'ERR_MPD_NAMESPACE' });
  t.throws(() => parseMpd('<!DOCTYPE MPD [<!ENTITY a "b">]><MPD>&a;</MPD>'), { code: 'ERR_XML_DOCTYPE' });
  t.throws(() => parseMpd('<MPD><Period></MPD>'), { code: 'ERR_XML_PARSE' });
  t.throws(() => parseMpd('<Foo/>'), { code: 'ERR_MPD_ROOT' });
});

t.test('SegmentBase ranges are updated in place', async (t) => {
  const text = readFileSync(path.join(SAMPLES, 'dash-shaka-single', 'manifest.mpd'), 'utf8');
  const model = parseMpd(text);
  const sb = model.adaptationSets[0]!.representations[0]!.segmentBase!;
  const out = rewriteMpd(text, model, () => undefined, [
    { element: sb.element, name: 'indexRange', value: '972-1039' }, { element: sb.initialization!, name: 'range', value: '0-971' },
  ]);
  t.match(out, '<SegmentBase indexRange="972-1039" timescale="12800">\n          <Initialization range="0-971"/>');
  t.equal(out.replace('972-1039', '840-907').replace('0-971', '0-839'), text);
});

t.test('SegmentTemplate: numbered, timeline with repeats and implicit t, $Number%05d$', async (t) => {
  const timeline = readFileSync(path.join(SAMPLES, 'dash-timeline', 'manifest.mpd'), 'utf8');
  const m = parseMpd(timeline);
  const audio = m.adaptationSets[1]!;
  const f = templateFiles(audio.representations[0]!, audio.representations[0]!.template!, audio.durationSeconds, 'audio');
  t.equal(f.init, 'init-stream1.m4s');
  t.same(f.media.map((s) => [s.path, s.number, s.time]), [
    ['chunk-stream1-00001.m4s', 1, 0], ['chunk-stream1-00002.m4s', 2, 92160], ['chunk-stream1-00003.m4s', 3, 188416], ['chunk-stream1-00004.m4s', 4, 284672],
  ]);
  const numbered = readFileSync(path.join(SAMPLES, 'dash', 'manifest.mpd'), 'utf8');
  const n = parseMpd(numbered).adaptationSets[0]!;
  const nf = templateFiles(n.representations[0]!, n.representations[0]!.template!, n.durationSeconds, 'video');
  t.same(nf.media.map((s) => s.path), ['chunk-stream0-00001.m4s', 'chunk-stream0-00002.m4s', 'chunk-stream0-00003.m4s'], 'ceil(6 s / 2 s) segments');
  t.ok(nf.mediaPattern!.test('chunk-stream0-00004.m4s'), 'the pattern catches segments past the computed count');
  t.notOk(nf.mediaPattern!.test('chunk-stream1-00004.m4s'), 'but not another Representation\'s');
  const time = '<MPD><Period duration="PT6S"><AdaptationSet contentType="video"><Representation id="v1" bandwidth="9"><SegmentTemplate timescale="10" media="$RepresentationID$/$Time$-$Bandwidth$.m4s" initialization="$RepresentationID$/i.mp4" startNumber="7"><SegmentTimeline><S t="5" d="20" r="-1"/></SegmentTimeline></SegmentTemplate></Representation></AdaptationSet></Period></MPD>';
  const tm = parseMpd(time).adaptationSets[0]!;
  const tf = templateFiles(tm.representations[0]!, tm.representations[0]!.template!, tm.durationSeconds, 'v');
  t.same(tf.media.map((s) => [s.path, s.number]), [['v1/5-9.m4s', 7], ['v1/25-9.m4s', 8], ['v1/45-9.m4s', 9]], 'r=-1 repeats to the period end');
});

t.test('an out-of-range character reference in an MPD attribute decodes to nothing, it does not throw', async (t) => {
  const { decodeXmlText } = await import('../../src/signaling/xml-scan.js');
  t.equal(decodeXmlText('a&#x110000;b&amp;c&#65;'), 'ab&cA');
});
