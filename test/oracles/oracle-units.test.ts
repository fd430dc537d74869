/** The oracle wrappers' own parsing, on known inputs. */
import t from 'tap';
import path from 'node:path';
import { parseFramemd5, probe } from './ffmpeg.js';
import { protectionReport } from './mp4box-js.js';
import { SAMPLE_MEDIA, SAMPLES_MEDIA_DIR } from './matrix.js';

t.test('parseFramemd5 reads the data lines and skips the headers', async (t) => {
  const text = '#format: frame checksums\n#tb 0: 1/25\n0,          0,          0,        1,  1382400, 275f88668ce1d546a7896065713073e0\n1,       -1024,      -1024,     1024,     4096, 0123456789abcdef0123456789abcdef\n';
  t.same(parseFramemd5(text), [
    { stream: 0, dts: 0, pts: 0, duration: 1, size: 1382400, hash: '275f88668ce1d546a7896065713073e0' },
    { stream: 1, dts: -1024, pts: -1024, duration: 1024, size: 4096, hash: '0123456789abcdef0123456789abcdef' },
  ]);
});

t.test('mp4box.js report on clear samples: nothing protected', async (t) => {
  for (const media of SAMPLE_MEDIA) {
    const r = await protectionReport(media.file);
    t.equal(r.entries.length, 0, `${media.name}: no protected entry`);
    t.equal(r.clearEntries.length, media.tracks.length, `${media.name}: ${r.clearEntries.map((e) => e.entryType).join(',')}`);
    t.ok(r.fragments.every((f) => !f.senc && !f.saiz && !f.saio && f.trunDataInMdat), `${media.name}: no senc/saiz/saio, trun data in mdat`);
  }
});

t.test('ffprobe sees what samples/README.md promises', async (t) => {
  const p = await probe(path.join(SAMPLES_MEDIA_DIR, 'muxed.mp4'));
  t.same(p.streams.map((s) => [s.codec_type, s.codec_name, s.codec_tag_string]), [['video', 'h264', 'avc1'], ['audio', 'aac', 'mp4a']]);
  const hevc = await probe(path.join(SAMPLES_MEDIA_DIR, 'hevc.mp4'));
  t.equal(hevc.streams[0]?.codec_tag_string, 'hvc1');
  t.equal(hevc.streams[0]?.width, 1280);
});
