/**
 * aacOutputChannels on hand-made AudioSpecificConfigs (ISO/IEC 14496-3 1.6.2.1, Table 1.19):
 * the channel count SPEKE v2 audio filters choose keys by. The golden side (ffprobe reading the
 * same signalling, keys chosen by channel class) is test/golden/he-aac.test.ts.
 */
import t from 'tap';
import { aacOutputChannels } from '../../src/isobmff/audio-channels.js';
import { audioSpecificConfig } from '../golden/he-aac-fixture.js';

t.test('HE-AAC signalling', async (t) => {
  t.equal(aacOutputChannels(audioSpecificConfig('lc')), 1, 'AAC-LC mono');
  t.equal(aacOutputChannels(audioSpecificConfig('explicit-v1')), 1, 'explicit SBR (AOT 5) over mono: 1');
  t.equal(aacOutputChannels(audioSpecificConfig('explicit-v2')), 2, 'explicit PS (AOT 29) over mono: 2');
  t.equal(aacOutputChannels(audioSpecificConfig('implicit-v1')), 1, 'implicit SBR (0x2b7) over mono: 1');
  t.equal(aacOutputChannels(audioSpecificConfig('implicit-v2')), 2, 'implicit PS (0x548, psPresentFlag 1) over mono: 2');
  const psOff = Buffer.from(audioSpecificConfig('implicit-v2'));
  // psPresentFlag is bit 48 (after 16 + 11 + 5 + 1 + 4 + 11 bits): clear it.
  psOff[6] = psOff[6]! & ~0x80;
  t.equal(aacOutputChannels(psOff), 1, 'the same with psPresentFlag 0: 1');
});

t.test('channelConfiguration', async (t) => {
  // AOT 2, sfi 3 (48 kHz), channelConfiguration N, GASpecificConfig 000.
  const lc = (cc: number) => Buffer.from([(2 << 3) | (3 >> 1), ((3 & 1) << 7) | (cc << 3)]);
  t.equal(aacOutputChannels(lc(2)), 2, 'stereo');
  t.equal(aacOutputChannels(lc(6)), 6, '5.1');
  t.equal(aacOutputChannels(lc(7)), 8, '7.1 (channelConfiguration 7)');
  t.equal(aacOutputChannels(lc(0)), undefined, 'a program_config_element: unknown here');
  // Explicit 24-bit sampling frequency (index 15): AOT 2 | 1111 | 24 bits of 44100 | cc 2.
  const bits = `00010${'1111'}${(44100).toString(2).padStart(24, '0')}0010000`;
  const explicitRate = Buffer.from(bits.padEnd(Math.ceil(bits.length / 8) * 8, '0').match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  t.equal(aacOutputChannels(explicitRate), 2, 'an explicit sampling frequency is skipped');
});
