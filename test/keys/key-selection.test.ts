/**
 * Which key for which track: the usage rules as a key server returned them decide (parsed from a
 * CPIX answer written here by hand, in the shape AWS's verification suite uses), at the class
 * boundaries the AWS preset tables give.
 */
import t from 'tap';
import { parseCpix } from '../../src/keys/cpix/parse-cpix.js';
import { keySetFromCpix } from '../../src/keys/cpix/keyset-from-cpix.js';
import { chooseKey, selectKey } from '../../src/keys/key-selection.js';
import type { KeySet, TrackClass } from '../../src/keys/content-key.js';

const KIDS = {
  SD: '11111111-1111-4111-8111-111111111111', HD1: '22222222-2222-4222-8222-222222222222', HD2: '33333333-3333-4333-8333-333333333333',
  UHD: '44444444-4444-4444-8444-444444444444', STEREO_AUDIO: '55555555-5555-4555-8555-555555555555', MULTICHANNEL_AUDIO: '66666666-6666-4666-8666-666666666666',
} as const;
const VALUE = Buffer.alloc(16, 7).toString('base64');
const rule = (name: keyof typeof KIDS, filter: string) => `<cpix:ContentKeyUsageRule kid="${KIDS[name]}" intendedTrackType="${name}">${filter}</cpix:ContentKeyUsageRule>`;

/** A PRESET-VIDEO-6 + PRESET-AUDIO-2 answer. */
function answer(rules: string[] = [
  rule('SD', '<cpix:VideoFilter maxPixels="589824"/>'),
  rule('HD1', '<cpix:VideoFilter minPixels="589825" maxPixels="921600"/>'),
  rule('HD2', '<cpix:VideoFilter minPixels="921601" maxPixels="2073600"/>'),
  rule('UHD', '<cpix:VideoFilter minPixels="2073601"/>'),
  rule('STEREO_AUDIO', '<cpix:AudioFilter maxChannels="2"/>'),
  rule('MULTICHANNEL_AUDIO', '<cpix:AudioFilter minChannels="3"/>'),
]): KeySet {
  const keys = Object.values(KIDS).filter((k) => rules.some((r) => r.includes(k))).map((k) => `<cpix:ContentKey kid="${k}" commonEncryptionScheme="cenc"><cpix:Data><pskc:Secret><pskc:PlainValue>${VALUE}</pskc:PlainValue></pskc:Secret></cpix:Data></cpix:ContentKey>`).join('');
  const xml = `<?xml version="1.0"?><cpix:CPIX contentId="t" version="2.3" xmlns:cpix="urn:dashif:org:cpix" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc"><cpix:ContentKeyList>${keys}</cpix:ContentKeyList><cpix:ContentKeyUsageRuleList>${rules.join('')}</cpix:ContentKeyUsageRuleList></cpix:CPIX>`;
  return keySetFromCpix(parseCpix(Buffer.from(xml), 'test answer'));
}

const nameOf = (set: KeySet, track: TrackClass) => {
  const k = selectKey(set, track);
  return k ? Object.entries(KIDS).find(([, v]) => v.replace(/-/g, '') === k.kid.toString('hex'))?.[0] : undefined;
};

t.test('video: the pixel count picks the class, bounds inclusive', async (t) => {
  const set = answer();
  const cases: [number, number, string][] = [
    [640, 360, 'SD'], [1024, 576, 'SD'], [1024, 577, 'HD1'], [1280, 720, 'HD1'], [1280, 722, 'HD2'],
    [1920, 1080, 'HD2'], [1920, 1088, 'UHD'], [3840, 2160, 'UHD'],
  ];
  for (const [w, h, cls] of cases) t.equal(nameOf(set, { type: 'video', width: w, height: h }), cls, `${w}x${h} -> ${cls}`);
});

t.test('audio: the channel count picks the class', async (t) => {
  const set = answer();
  for (const [ch, cls] of [[1, 'STEREO_AUDIO'], [2, 'STEREO_AUDIO'], [3, 'MULTICHANNEL_AUDIO'], [6, 'MULTICHANNEL_AUDIO'], [8, 'MULTICHANNEL_AUDIO']] as const) {
    t.equal(nameOf(set, { type: 'audio', channels: ch }), cls, `${ch} channels -> ${cls}`);
  }
});

t.test('the server\'s rules decide, not the preset names', async (t) => {
  // A server that moved the SD/HD1 boundary up to 720p: a 1280x720 track is SD by its rules.
  const set = answer([rule('SD', '<cpix:VideoFilter maxPixels="921600"/>'), rule('HD1', '<cpix:VideoFilter minPixels="921601"/>')]);
  t.equal(nameOf(set, { type: 'video', width: 1280, height: 720 }), 'SD');
  t.equal(nameOf(set, { type: 'video', width: 1920, height: 1080 }), 'HD1');
});

t.test('a track no rule takes is an error naming the track; unknown size says so', async (t) => {
  const videoOnly = answer([rule('SD', '<cpix:VideoFilter maxPixels="589824"/>')]);
  t.throws(() => chooseKey(videoOnly, { type: 'video', width: 1920, height: 1080, name: 'video/1080p/init.mp4 track 1' }),
    { code: 'ERR_NO_KEY_FOR_TRACK', message: /video\/1080p\/init\.mp4 track 1 \(video 1920x1080\)/ });
  t.throws(() => chooseKey(videoOnly, { type: 'audio', channels: 2, name: 'track 2' }), { code: 'ERR_NO_KEY_FOR_TRACK', message: /track 2/ });
  t.throws(() => chooseKey(videoOnly, { type: 'video', name: 'seg.ts' }), { code: 'ERR_NO_KEY_FOR_TRACK', message: /picture size is unknown/ });
});

t.test('UNENCRYPTED types come back clear; keys without rules serve every track', async (t) => {
  const set = answer([rule('STEREO_AUDIO', '<cpix:AudioFilter maxChannels="2"/>')]);
  set.clearTrackTypes = ['video'];
  t.same(chooseKey(set, { type: 'video', width: 640, height: 360 }), { clear: true });
  t.ok('key' in chooseKey(set, { type: 'audio', channels: 2 }));
  const plain: KeySet = { keys: [{ kid: Buffer.alloc(16, 1), key: Buffer.alloc(16, 2) }], drm: [] };
  t.ok('key' in chooseKey(plain, { type: 'video', width: 3840, height: 2160 }));
  t.ok('key' in chooseKey(plain, { type: 'audio' }));
});
