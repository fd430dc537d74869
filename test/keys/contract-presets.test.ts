/**
 * SPEKE v2 encryption contracts on the request side. The expected key names and bounds are
 * written from AWS's documentation (MediaPackage / MediaConvert "SPEKE v2.0 presets") and the
 * example requests of AWS's SPEKE v2 verification suite: SD <= 1024x576 (589824 px),
 * HD1 <= 1280x720 (921600), HD <= 1920x1080 (2073600), UHD1 <= 4096x2160 (8847360); stereo <= 2
 * channels, 3-6, 7 and more. The built request is read back with fast-xml-parser (not our parser).
 */
import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { buildSpekeRequest } from '../../src/keys/speke/speke-request.js';
import { buildCpix } from '../../src/keys/cpix/build-cpix.js';
import { keySourceFrom } from '../../src/cli/key-source.js';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';
import type { AudioPreset, VideoPreset } from '../../src/keys/speke/presets.js';

type Bounds = [name: string, min?: number, max?: number];
const EXPECTED_VIDEO: Record<string, Bounds[]> = {
  'PRESET-VIDEO-1': [['VIDEO']],
  'PRESET-VIDEO-2': [['SD', undefined, 589824], ['HD', 589825]],
  'PRESET-VIDEO-3': [['SD', undefined, 589824], ['HD', 589825, 2073600], ['UHD', 2073601]],
  'PRESET-VIDEO-4': [['SD', undefined, 589824], ['HD', 589825, 2073600], ['UHD1', 2073601, 8847360], ['UHD2', 8847361]],
  'PRESET-VIDEO-5': [['SD', undefined, 589824], ['HD1', 589825, 921600], ['HD2', 921601, 2073600], ['UHD1', 2073601, 8847360], ['UHD2', 8847361]],
  'PRESET-VIDEO-6': [['SD', undefined, 589824], ['HD1', 589825, 921600], ['HD2', 921601, 2073600], ['UHD', 2073601]],
  'PRESET-VIDEO-7': [['SD+HD1', undefined, 921600], ['HD2', 921601, 2073600], ['UHD', 2073601]],
  'PRESET-VIDEO-8': [['SD+HD1', undefined, 921600], ['HD2', 921601, 2073600], ['UHD1', 2073601, 8847360], ['UHD2', 8847361]],
};
const EXPECTED_AUDIO: Record<string, Bounds[]> = {
  'PRESET-AUDIO-1': [['AUDIO']],
  'PRESET-AUDIO-2': [['STEREO_AUDIO', undefined, 2], ['MULTICHANNEL_AUDIO', 3]],
  'PRESET-AUDIO-3': [['STEREO_AUDIO', undefined, 2], ['MULTICHANNEL_AUDIO_3_6', 3, 6], ['MULTICHANNEL_AUDIO_7', 7]],
};

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true, isArray: (name) => ['ContentKey', 'ContentKeyUsageRule', 'VideoFilter', 'AudioFilter', 'DRMSystem'].includes(name) });
interface Rule { kid: string; intendedTrackType: string; VideoFilter?: { minPixels?: string; maxPixels?: string }[]; AudioFilter?: { minChannels?: string; maxChannels?: string }[] }

function rulesOf(video: VideoPreset, audio: AudioPreset): Rule[] {
  const plan = buildSpekeRequest({ contentId: 'c', trackTypes: ['video', 'audio'], scheme: 'cenc' }, { version: 2, drmSystems: ['widevine'], videoPreset: video, audioPreset: audio });
  const doc = parser.parse(buildCpix(plan.document)) as { CPIX: { ContentKeyList: { ContentKey: { kid: string }[] }; ContentKeyUsageRuleList: { ContentKeyUsageRule: Rule[] } } };
  const rules = doc.CPIX.ContentKeyUsageRuleList.ContentKeyUsageRule;
  const kids = doc.CPIX.ContentKeyList.ContentKey.map((k) => k.kid);
  for (const r of rules) if (!kids.includes(r.kid)) throw new Error(`rule for ${r.kid} names no ContentKey`);
  if (new Set(kids).size !== kids.length) throw new Error('duplicate KIDs');
  return rules;
}

const n = (s: string | undefined) => (s === undefined ? undefined : Number(s));

t.test('each video preset asks for its keys with the documented names and pixel bounds', async (t) => {
  for (const [preset, expected] of Object.entries(EXPECTED_VIDEO)) {
    const rules = rulesOf(preset as VideoPreset, 'PRESET-AUDIO-1').filter((r) => r.VideoFilter);
    t.same(rules.map((r) => [r.intendedTrackType, n(r.VideoFilter![0]!.minPixels), n(r.VideoFilter![0]!.maxPixels)].filter((x, i) => i === 0 || x !== undefined)),
      expected.map((e) => e.filter((x, i) => i === 0 || x !== undefined)), preset);
    t.ok(rules.every((r) => !r.AudioFilter), `${preset}: video rules carry no AudioFilter`);
  }
});

