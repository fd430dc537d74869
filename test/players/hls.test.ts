/**
 * HLS from encryptPackage in real players: hls.js plays TS AES-128; shaka-player plays fMP4
 * SAMPLE-AES-CTR and SAMPLE-AES with an identity key, also as EXT-X-BYTERANGE sub-ranges of
 * single files. Wrong-key twins fail.
 */
import t from 'tap';
import { playersSkipped, runCases, shakaSingleFileHls, type Case } from './fixtures/package-playback.js';

const CASES: Case[] = [
  { name: 'hls.js, HLS TS AES-128 (ffmpeg package)', sample: 'hls-ts', scheme: 'aes-128', player: 'hlsjs', manifest: 'master.m3u8', keyUri: true },
  { name: 'shaka-player, HLS fMP4 cbcs with EXT-X-BYTERANGE sub-ranges of single files (Shaka Packager package)', sample: 'hls-byterange', scheme: 'cbcs', player: 'shaka', manifest: 'master.m3u8', keyUri: true, build: shakaSingleFileHls },
  { name: 'shaka-player, HLS fMP4 cenc SAMPLE-AES-CTR identity key (Shaka Packager package)', sample: 'hls-shaka', scheme: 'cenc', player: 'shaka', manifest: 'master.m3u8', keyUri: true },
];

t.test('HLS players play segcrypt HLS', { skip: playersSkipped }, (t) => runCases(t, CASES));
