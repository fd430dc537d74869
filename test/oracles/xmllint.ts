/**
 * xmllint as an oracle: well-formedness, or validation against an XSD. Debian's /usr/bin/xmllint
 * (libxml2-utils) when installed, else the same libxml2 built to WebAssembly (the npm
 * devDependency `xmllint-wasm`), so the check never silently disappears.
 *
 * A verdict is "valid" or "invalid"; anything else (the schema does not compile, the tool cannot
 * run) throws: a broken oracle would otherwise make every negative twin pass.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runTool } from './run-tool.js';

export const SYSTEM_XMLLINT = '/usr/bin/xmllint';

export interface XmlVerdict {
  valid: boolean;
  /** Which xmllint answered: 'xmllint' (Debian) or 'xmllint-wasm'. */
  validator: string;
  /** The last lines of xmllint's report. */
  report: string;
}

/** `SEGCRYPT_XMLLINT=wasm` forces the WebAssembly build (used to test this fallback). */
function useSystem(): boolean {
  return process.env.SEGCRYPT_XMLLINT !== 'wasm' && existsSync(SYSTEM_XMLLINT);
}

export async function validateXml(file: string, schema?: string): Promise<XmlVerdict> {
  return useSystem() ? viaSystem(file, schema) : viaWasm(file, schema);
}

async function viaSystem(file: string, schema?: string): Promise<XmlVerdict> {
  const args = ['--noout', '--nonet', ...(schema ? ['--schema', schema] : []), file];
  const r = await runTool(SYSTEM_XMLLINT, args, { lenient: true, timeoutMs: 30_000 });
  const report = r.stderr.trim().split('\n').slice(-3).join(' | ');
  // xmllint's exit codes: 0 ok, 1 not well-formed, 3/4 not valid; 5 the schema itself failed to compile.
  if (r.exitCode === 0) {
    if (schema && !/validates$/m.test(r.stderr)) throw new Error(`xmllint exited 0 without saying "${file} validates": ${report}`);
    return { valid: true, validator: 'xmllint', report };
  }
  if ([1, 3, 4].includes(r.exitCode)) return { valid: false, validator: 'xmllint', report };
  throw new Error(`xmllint could not judge ${file} (exit ${r.exitCode}): ${report}`);
}

async function viaWasm(file: string, schema?: string): Promise<XmlVerdict> {
  const { validateXML } = await import('xmllint-wasm');
  const xml = { fileName: path.basename(file), contents: readFileSync(file, 'utf8') };
  if (!schema) {
    const r = await validateXML({ xml, normalization: 'format' });
    return { valid: r.valid, validator: 'xmllint-wasm', report: r.errors.map((e) => e.message).slice(-3).join(' | ') };
  }
  // The schema's xs:import siblings go into the in-memory file system beside it.
  const dir = path.dirname(schema);
  const preload = readdirSync(dir).filter((f) => f.endsWith('.xsd') && f !== path.basename(schema))
    .map((f) => ({ fileName: f, contents: readFileSync(path.join(dir, f), 'utf8') }));
  const r = await validateXML({ xml, schema: { fileName: path.basename(schema), contents: readFileSync(schema, 'utf8') }, preload });
  if (!r.valid && r.errors.some((e) => /failed to compile|Schemas parser error/i.test(e.rawMessage))) {
    throw new Error(`xmllint-wasm could not compile ${schema}: ${r.rawOutput.slice(-500)}`);
  }
  return { valid: r.valid, validator: 'xmllint-wasm', report: r.errors.map((e) => e.rawMessage).slice(-3).join(' | ') };
}
