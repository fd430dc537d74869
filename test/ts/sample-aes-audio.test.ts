import t from 'tap';
import { createCipheriv } from 'node:crypto';
import { ac3FrameBytes, readAc3Frame } from '../../src/ts/audio-frames.js';
import { aacAudioSpecificConfig, audioSetupInformation } from '../../src/ts/audio-setup-info.js';
import { decryptAudioElementaryStream, encryptAudioElementaryStream } from '../../src/ts/sample-aes-audio.js';

const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const iv = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');

function adts(length: number, crc = false, fill = 0x5a): Buffer {
  const f = Buffer.alloc(length, fill);
  f[0] = 0xff; f[1] = crc ? 0xf0 : 0xf1;
  f[2] = 0x50; // LC, 44.1 kHz (index 4), channel config high bit 0
  f[3] = 0x80 | ((length >> 11) & 0x03); // 2 channels
  f[4] = (length >> 3) & 0xff; f[5] = ((length & 7) << 5) | 0x1f; f[6] = 0xfc;
  return f;
}

const cbc = (data: Buffer) => createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false).update(data);

t.test('ADTS: header + 16 bytes clear, whole blocks encrypted, trailing partial block clear, IV reset per frame', async (t) => {
  const a = adts(100), b = adts(100), c = adts(40, true);
  const es = Buffer.concat([a, b, c]);
  const enc = encryptAudioElementaryStream('aac', es, key, iv, 'test');
  t.equal(enc.length, es.length);
  t.same(enc.subarray(0, 23), es.subarray(0, 23), '7-byte header and 16 bytes clear');
  t.same(enc.subarray(23, 23 + 64), cbc(es.subarray(23, 87)), '(100 - 23) / 16 = 4 whole blocks');
  t.same(enc.subarray(87, 100), es.subarray(87, 100), 'trailing 13 bytes clear');
  t.same(enc.subarray(100, 200), enc.subarray(0, 100), 'identical frames encrypt identically (IV reset)');
  t.same(enc.subarray(200, 225), es.subarray(200, 225), 'CRC header of 9 bytes + 16 clear');
  t.same(enc.subarray(225, 240), es.subarray(225, 240), 'a frame with 15 bytes past the leader stays clear');
  t.same(decryptAudioElementaryStream('aac', enc, key, iv), es);
  t.throws(() => encryptAudioElementaryStream('aac', Buffer.concat([a, Buffer.from([1, 2, 3])]), key, iv, 'PID 0x101 PES at packet 9'),
    { code: 'ERR_ADTS_TRUNCATED', message: /PID 0x101 PES at packet 9/ });
});

t.test('AC-3 and E-AC-3 syncframes: 16 bytes clear, whole blocks encrypted', async (t) => {
  t.equal(ac3FrameBytes(0, 0x1c), 1536, '48 kHz 384 kbit/s: 768 words');
  t.equal(ac3FrameBytes(1, 0x01), 140, '44.1 kHz 32 kbit/s odd code: 70 words');
  t.equal(ac3FrameBytes(2, 0x00), 192, '32 kHz 32 kbit/s: 96 words');
  const ac3 = Buffer.alloc(192, 0x33);
  ac3.set([0x0b, 0x77, 0x00, 0x00, 0x80 | 0x00, 0x40], 0); // fscod 2 (32 kHz), frmsizecod 0, bsid 8
  t.equal(readAc3Frame(ac3, 0, 'x').length, 192);
  const eac3 = Buffer.alloc(100, 0x44);
  eac3.set([0x0b, 0x77, 0x00, 49, 0x3f, 0x80], 0); // frmsiz 49 -> 100 bytes, bsid 16
  for (const [codec, frame] of [['ac3', ac3], ['eac3', eac3]] as const) {
    const enc = encryptAudioElementaryStream(codec, frame, key, iv, 'test');
    const blocks = Math.floor((frame.length - 16) / 16) * 16;
    t.same(enc.subarray(0, 16), frame.subarray(0, 16), `${codec}: 16 leading bytes clear`);
    t.same(enc.subarray(16, 16 + blocks), cbc(frame.subarray(16, 16 + blocks)));
    t.same(enc.subarray(16 + blocks), frame.subarray(16 + blocks), `${codec}: trailing partial block clear`);
  }
  t.throws(() => encryptAudioElementaryStream('ac3', Buffer.from([0x0b, 0x78, 0, 0, 0, 0]), key, iv, 'x'), { code: 'ERR_AC3_SYNC' });
});

t.test('audio setup information (apad payload) for AAC, AC-3, E-AC-3', async (t) => {
  t.same(aacAudioSpecificConfig(adts(100), 'x'), Buffer.from([0x12, 0x10]), 'AAC LC, 44.1 kHz, stereo');
  t.same(audioSetupInformation('aac', adts(100), 'x'), Buffer.from('7a616163000001021210', 'hex'), "'zaac', priming 0, version 1, 2 bytes of ASC");
  const ac3 = Buffer.from('0b771ef84c402f842be1877b875dfbe7', 'hex');
  t.same(audioSetupInformation('ac3', ac3, 'x'), Buffer.from('7a6163330000010a0b771ef84c402f842be1', 'hex'), "'zac3' + the first 10 bytes of the syncframe");
  const eac3 = Buffer.from('0b7700cf7287c0002106', 'hex'); // 44.1 kHz, 6 blocks, acmod 1, bsid 16, 416-byte frames
  const info = audioSetupInformation('eac3', eac3, 'x');
  t.equal(info.toString('latin1', 0, 4), 'zec3');
  const dec3 = info.subarray(8);
  t.equal(dec3.length, 5);
  t.equal(dec3.readUInt16BE(0) >> 3, 95, 'data_rate 95 kbit/s');
  t.equal(dec3[2] >> 6, 1, 'fscod 1');
  t.equal((dec3[2] >> 1) & 0x1f, 16, 'bsid 16');
  t.equal((dec3[3] >> 1) & 0x07, 1, 'acmod 1');
});
