/**
 * `segcrypt inspect`: what protection a file carries. fMP4: protected sample entries (scheme,
 * KID, IV size, pattern, constant IV), pssh systems, and the first samples' IVs and subsamples;
 * MPEG-TS: PMT stream types (clear or SAMPLE-AES) per PID. Reads the init and only the first
 * fragments in full, so a large file inspects in constant memory.
 */
import { MediaError } from '../errors.js';
import { openInput } from './input-file.js';
import { childBoxes, parseSenc, parseSinf, topLevelBoxes, PROTECTED_ENTRIES, type Box } from '../isobmff/index.js';
import { SYSTEM_IDS, systemIdString } from '../keys/index.js';
import { ENCRYPTED_STREAM_TYPES } from '../ts/stream-types.js';
import { parsePat, parsePmt } from '../ts/psi.js';
import { sampleEntryChildrenStart } from '../isobmff/sample-entry.js';
import { looksLikeMp4, looksLikeMpegTs, readExact, scanTopLevelBoxes } from './file-boxes.js';

export interface InspectedTrack {
  trackId: number;
  handler: string;
  sampleEntry: string;
  originalFormat?: string;
  scheme?: string;
  kid?: string;
  ivSize?: number;
  constantIv?: boolean;
  pattern?: string;
}

export interface InspectedSample { fragment: number; trackId: number; sample: number; ivHex: string; subsamples: [number, number][] }

export interface InspectedTsStream { pid: number; streamType: string; encrypted: boolean }

export interface InspectReport {
  container: 'fmp4' | 'ts' | 'unknown';
  bytes: number;
  tracks?: InspectedTrack[];
  pssh?: { systemId: string; system: string; version: number; kids: string[] }[];
  fragments?: number;
  samples?: InspectedSample[];
  streams?: InspectedTsStream[];
  note?: string;
}

const SYSTEM_NAMES = new Map(Object.entries(SYSTEM_IDS).map(([name, id]) => [id, name]));

function psshInfo(buf: Buffer, box: Box): NonNullable<InspectReport['pssh']>[number] {
  const version = buf[box.bodyStart]!;
  const systemId = systemIdString(buf.subarray(box.bodyStart + 4, box.bodyStart + 20));
  const kids: string[] = [];
  if (version > 0) {
    const n = buf.readUInt32BE(box.bodyStart + 20);
    for (let i = 0; i < n && box.bodyStart + 24 + 16 * (i + 1) <= box.end; i++) kids.push(buf.toString('hex', box.bodyStart + 24 + 16 * i, box.bodyStart + 40 + 16 * i));
  }
  return { systemId, system: SYSTEM_NAMES.get(systemId) ?? 'unknown', version, kids };
}

function inspectMoov(buf: Buffer, moov: Box, report: InspectReport): Map<number, number> {
  const ivSizes = new Map<number, number>();
  report.tracks = [];
  report.pssh = [];
  for (const b of childBoxes(buf, moov)) {
    if (b.type === 'pssh') report.pssh.push(psshInfo(buf, b));
    if (b.type !== 'trak') continue;
    const path = (parent: Box, ...types: string[]): Box | undefined => {
      let cur: Box | undefined = parent;
      for (const t of types) cur = cur && childBoxes(buf, cur).find((c) => c.type === t);
      return cur;
    };
    const tkhd = path(b, 'tkhd')!;
    const trackId = buf.readUInt32BE(tkhd.bodyStart + (buf[tkhd.bodyStart] === 1 ? 20 : 12));
    const hdlr = path(b, 'mdia', 'hdlr');
    const stsd = path(b, 'mdia', 'minf', 'stbl', 'stsd');
    const entry = stsd ? childBoxes(buf, stsd, stsd.bodyStart + 8)[0] : undefined;
    const track: InspectedTrack = { trackId, handler: hdlr ? buf.toString('latin1', hdlr.bodyStart + 8, hdlr.bodyStart + 12) : '?', sampleEntry: entry?.type ?? '?' };
    if (entry && PROTECTED_ENTRIES.has(entry.type)) {
      const start = sampleEntryChildrenStart(buf, entry, track.handler === 'soun' ? 'audio' : 'video');
      const sinf = childBoxes(buf, entry, start).find((c) => c.type === 'sinf');
      if (sinf) {
        const p = parseSinf(buf, sinf);
        Object.assign(track, { originalFormat: p.originalFormat, scheme: p.scheme, kid: p.kid.toString('hex'), ivSize: p.ivSize, constantIv: p.ivSize === 0, pattern: `${p.cryptByteBlock}:${p.skipByteBlock}` });
        ivSizes.set(trackId, p.ivSize);
      }
    }
    report.tracks.push(track);
  }
  return ivSizes;
}

