#!/usr/bin/env node
// Proof that the default build needs no native addon: run the whole demo (key server, SPEKE v2,
// every encryption path, decryption checks) under `node --no-addons`. Any attempt to load a `.node`
// addon throws ERR_DLOPEN_DISABLED there, so the demo fails and so does this script.
// The optional CRT signer (@aws-sdk/signature-v4-crt) is the only native piece and is never loaded by default.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'segcrypt-native-free-'));
const r = spawnSync(process.execPath, ['--no-addons', join(root, 'dist/demo/main.js'), '--out', out], { stdio: 'inherit', timeout: 600_000 });
if (!process.argv[2]) rmSync(out, { recursive: true, force: true });
if (r.status !== 0) {
  console.error(`native-free: the demo failed under --no-addons (exit ${r.status ?? r.signal})`);
  process.exit(1);
}
console.log('native-free: the demo ran under node --no-addons');
