/**
 * Both TS schemes stream file to file: peak memory must not grow with the input. Each run is its
 * own child process (a fresh heap; nothing earlier in the test inflates it) that reports its peak
 * RSS (`process.resourceUsage().maxRSS`); a 100 MB input must peak where a 10 MB input does, give
 * or take allocator slack, far below the 90 MB more it reads. The outputs are still checked:
 * AES-128 by openssl, byte-exact; SAMPLE-AES by mux.js (encrypted stream types) and its size.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, createReadStream, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readTs } from '../oracles/mux-js.js';
import { REPO_ROOT, runTool, SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';

const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const CHILD = path.join(REPO_ROOT, 'test', 'golden', 'ts-memory-child.ts');
/**
 * V8 grows its heap until it reaches a steady size, so the child runs with a small fixed young
 * generation and old space (a configuration, not a clock): measured here, 10 -> 100 MB adds 15-30
 * MB of peak RSS and 100 -> 200 MB adds nothing (streaming); holding the input would add its 90 MB.
 */
const HEAP_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=48'];
const SLACK = 45e6;

interface ChildReport { maxRssKiB: number; bytesOut: number; calls: number; codecs: string[] }

async function encryptInChild(scheme: string, input: string, output: string): Promise<ChildReport> {
  const { stdout } = await promisify(execFile)(process.execPath, [...HEAP_FLAGS, '--import', 'tsx', CHILD, scheme, input, output], { cwd: REPO_ROOT, timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ChildReport;
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

t.test('10 MB and 100 MB through both schemes, each in a fresh process: the peak RSS does not grow with the input', async (t) => {
  const dir = scratchDir(t);
  const one = readFileSync(path.join(SAMPLES, 'ts', 'avc-aac.ts'));
  const inputs = { small: path.join(dir, '10mb.ts'), big: path.join(dir, '100mb.ts') };
  for (let n = 0; n < Math.ceil(10e6 / one.length); n++) appendFileSync(inputs.small, one);
  for (let n = 0; n < Math.ceil(100e6 / one.length); n++) appendFileSync(inputs.big, one);
  const sizes = { small: statSync(inputs.small).size, big: statSync(inputs.big).size };
  for (const scheme of ['aes-128', 'sample-aes']) {
    const out = { small: path.join(dir, `10mb.${scheme}`), big: path.join(dir, `100mb.${scheme}`) };
    const small = await encryptInChild(scheme, inputs.small, out.small);
    const big = await encryptInChild(scheme, inputs.big, out.big);
    const grew = (big.maxRssKiB - small.maxRssKiB) * 1024;
    t.ok(grew < SLACK, `${scheme}: peak RSS ${(small.maxRssKiB / 1024).toFixed(0)} MiB for ${(sizes.small / 1e6).toFixed(0)} MB, ${(big.maxRssKiB / 1024).toFixed(0)} MiB for ${(sizes.big / 1e6).toFixed(0)} MB (grew ${(grew / 1e6).toFixed(1)} MB for ${((sizes.big - sizes.small) / 1e6).toFixed(0)} MB more input)`);
    t.ok(big.calls >= 90, `${scheme}: progress per ~1 MB chunk (${big.calls} calls)`);
    t.equal(statSync(out.big).size, big.bytesOut);
    if (scheme === 'aes-128') {
      const iv = Buffer.alloc(16); iv[15] = 7;
      await runTool('openssl', ['enc', '-d', '-aes-128-cbc', '-K', key.toString('hex'), '-iv', iv.toString('hex'), '-in', out.big, '-out', path.join(dir, 'big.dec')]);
      t.equal(await sha256(path.join(dir, 'big.dec')), await sha256(inputs.big), 'AES-128: byte-exact after openssl decryption');
    } else {
      t.same([...readTs(readFileSync(out.small)).streamTypes.values()], [0xdb, 0xcf], 'SAMPLE-AES: mux.js reads the encrypted stream types');
      t.ok(big.bytesOut >= sizes.big && big.bytesOut < sizes.big * 1.01, 'SAMPLE-AES: the input size plus a few re-packetized packets');
      t.same(big.codecs, ['h264', 'aac']);
    }
  }
});