function inspectMoof(buf: Buffer, moof: Box, fragment: number, ivSizes: Map<number, number>, samplesPerTrack: number, out: InspectedSample[]): void {
  for (const traf of childBoxes(buf, moof)) {
    if (traf.type !== 'traf') continue;
    const kids = childBoxes(buf, traf);
    const tfhd = kids.find((k) => k.type === 'tfhd');
    const senc = kids.find((k) => k.type === 'senc');
    if (!tfhd || !senc) continue;
    const trackId = buf.readUInt32BE(tfhd.bodyStart + 4);
    const entries = parseSenc(buf, senc, ivSizes.get(trackId) ?? 8);
    entries.slice(0, samplesPerTrack).forEach((e, sample) => out.push({ fragment, trackId, sample, ivHex: e.iv.toString('hex'), subsamples: e.subsamples }));
  }
}

function inspectTs(head: Buffer, report: InspectReport): void {
  report.container = 'ts';
  let pmtPid: number | undefined;
  for (let o = 0, i = 0; o + 188 <= head.length; o += 188, i++) {
    const pid = ((head[o + 1]! & 0x1f) << 8) | head[o + 2]!;
    const pusi = (head[o + 1]! & 0x40) !== 0;
    if (!pusi || (pid !== 0 && pid !== pmtPid)) continue;
    const afc = (head[o + 3]! >> 4) & 3;
    const payload = o + 4 + (afc & 2 ? 1 + head[o + 4]! : 0);
    if (pid === 0) { pmtPid = [...parsePat(head, payload, o, `packet ${i} (PAT)`).values()][0]; continue; }
    const pmt = parsePmt(head, payload, o, `packet ${i} (PMT)`);
    report.streams = pmt.streams.map((s) => ({ pid: s.pid, streamType: `0x${s.streamType.toString(16).padStart(2, '0')}`, encrypted: ENCRYPTED_STREAM_TYPES.has(s.streamType) }));
    return;
  }
  throw new MediaError('ERR_TS_NO_PMT', 'no PAT/PMT in the first packets of the TS file', { where: 'PMT' });
}

export async function inspectFile(file: string, options: { fragments?: number; samplesPerTrack?: number } = {}): Promise<InspectReport> {
  const fh = await openInput(file);
  try {
    const size = (await fh.stat()).size;
    const head = await readExact(fh, 0, Math.min(size, 188 * 64), file);
    const report: InspectReport = { container: 'unknown', bytes: size };
    if (looksLikeMpegTs(head.subarray(0, Math.floor(head.length / 188) * 188))) { inspectTs(head, report); return report; }
    if (!looksLikeMp4(head)) { report.note = 'neither MP4 nor MPEG-TS (an HLS AES-128 segment is whole-file encrypted and looks like this)'; return report; }
    report.container = 'fmp4';
    const boxes = await scanTopLevelBoxes(fh, size);
    const moov = boxes.find((b) => b.type === 'moov');
    if (!moov) throw new MediaError('ERR_NO_MOOV', `no moov box in ${file}`, { where: 'moov' });
    const moovBuf = await readExact(fh, moov.start, moov.end - moov.start, 'moov');
    const ivSizes = inspectMoov(moovBuf, topLevelBoxes(moovBuf)[0]!, report);
    const moofs = boxes.filter((b) => b.type === 'moof');
    report.fragments = moofs.length;
    if (moofs.length === 0) report.note = 'not fragmented (no moof): segcrypt encrypts fragmented MP4 only';
    report.samples = [];
    for (const [i, moof] of moofs.slice(0, options.fragments ?? 1).entries()) {
      const buf = await readExact(fh, moof.start, moof.end - moof.start, `moof ${i}`);
      inspectMoof(buf, topLevelBoxes(buf)[0]!, i, ivSizes, options.samplesPerTrack ?? 3, report.samples);
    }
    return report;
  } finally {
    await fh.close();
  }
}
