import type { CpixDocument, CpixUsageRule } from '../keys/cpix/cpix-model.js';
import { kidToUuid } from '../keys/drm/guid.js';
import { AUDIO_PRESETS, contractKeys, VIDEO_PRESETS } from '../keys/speke/presets.js';
import { refuse } from './request-rejected.js';

type RuleKind = 'all' | 'video' | 'audio';

/** The key names of each numbered preset, from the client's preset table (one table for both ends). */
const VIDEO_KEY_SETS = VIDEO_PRESETS.filter((p) => p.startsWith('PRESET-')).map((p) => contractKeys(p, 'UNENCRYPTED', ['video']).map((k) => k.intendedTrackType));
const AUDIO_KEY_SETS = AUDIO_PRESETS.filter((p) => p.startsWith('PRESET-')).map((p) => contractKeys('UNENCRYPTED', p, ['audio']).map((k) => k.intendedTrackType));
const VIDEO_TRACK_TYPES = new Set(VIDEO_KEY_SETS.flat());
const AUDIO_TRACK_TYPES = new Set(AUDIO_KEY_SETS.flat());

/** No keys of a kind is UNENCRYPTED; otherwise the names must be exactly one preset's. */
const isPresetKeySet = (sets: string[][], names: string[]): boolean =>
  names.length === 0 || sets.some((set) => set.length === names.length && set.every((n) => names.includes(n)));

/**
 * SPEKE v2 encryption contract (SPEKE API v2 "Encryption contract"): every content key has a
 * ContentKeyUsageRule; `intendedTrackType` is unique within a key period; `ALL` carries one
 * VideoFilter and one AudioFilter without attributes and stands alone; any other name is made of
 * the preset vocabulary (SD, HD, HD1, HD2, UHD, UHD1, UHD2, VIDEO; STEREO_AUDIO,
 * MULTICHANNEL_AUDIO, MULTICHANNEL_AUDIO_3_6, MULTICHANNEL_AUDIO_7, AUDIO), joined by '+', and
 * carries filters of its own kind, one per sub-component or one for the whole; the video keys
 * of a period, and its audio keys, are those of one SPEKE v2.0 preset. Throws a 422 naming the
 * rule otherwise. The filters themselves are echoed, not second-guessed: they decide which
 * track gets which key.
 */
export function checkEncryptionContract(req: CpixDocument): void {
  if (req.usageRules.length === 0) throw refuse('Missing ContentKeyUsageRuleList/ContentKeyUsageRule (the SPEKE v2 encryption contract)');
  const periodIds = new Set<string>();
  for (const p of req.periods) {
    if (p.index === undefined) throw refuse(`Missing ContentKeyPeriod@index for period ${p.id.slice(0, 64)}`);
    periodIds.add(p.id);
  }
  const keyKids = new Set(req.contentKeys.map((k) => k.kid.toString('hex')));
  const ruleKids = new Set<string>();
  const byPeriod = new Map<string, { rule: CpixUsageRule; kind: RuleKind }[]>();
  for (const rule of req.usageRules) {
    const kid = kidToUuid(rule.kid);
    if (!keyKids.has(rule.kid.toString('hex'))) throw refuse(`ContentKeyUsageRule@kid ${kid} is not in ContentKeyList`);
    ruleKids.add(rule.kid.toString('hex'));
    const kind = ruleKind(rule, kid);
    for (const p of rule.periodIds) {
      if (!periodIds.has(p)) throw refuse(`ContentKeyUsageRule kid ${kid}: KeyPeriodFilter@periodId ${p.slice(0, 64)} is not in ContentKeyPeriodList`);
    }
    for (const p of rule.periodIds.length > 0 ? rule.periodIds : ['']) {
      const list = byPeriod.get(p) ?? [];
      list.push({ rule, kind });
      byPeriod.set(p, list);
    }
  }
  for (const k of req.contentKeys) {
    if (!ruleKids.has(k.kid.toString('hex'))) throw refuse(`Missing ContentKeyUsageRule for KID ${kidToUuid(k.kid)}`);
  }
  for (const [period, rules] of byPeriod) checkPeriodContract(rules, period);
}

