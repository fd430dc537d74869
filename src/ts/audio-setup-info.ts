/**
 * Audio setup information (Apple, MPEG-2 Stream Encryption Format for HTTP Live Streaming,
 * §2.3.4, Listing 2-4): unencrypted codec setup carried in the PMT's registration descriptor
 * ('apad'), because the encrypted frames can no longer be probed.
 *   audio_type (4cc) | priming (16) | version (8) = 1 | setup_data_length (8) | setup_data
 * AAC: 'zaac' + AudioSpecificConfig; AC-3: 'zac3' + the first 10 bytes of a syncframe;
 * E-AC-3: 'zec3' + the EC3SpecificBox ('dec3') payload. Layout checked against Shaka Packager's
 * SAMPLE-AES TS output and ffmpeg's ff_hls_senc_read_audio_setup_info.
 */
import { MediaError } from '../errors.js';
import type { AudioCodec } from './audio-frames.js';

export function audioSetupInformation(codec: AudioCodec, firstFrame: Buffer, where: string): Buffer {
  const setup = codec === 'aac' ? aacAudioSpecificConfig(firstFrame, where)
    : codec === 'ac3' ? ac3SetupData(firstFrame, where)
      : dec3Payload(firstFrame, where);
  const out = Buffer.alloc(8 + setup.length);
  out.write(codec === 'aac' ? 'zaac' : codec === 'ac3' ? 'zac3' : 'zec3', 0, 'latin1');
  out.writeUInt16BE(0, 4); // priming
  out[6] = 1; // version
  out[7] = setup.length;
  setup.copy(out, 8);
  return out;
}

/** 2-byte AudioSpecificConfig from an ADTS header: object type = profile + 1 (ISO/IEC 14496-3 §1.6.2.1). */
export function aacAudioSpecificConfig(adts: Buffer, where: string): Buffer {
  if (adts.length < 7 || adts[0] !== 0xff || (adts[1] & 0xf0) !== 0xf0) {
    throw new MediaError('ERR_ADTS_SYNC', `${where}: first audio frame is not ADTS`, { where });
  }
  const objectType = (adts[2] >> 6) + 1;
  const samplingIndex = (adts[2] >> 2) & 0x0f;
  const channels = ((adts[2] & 0x01) << 2) | (adts[3] >> 6);
  const v = (objectType << 11) | (samplingIndex << 7) | (channels << 3);
  return Buffer.from([v >> 8, v & 0xff]);
}

function ac3SetupData(frame: Buffer, where: string): Buffer {
  if (frame.length < 10) throw new MediaError('ERR_AC3_TRUNCATED', `${where}: AC-3 syncframe shorter than 10 bytes`, { where });
  return Buffer.from(frame.subarray(0, 10));
}

const EAC3_RATES = [48000, 44100, 32000];
const EAC3_BLOCKS = [1, 2, 3, 6];

/**
 * dec3 payload (ETSI TS 102 366 §F.6) for one independent substream, from its bsi: data_rate(13)
 * num_ind_sub(3)=0, fscod(2) bsid(5) reserved(1) asvc(1) bsmod(3) acmod(3) lfeon(1) reserved(3)
 * num_dep_sub(4)=0 reserved(1). bsmod sits deep in the optional bsi fields: written as 0 (main audio).
 */
function dec3Payload(frame: Buffer, where: string): Buffer {
  if (frame.length < 6) throw new MediaError('ERR_AC3_TRUNCATED', `${where}: E-AC-3 syncframe shorter than 6 bytes`, { where });
  const frameBytes = ((((frame[2] & 0x07) << 8) | frame[3]) + 1) * 2;
  let fscod = frame[4] >> 6;
  let blocks = EAC3_BLOCKS[(frame[4] >> 4) & 0x03];
  let rate = EAC3_RATES[fscod];
  if (fscod === 3) {
    const fscod2 = (frame[4] >> 4) & 0x03;
    rate = EAC3_RATES[fscod2] / 2;
    blocks = 6;
    fscod = fscod2;
  }
  if (!rate) throw new MediaError('ERR_AC3_BSID', `${where}: E-AC-3 reserved sample rate code`, { where });
  const acmod = (frame[4] >> 1) & 0x07;
  const lfeon = frame[4] & 0x01;
  const bsid = frame[5] >> 3;
  const dataRate = Math.floor((frameBytes * 8 * rate) / (blocks * 256) / 1000);
  // 40 bits, MSB first.
  let bits = 0n;
  const put = (v: number, n: number) => { bits = (bits << BigInt(n)) | BigInt(v & ((1 << n) - 1)); };
  put(dataRate, 13); put(0, 3);
  put(fscod, 2); put(bsid, 5); put(0, 1); put(0, 1); put(0, 3); put(acmod, 3); put(lfeon, 1); put(0, 3); put(0, 4); put(0, 1);
  const out = Buffer.alloc(5);
  for (let i = 4; i >= 0; i--) { out[i] = Number(bits & 0xffn); bits >>= 8n; }
  return out;
}
