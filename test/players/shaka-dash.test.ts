/**
 * shaka-player decodes encryptPackage's DASH output: cenc and cbcs, ffmpeg- and Shaka-Packager-made
 * inputs ($Number$, SegmentTimeline, SegmentBase), per-track keys, keys from the ClearKey license
 * server the MPD names, a clear lead, a video ladder. Each with a wrong-key twin that must fail.
 */
import t from 'tap';
import { playersSkipped, ffmpegLadder, runCases, type Case } from './fixtures/package-playback.js';

const CASES: Case[] = [
  { name: 'shaka-player, DASH cenc (ffmpeg package, $Number$)', sample: 'dash', scheme: 'cenc', player: 'shaka', manifest: 'manifest.mpd' },
  { name: 'shaka-player, DASH cbcs (Shaka Packager package, SegmentTimeline)', sample: 'dash-shaka', scheme: 'cbcs', player: 'shaka', manifest: 'manifest.mpd' },
  { name: 'shaka-player, DASH cbcs (ffmpeg package, SegmentTimeline)', sample: 'dash-timeline', scheme: 'cbcs', player: 'shaka', manifest: 'manifest.mpd' },
  { name: 'shaka-player, DASH cenc (Shaka Packager SegmentBase single files)', sample: 'dash-shaka-single', scheme: 'cenc', player: 'shaka', manifest: 'manifest.mpd' },
  { name: 'shaka-player, DASH cbcs with per-track keys (video and audio KIDs differ)', sample: 'dash', scheme: 'cbcs', player: 'shaka', manifest: 'manifest.mpd', perTrack: true },
  { name: 'shaka-player, DASH cenc, keys from the ClearKey license server our MPD names (dashif:Laurl)', sample: 'dash-shaka', scheme: 'cenc', player: 'shaka', manifest: 'manifest.mpd', license: true },
  { name: 'shaka-player, DASH cenc with a 2 s clear lead', sample: 'dash-shaka', scheme: 'cenc', player: 'shaka', manifest: 'manifest.mpd', clearLead: 2 },
  { name: 'shaka-player, DASH cenc with a two-rung video ladder (ffmpeg package)', sample: 'ladder', scheme: 'cenc', player: 'shaka', manifest: 'manifest.mpd', build: ffmpegLadder },
];

t.test('shaka-player plays segcrypt DASH', { skip: playersSkipped }, (t) => runCases(t, CASES));
