/** dash.js decodes encryptPackage's DASH output (cenc and cbcs, ClearKey config or license server); wrong-key twins fail. */
import t from 'tap';
import { playersSkipped, runCases, type Case } from './fixtures/package-playback.js';

const CASES: Case[] = [
  { name: 'dash.js, DASH cenc, keys from the ClearKey license server our MPD names', sample: 'dash-shaka', scheme: 'cenc', player: 'dashjs', manifest: 'manifest.mpd', license: true },
  { name: 'dash.js, DASH cbcs (Shaka Packager package)', sample: 'dash-shaka', scheme: 'cbcs', player: 'dashjs', manifest: 'manifest.mpd' },
  { name: 'dash.js, DASH cenc (ffmpeg package)', sample: 'dash', scheme: 'cenc', player: 'dashjs', manifest: 'manifest.mpd' },
  { name: 'dash.js, DASH cenc (Shaka Packager package)', sample: 'dash-shaka', scheme: 'cenc', player: 'dashjs', manifest: 'manifest.mpd' },
];

t.test('dash.js plays segcrypt DASH', { skip: playersSkipped }, (t) => runCases(t, CASES));
