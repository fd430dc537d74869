/**
 * Child process of ts-memory.test.ts: encrypts one TS file and prints its own peak RSS, so each
 * measurement starts from a fresh heap. Usage: node --import tsx ts-memory-child.ts SCHEME IN OUT
 */
import { encryptTsFile, type TsScheme } from '../../src/api/encrypt-ts.js';

const [scheme, input, output] = process.argv.slice(2) as [TsScheme, string, string];
const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
let calls = 0;
const r = await encryptTsFile(input, output, { scheme, keys: { keys: [{ kid: Buffer.alloc(16, 1), key }], drm: [] }, sequenceNumber: 7, onProgress: () => { calls++; } });
// maxRSS: the peak resident set of this process, in KiB (getrusage ru_maxrss).
process.stdout.write(`${JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS, bytesOut: r.bytesOut, calls, codecs: r.tracks.map((x) => x.codec) })}\n`);
