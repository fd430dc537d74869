/**
 * Both TS schemes stream file to file: a 100 MB input must not make the process grow by anything
 * near its size, and the result must still be right (AES-128: openssl decrypts it byte-exact;
 * SAMPLE-AES: whole packets, encrypted stream types, as many packets as the input or a few more).
 */
import t from 'tap';
import { appendFileSync, createReadStream, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { encryptTsFile, type TsScheme } from '../../src/api/encrypt-ts.js';
import { runTool, SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';

const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const keys = { keys: [{ kid: Buffer.alloc(16, 1), key }], drm: [] };

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

t.test('100 MB through both schemes: memory does not grow with the input', async (t) => {
  const dir = scratchDir(t);
  const one = readFileSync(path.join(SAMPLES, 'ts', 'avc-aac.ts'));
  const big = path.join(dir, 'big.ts');
  for (let n = 0; n < Math.ceil(100e6 / one.length); n++) appendFileSync(big, one);
  const size = statSync(big).size;
  for (const scheme of ['aes-128', 'sample-aes'] as TsScheme[]) {
    const out = path.join(dir, `big.${scheme}`);
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
    let calls = 0;
    const started = performance.now();
    const r = await encryptTsFile(big, out, { scheme, keys, sequenceNumber: 7, onProgress: () => { calls++; } });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    // GC slack of a few dozen 1 MB chunks is expected; holding the file would add 100 MB or more.
    t.ok(peak - before < 60e6, `${scheme}: RSS grew by ${((peak - before) / 1e6).toFixed(1)} MB for ${(size / 1e6).toFixed(0)} MB (${(size / 1e6 / seconds).toFixed(0)} MB/s)`);
    t.ok(calls >= 90, `${scheme}: progress per ~1 MB chunk (${calls} calls)`);
    t.equal(statSync(out).size, r.bytesOut);
    if (scheme === 'aes-128') {
      const iv = Buffer.alloc(16); iv[15] = 7;
      await runTool('openssl', ['enc', '-d', '-aes-128-cbc', '-K', key.toString('hex'), '-iv', iv.toString('hex'), '-in', out, '-out', path.join(dir, 'big.dec')]);
      t.equal(await sha256(path.join(dir, 'big.dec')), await sha256(big), 'AES-128: byte-exact after openssl decryption');
    } else {
      t.equal(r.bytesOut % 188, 0, 'SAMPLE-AES: whole packets');
      t.ok(r.bytesOut >= size && r.bytesOut < size * 1.01, 'SAMPLE-AES: the input size plus a few re-packetized packets');
      t.same(r.tracks.map((x) => x.codec), ['h264', 'aac']);
    }
  }
});