function ruleKind(rule: CpixUsageRule, kid: string): RuleKind {
  const type = rule.intendedTrackType;
  if (!type) throw refuse(`Missing ContentKeyUsageRule@intendedTrackType for KID ${kid}`);
  const where = `ContentKeyUsageRule kid ${kid} intendedTrackType ${type.slice(0, 40)}`;
  for (const f of rule.videoFilters) {
    if (negative(f.minPixels) || negative(f.maxPixels) || (f.minPixels !== undefined && f.maxPixels !== undefined && f.minPixels > f.maxPixels)) {
      throw refuse(`${where}: VideoFilter minPixels/maxPixels out of order`);
    }
  }
  for (const f of rule.audioFilters) {
    if (negative(f.minChannels) || negative(f.maxChannels) || (f.minChannels !== undefined && f.maxChannels !== undefined && f.minChannels > f.maxChannels)) {
      throw refuse(`${where}: AudioFilter minChannels/maxChannels out of order`);
    }
  }
  if (type === 'ALL') {
    const bare = rule.videoFilters.length === 1 && rule.audioFilters.length === 1 && Object.keys(rule.videoFilters[0]!).length === 0 && Object.keys(rule.audioFilters[0]!).length === 0;
    if (!bare) throw refuse(`${where}: ALL takes exactly one VideoFilter and one AudioFilter, both without attributes`);
    return 'all';
  }
  const parts = type.split('+');
  const video = parts.every((p) => VIDEO_TRACK_TYPES.has(p));
  const audio = parts.every((p) => AUDIO_TRACK_TYPES.has(p));
  if (!video && !audio) throw refuse(`Unsupported ContentKeyUsageRule@intendedTrackType ${type.slice(0, 40)} for KID ${kid}`);
  const [mine, other, name] = video ? [rule.videoFilters, rule.audioFilters, 'VideoFilter'] : [rule.audioFilters, rule.videoFilters, 'AudioFilter'];
  if (other.length > 0) throw refuse(`${where}: a ${video ? 'video' : 'audio'} key takes no ${video ? 'AudioFilter' : 'VideoFilter'}`);
  if (mine.length === 0) throw refuse(`${where}: Missing ${name}`);
  if (mine.length !== 1 && mine.length !== parts.length) throw refuse(`${where}: ${mine.length} ${name} elements for ${parts.length} sub-component(s)`);
  return video ? 'video' : 'audio';
}

function checkPeriodContract(rules: { rule: CpixUsageRule; kind: RuleKind }[], period: string): void {
  const inPeriod = period ? ` in key period ${period.slice(0, 64)}` : '';
  const seen = new Set<string>();
  for (const { rule } of rules) {
    const t = rule.intendedTrackType!;
    if (seen.has(t)) throw refuse(`Duplicate ContentKeyUsageRule@intendedTrackType ${t.slice(0, 40)}${inPeriod}`);
    seen.add(t);
  }
  if (rules.some((r) => r.kind === 'all') && rules.length > 1) {
    throw refuse(`Non compliant ContentKeyUsageRule@intendedTrackType combination${inPeriod}: ALL (the SHARED preset) cannot be combined with ${rules.filter((r) => r.kind !== 'all').map((r) => r.rule.intendedTrackType!.slice(0, 40)).join(', ')}`);
  }
  if (rules.length === 1 && rules[0]!.kind === 'all') return;
  const names = (kind: RuleKind): string[] => rules.filter((r) => r.kind === kind).map((r) => r.rule.intendedTrackType!);
  const video = names('video');
  const audio = names('audio');
  if (!isPresetKeySet(VIDEO_KEY_SETS, video)) throw refuse(`Non compliant ContentKeyUsageRule@intendedTrackType combination${inPeriod}: ${video.join(', ').slice(0, 120)} is not the key set of a SPEKE v2.0 video preset`);
  if (!isPresetKeySet(AUDIO_KEY_SETS, audio)) throw refuse(`Non compliant ContentKeyUsageRule@intendedTrackType combination${inPeriod}: ${audio.join(', ').slice(0, 120)} is not the key set of a SPEKE v2.0 audio preset`);
}

function negative(n: number | undefined): boolean {
  return n !== undefined && n < 0;
}
