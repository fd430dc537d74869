/**
 * What a correctly protected fMP4 must look like for one scheme and track, per ISO/IEC 23001-7
 * (and DESIGN.md "Spec facts"), and how to compare our layout with Shaka Packager's.
 */
import type { ProtectedSampleEntry, ProtectionReport, TrafEncryption } from '../oracles/mp4box-js.js';
import type { Codec } from '../oracles/matrix.js';
import type { CencScheme } from '../oracles/shaka.js';

export const ORIGINAL_FORMAT: Record<Codec, string> = { avc: 'avc1', hevc: 'hvc1', aac: 'mp4a', ac3: 'ac-3', eac3: 'ec-3', av1: 'av01', vp9: 'vp09' };

export interface ExpectedEntry {
  entryType: 'encv' | 'enca';
  originalFormat: string;
  schemeType: CencScheme;
  schemeVersion: number;
  /** §8.2: version 1 carries the pattern (cens, cbcs), version 0 otherwise. */
  tencVersion: 0 | 1;
  isProtected: 1;
  perSampleIvSize: number;
  constantIvSize: number;
  cryptByteBlock: number;
  skipByteBlock: number;
  defaultKid: string;
}

export function expectedEntry(scheme: CencScheme, type: 'video' | 'audio', codec: Codec, kid: Buffer, iv: Buffer): ExpectedEntry {
  const patterned = (scheme === 'cens' || scheme === 'cbcs') && type === 'video';
  return {
    entryType: type === 'video' ? 'encv' : 'enca',
    originalFormat: ORIGINAL_FORMAT[codec],
    schemeType: scheme,
    schemeVersion: 0x00010000,
    tencVersion: scheme === 'cens' || scheme === 'cbcs' ? 1 : 0,
    isProtected: 1,
    // cbcs: constant IV in tenc (§10.4), no per-sample IVs.
    perSampleIvSize: scheme === 'cbcs' ? 0 : iv.length,
    constantIvSize: scheme === 'cbcs' ? 16 : 0,
    cryptByteBlock: patterned ? 1 : 0,
    skipByteBlock: patterned ? 9 : 0,
    defaultKid: kid.toString('hex'),
  };
}

export function pickExpectedFields(e: ProtectedSampleEntry): ExpectedEntry {
  return {
    entryType: e.entryType as ExpectedEntry['entryType'],
    originalFormat: e.originalFormat ?? '',
    schemeType: e.schemeType as CencScheme,
    schemeVersion: e.schemeVersion ?? -1,
    tencVersion: e.tencVersion as 0 | 1,
    isProtected: e.isProtected as 1,
    perSampleIvSize: e.perSampleIvSize ?? -1,
    constantIvSize: e.constantIvSize,
    cryptByteBlock: e.cryptByteBlock,
    skipByteBlock: e.skipByteBlock,
    defaultKid: e.defaultKid ?? '',
  };
}

/**
 * The layout facts that must agree with Shaka's reference output, for one track. Choices the
 * spec leaves free (box order in traf, saio version, saiz default vs per-sample sizes) are not
 * compared.
 */
export interface TrackLayout {
  tencVersion: number | undefined;
  perSampleIvSize: number | undefined;
  constantIvSize: number;
  cryptByteBlock: number;
  skipByteBlock: number;
  sinfChildren: string[];
  /** Distinct senc flag values over all fragments of the track. */
  sencFlags: number[];
  everyFragmentHasSenc: boolean;
  everyFragmentHasSaiz: boolean;
  everyFragmentHasSaio: boolean;
}

export function trackLayout(report: ProtectionReport, trackId: number): TrackLayout {
  const entry = report.entries.find((e) => e.trackId === trackId);
  const frags: TrafEncryption[] = report.fragments.filter((f) => f.trackId === trackId && f.trunSampleCount > 0);
  const uniq = <T>(xs: T[]): T[] => [...new Set(xs)].sort();
  return {
    tencVersion: entry?.tencVersion,
    perSampleIvSize: entry?.perSampleIvSize,
    constantIvSize: entry?.constantIvSize ?? -1,
    cryptByteBlock: entry?.cryptByteBlock ?? -1,
    skipByteBlock: entry?.skipByteBlock ?? -1,
    sinfChildren: entry?.sinfChildren ?? [],
    sencFlags: uniq(frags.map((f) => f.senc?.flags ?? -1)),
    everyFragmentHasSenc: frags.every((f) => f.senc !== undefined),
    everyFragmentHasSaiz: frags.every((f) => f.saiz !== undefined),
    everyFragmentHasSaio: frags.every((f) => f.saio !== undefined),
  };
}
