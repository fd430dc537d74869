import type { Cipher } from 'node:crypto';

/**
 * Bytes per cipher call. node:crypto returns each update's output in a new buffer outside the JS
 * heap (zero-filled, then encrypted into), freed only when a GC finds it dead. 64 KiB: small
 * enough for the young generation, large enough that the per-call cost stays small. A multiple of
 * 16 (CBC pieces are whole blocks).
 */
const PIECE = 64 * 1024;
/**
 * Below this, one call with a Buffer output: what short outputs leave to the GC is small (cbcs
 * chains, audio samples).
 */
const SHORT = 4096;
/**
 * One piece in this many is asked for as a latin1 string instead of a Buffer. Dead output Buffers
 * are freed by the next scavenge, but a Buffer barely fills the young generation, so on the main
 * thread V8 waits for ~32 MB of them (twice its largest semi-space) before it scavenges: +28 MB of
 * RSS on the bench's 287 MB cenc run with Buffers only. A string lives in the young generation and
 * fills it: with every piece a string (the earlier design) a scavenge came every ~2 MB of output,
 * at the price of a third copy of every byte (the string) and the scavenges of the strings.
 * Measured on that run (cenc, 9 alternating runs, task-clock medians): all strings 1069 ms 93 MB,
 * one in 4 992 ms 101 MB, one in 8 104 MB, Buffers only 960 ms 121 MB.
 */
const STRING_EVERY = 4;
let pieces = 0;

/** Encrypt buf[at, at+len) in place, PIECE bytes per cipher call (the cipher's state carries on). */
export function cryptInPlace(cipher: Cipher, buf: Buffer, at: number, len: number): void {
  if (len <= SHORT) {
    buf.set(cipher.update(buf.subarray(at, at + len)), at);
    return;
  }
  const end = at + len;
  for (let p = at; p < end; p += PIECE) {
    const n = Math.min(PIECE, end - p);
    const input = buf.subarray(p, p + n);
    if (++pieces % STRING_EVERY === 0) buf.write(cipher.update(input, undefined, 'latin1'), p, n, 'latin1');
    else buf.set(cipher.update(input), p);
  }
}
