/**
 * `node bench/node-floor.mjs <cipher> <key hex> <iv hex> <input> <output>`
 *
 * The bench's Node floor: the least any Node program does to encrypt a file with node:crypto, and
 * so the least a segcrypt row could take. One cipher over the whole file (no parsing, no samples),
 * 1 MiB reads with the next one in flight while this one is encrypted, each output written while
 * the next chunk is encrypted. Its output is `openssl enc` with the same cipher, key and IV byte
 * for byte (PKCS#7 padding for CBC, as openssl pads), which bench --quick checks. Plain JavaScript
 * run by `node` alone, so its start costs what a bare Node start costs.
 */
import { createCipheriv } from 'node:crypto';
import { open } from 'node:fs/promises';

const CHUNK = 1 << 20;

async function main([cipherName, keyHex, ivHex, input, output]) {
  if (!output) throw new Error('usage: node bench/node-floor.mjs <cipher> <key hex> <iv hex> <input> <output>');
  const cipher = createCipheriv(cipherName, Buffer.from(keyHex, 'hex'), Buffer.from(ivHex, 'hex'));
  const src = await open(input, 'r');
  const dst = await open(output, 'w');
  try {
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    let readAt = 0;
    let writeAt = 0;
    let turn = 0;
    let reading = src.read(buffers[0], 0, CHUNK, 0);
    let writing = Promise.resolve();
    const write = async (bytes) => { await writing; writing = dst.write(bytes, 0, bytes.length, writeAt); writeAt += bytes.length; };
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      const chunk = buffers[turn];
      readAt += bytesRead;
      turn ^= 1;
      reading = src.read(buffers[turn], 0, CHUNK, readAt);
      await write(cipher.update(chunk.subarray(0, bytesRead)));
    }
    await write(cipher.final());
    await writing;
  } finally {
    await src.close();
    await dst.close();
  }
}

main(process.argv.slice(2)).catch((e) => { process.stderr.write(`node-floor: ${e.message}\n`); process.exitCode = 1; });
