/**
 * Clear packages with a subtitle track, made by Shaka Packager (no encryption flags) from the
 * 6 s samples and a three-cue WebVTT file: 'fmp4' = DASH (static MPD) and HLS over the same
 * segments, text as fMP4 `wvtt`; 'webvtt' = HLS with the text as `.vtt` segments.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { runTool, SAMPLES, SHAKA_PACKAGER } from '../oracles/run-tool.js';

export const WEBVTT = 'WEBVTT\n\n00:00:00.000 --> 00:00:01.900\nHello\n\n00:00:02.000 --> 00:00:03.900\nsubtitle two\n\n00:00:04.000 --> 00:00:05.900\nthree\n';

export async function shakaTextPackage(dir: string, vtt: string, text: 'fmp4' | 'webvtt'): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const media = path.join(SAMPLES, 'media');
  const textStream = text === 'fmp4'
    ? `in=${vtt},stream=text,init_segment=${dir}/text/init.mp4,segment_template=${dir}/text/$Number$.m4s,playlist_name=text.m3u8,hls_group_id=subs,hls_name=English,language=en`
    : `in=${vtt},stream=text,segment_template=${dir}/text/$Number$.vtt,playlist_name=text.m3u8,hls_group_id=subs,hls_name=English,language=en`;
  await runTool(SHAKA_PACKAGER, [
    `in=${media}/avc.mp4,stream=video,init_segment=${dir}/video/init.mp4,segment_template=${dir}/video/$Number$.m4s,playlist_name=video.m3u8`,
    `in=${media}/aac.mp4,stream=audio,init_segment=${dir}/audio/init.mp4,segment_template=${dir}/audio/$Number$.m4s,playlist_name=audio.m3u8,hls_group_id=audio`,
    textStream,
    '--segment_duration', '2', '--hls_master_playlist_output', `${dir}/master.m3u8`, '--hls_playlist_type', 'VOD',
    ...(text === 'fmp4' ? ['--mpd_output', `${dir}/manifest.mpd`, '--generate_static_live_mpd'] : []), '--quiet',
  ]);
}