t.test('each audio preset asks for its keys with the documented names and channel bounds', async (t) => {
  for (const [preset, expected] of Object.entries(EXPECTED_AUDIO)) {
    const rules = rulesOf('PRESET-VIDEO-1', preset as AudioPreset).filter((r) => r.AudioFilter);
    t.same(rules.map((r) => [r.intendedTrackType, n(r.AudioFilter![0]!.minChannels), n(r.AudioFilter![0]!.maxChannels)].filter((x, i) => i === 0 || x !== undefined)),
      expected.map((e) => e.filter((x, i) => i === 0 || x !== undefined)), preset);
  }
});

t.test('SHARED is one ALL key with both filters; UNENCRYPTED asks for nothing of that type', async (t) => {
  const shared = rulesOf('SHARED', 'SHARED');
  t.equal(shared.length, 1);
  t.equal(shared[0]!.intendedTrackType, 'ALL');
  t.ok(shared[0]!.VideoFilter && shared[0]!.AudioFilter, 'VideoFilter and AudioFilter, unbounded');
  const noAudio = rulesOf('PRESET-VIDEO-2', 'UNENCRYPTED');
  t.same(noAudio.map((r) => r.intendedTrackType), ['SD', 'HD']);
  const plan = buildSpekeRequest({ contentId: 'c', trackTypes: ['video', 'audio'], scheme: 'cenc' }, { version: 2, drmSystems: [], videoPreset: 'UNENCRYPTED', audioPreset: 'PRESET-AUDIO-2' });
  t.same(plan.clearTrackTypes, ['video'], 'the plan says video stays clear');
  t.same([...plan.contractByKid.values()].map((c) => c.intendedTrackType), ['STEREO_AUDIO', 'MULTICHANNEL_AUDIO']);
});

t.test('a type the content lacks asks for no key', async (t) => {
  const plan = buildSpekeRequest({ contentId: 'c', trackTypes: ['audio'], scheme: 'cenc' }, { version: 2, drmSystems: [], videoPreset: 'PRESET-VIDEO-5', audioPreset: 'PRESET-AUDIO-3' });
  t.same([...plan.contractByKid.values()].map((c) => c.intendedTrackType), ['STEREO_AUDIO', 'MULTICHANNEL_AUDIO_3_6', 'MULTICHANNEL_AUDIO_7']);
});

t.test('the combinations AWS rules out are usage errors (CLI and library)', async (t) => {
  const cli = (v: string, a: string) => () => keySourceFrom({ 'speke-url': 'https://ks.example/speke', 'content-id': 'x', 'preset-video': v, 'preset-audio': a }, {});
  t.throws(cli('SHARED', 'PRESET-AUDIO-1'), { code: 'ERR_PRESET_COMBINATION' }, 'SHARED video with another audio preset');
  t.throws(cli('PRESET-VIDEO-2', 'SHARED'), { code: 'ERR_PRESET_COMBINATION' }, 'SHARED audio with another video preset');
  t.throws(cli('UNENCRYPTED', 'UNENCRYPTED'), { code: 'ERR_PRESET_COMBINATION' }, 'UNENCRYPTED twice');
  t.throws(cli('UNENCRYPTED', 'SHARED'), { code: 'ERR_PRESET_COMBINATION' }, 'UNENCRYPTED with SHARED');
  t.throws(cli('PRESET-VIDEO-9', 'PRESET-AUDIO-1'), { code: 'ERR_PRESET' }, 'unknown preset');
  t.throws(cli('PRESET-VIDEO-1', 'PRESET-AUDIO-4'), { code: 'ERR_PRESET' }, 'unknown audio preset');
  t.same(cli('preset_video_3', 'preset-audio-2')(), { spekeUrl: 'https://ks.example/speke', contentId: 'x', videoPreset: 'PRESET-VIDEO-3', audioPreset: 'PRESET-AUDIO-2' }, 'MediaConvert-style spellings accepted');
  t.throws(() => keySourceFrom({ key: ['00112233445566778899aabbccddeeff:00112233445566778899aabbccddeeff'], 'preset-video': 'PRESET-VIDEO-2' }, {}), { code: 'ERR_PRESET' }, 'presets need a SPEKE server');
  t.throws(() => new SpekeClient({ url: 'https://ks.example/speke', videoPreset: 'SHARED', audioPreset: 'PRESET-AUDIO-1' }), { code: 'ERR_PRESET_COMBINATION' });
  t.throws(() => new SpekeClient({ url: 'https://ks.example/speke', version: 1, videoPreset: 'PRESET-VIDEO-2' }), { code: 'ERR_PRESET' }, 'v1 has no contracts');
});
