/**
 * Shaka Packager (the npm `shaka-packager` binary) as an oracle: raw-key decryption of any
 * Common Encryption scheme, and its own raw-key encryption as the byte-level reference for
 * our box layout.
 *
 * Flags checked against `packager-linux-x64 --helpfull` (v3.4.2):
 *   --enable_raw_key_decryption / --enable_raw_key_encryption
 *   --keys label=<L>:key_id=<hex>:key=<hex>[:iv=<hex>][,label=...]   (empty label = every stream)
 *   --protection_scheme cenc|cbc1|cens|cbcs, --iv <hex>, --clear_lead <s> (default 5: we pass 0)
 *   --crypt_byte_block / --skip_byte_block (video pattern, cens/cbcs only)
 */
import { existsSync, statSync } from 'node:fs';
import { runTool, SHAKA_PACKAGER } from './run-tool.js';

export type CencScheme = 'cenc' | 'cbcs' | 'cens' | 'cbc1';

export interface ShakaKey {
  kid: Buffer | string;
  key: Buffer | string;
  /** DRM label the key is for (matches a stream's drmLabel); empty/undefined = all streams. */
  label?: string;
  iv?: Buffer | string;
}

export interface ShakaStream {
  /** Which stream of the input: `video`, `audio`, or a 0-based index as a string. */
  stream: 'video' | 'audio' | string;
  output: string;
  drmLabel?: string;
}

const hex = (v: Buffer | string): string => (typeof v === 'string' ? v.replace(/-/g, '').toLowerCase() : v.toString('hex'));

function keysArg(keys: readonly ShakaKey[]): string {
  return keys.map((k) => {
    let s = `label=${k.label ?? ''}:key_id=${hex(k.kid)}:key=${hex(k.key)}`;
    if (k.iv !== undefined) s += `:iv=${hex(k.iv)}`;
    return s;
  }).join(',');
}

function descriptor(input: string, s: ShakaStream): string {
  // Shaka's descriptor syntax splits on ',' and '=': paths must not hold them.
  for (const p of [input, s.output]) {
    if (/[,=]/.test(p)) throw new Error(`shaka oracle: path may not contain ',' or '=': ${p}`);
  }
  let d = `in=${input},stream=${s.stream},output=${s.output}`;
  if (s.drmLabel) d += `,drm_label=${s.drmLabel}`;
  return d;
}

export interface ShakaDecryptOptions {
  input: string;
  streams: ShakaStream[];
  keys: ShakaKey[];
  timeoutMs?: number;
}

/** Decrypt with Shaka Packager; each selected stream goes to its own clear (fragmented) MP4. */
export async function shakaDecrypt(o: ShakaDecryptOptions): Promise<void> {
  const args = [...o.streams.map((s) => descriptor(o.input, s)),
    '--enable_raw_key_decryption', '--keys', keysArg(o.keys), '--quiet'];
  await runTool(SHAKA_PACKAGER, args, { timeoutMs: o.timeoutMs ?? 60_000 });
  wroteEvery(o.streams);
}

/** Shaka Packager exiting 0 without writing an output has not answered: fail loudly. */
function wroteEvery(streams: readonly ShakaStream[]): void {
  for (const s of streams) {
    const size = existsSync(s.output) ? statSync(s.output).size : 0;
    if (size === 0) throw new Error(`Shaka Packager wrote nothing to ${s.output}`);
  }
}

/** Like shakaDecrypt, but reports failure (a wrong key, a broken box) instead of throwing. */
export async function shakaDecryptLenient(o: ShakaDecryptOptions): Promise<{ exitCode: number; stderr: string }> {
  const args = [...o.streams.map((s) => descriptor(o.input, s)),
    '--enable_raw_key_decryption', '--keys', keysArg(o.keys), '--quiet'];
  const r = await runTool(SHAKA_PACKAGER, args, { timeoutMs: o.timeoutMs ?? 60_000, lenient: true });
  return { exitCode: r.exitCode, stderr: r.stderr };
}

export interface ShakaEncryptOptions {
  input: string;
  streams: ShakaStream[];
  scheme: CencScheme;
  keys: ShakaKey[];
  /** 8 or 16 bytes (cenc/cens), 16 bytes (cbc1/cbcs). Random when omitted. */
  iv?: Buffer | string;
  /** Seconds left clear at the start; Shaka's own default is 5, ours 0. */
  clearLead?: number;
  cryptByteBlock?: number;
  skipByteBlock?: number;
  /** Fragment/segment duration in seconds (default 2, like the samples). */
  segmentDuration?: number;
  /** e.g. ['Widevine','PlayReady']; default: Shaka's W3C common pssh. */
  protectionSystems?: string[];
  timeoutMs?: number;
}

/** Shaka's reference encrypted output (single-file fragmented MP4 per stream). */
export async function shakaEncrypt(o: ShakaEncryptOptions): Promise<void> {
  const args = [...o.streams.map((s) => descriptor(o.input, s)),
    '--enable_raw_key_encryption', '--keys', keysArg(o.keys),
    '--protection_scheme', o.scheme,
    '--clear_lead', String(o.clearLead ?? 0),
    '--segment_duration', String(o.segmentDuration ?? 2),
    '--fragment_duration', String(o.segmentDuration ?? 2),
    '--quiet'];
  if (o.iv !== undefined) args.push('--iv', hex(o.iv));
  if (o.cryptByteBlock !== undefined) args.push('--crypt_byte_block', String(o.cryptByteBlock));
  if (o.skipByteBlock !== undefined) args.push('--skip_byte_block', String(o.skipByteBlock));
  if (o.protectionSystems?.length) args.push('--protection_systems', o.protectionSystems.join(','));
  await runTool(SHAKA_PACKAGER, args, { timeoutMs: o.timeoutMs ?? 60_000 });
  wroteEvery(o.streams);
}

export async function shakaVersion(): Promise<string> {
  const r = await runTool(SHAKA_PACKAGER, ['--version']);
  return r.stdout.trim();
}
