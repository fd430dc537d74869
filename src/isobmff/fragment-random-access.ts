import { MediaError } from '../errors.js';
import { boxPlace, childBoxes, type Box } from './box.js';

/**
 * Movie fragment random access (ISO/IEC 14496-12 8.8.10-8.8.11): `mfra` holds one `tfra` per
 * track whose entries point at moofs by absolute file offset. Once moofs grow those offsets are
 * stale, and readers that trust them (ffmpeg on a seekable file) pick the wrong fragment. The
 * entries keep their width, so they are patched in place in a copy of the box.
 */
export function patchMfra(mfra: Buffer, box: Box, moveOffset: (inputOffset: number) => number): void {
  for (const tfra of childBoxes(mfra, box)) {
    if (tfra.type !== 'tfra') continue;
    const b = tfra.bodyStart;
    if (b + 16 > tfra.end) throw new MediaError('ERR_BOX_TRUNCATED', `${boxPlace(tfra)} is too short`, { where: tfra.path });
    const version = mfra[b]!;
    const lengths = mfra.readUInt32BE(b + 8);
    const count = mfra.readUInt32BE(b + 12);
    const tail = ((lengths >> 4) & 3) + ((lengths >> 2) & 3) + (lengths & 3) + 3;
    const entry = (version === 1 ? 16 : 8) + tail;
    if (b + 16 + count * entry > tfra.end) throw new MediaError('ERR_BOX_TRUNCATED', `${boxPlace(tfra)} lists ${count} entries but is only ${tfra.end - tfra.start} bytes`, { where: tfra.path });
    for (let i = 0, o = b + 16; i < count; i++, o += entry) {
      if (version === 1) mfra.writeBigUInt64BE(BigInt(moveOffset(Number(mfra.readBigUInt64BE(o + 8)))), o + 8);
      else mfra.writeUInt32BE(moveOffset(mfra.readUInt32BE(o + 4)), o + 4);
    }
  }
}
