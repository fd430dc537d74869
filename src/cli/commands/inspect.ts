import { parseArgs } from 'node:util';
import { inspectFile, type InspectReport } from '../../api/inspect.js';
import { UsageError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';

const USAGE = `usage: segcrypt inspect <file> [--fragments N] [--samples N] [--json]
  Prints what protection a file carries: protected sample entries (scheme, KID, IV size, pattern),
  pssh systems, the first samples' IVs and subsamples (fMP4), or the PMT stream types (MPEG-TS).
  --fragments N   fragments to read sample details from (default 1)
  --samples N     samples per track to list (default 3)
  --json          print the report as JSON`;

function positiveInt(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 1e6) throw new UsageError('ERR_CLI_ARGS', `${name} must be a non-negative integer, got "${v.slice(0, 10)}"`, { where: name });
  return n;
}

export function formatReport(file: string, r: InspectReport): string {
  const lines = [`${file}: ${r.container}, ${r.bytes} bytes`];
  if (r.note) lines.push(`  ${r.note}`);
  for (const t of r.tracks ?? []) {
    lines.push(t.scheme
      ? `  track ${t.trackId} (${t.handler}): ${t.sampleEntry} <- ${t.originalFormat}, scheme ${t.scheme}, KID ${t.kid}, ${t.constantIv ? 'constant IV' : `IV size ${t.ivSize}`}, pattern ${t.pattern}`
      : `  track ${t.trackId} (${t.handler}): ${t.sampleEntry}, clear`);
  }
  for (const p of r.pssh ?? []) lines.push(`  pssh v${p.version} ${p.system} (${p.systemId})${p.kids.length ? ` KIDs ${p.kids.join(', ')}` : ''}`);
  if (r.fragments !== undefined) lines.push(`  fragments: ${r.fragments}`);
  for (const s of r.samples ?? []) {
    const subs = s.subsamples.length ? s.subsamples.map(([c, p]) => `${c}+${p}`).join(' ') : 'full sample';
    lines.push(`  fragment ${s.fragment} track ${s.trackId} sample ${s.sample}: IV ${s.ivHex || '(constant)'}, subsamples ${subs}`);
  }
  for (const s of r.streams ?? []) lines.push(`  PID ${s.pid}: stream type ${s.streamType}${s.encrypted ? ' (SAMPLE-AES)' : ''}`);
  return lines.join('\n');
}

export async function inspectCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { fragments: { type: 'string' }, samples: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    throw new UsageError('ERR_CLI_ARGS', (e as Error).message, { where: 'inspect' });
  }
  if (parsed.values.help) { process.stdout.write(`${USAGE}\n`); return EXIT.ok; }
  if (parsed.positionals.length !== 1) throw new UsageError('ERR_CLI_ARGS', `inspect takes exactly one file, got ${parsed.positionals.length}`, { where: '<file>' });
  const file = parsed.positionals[0]!;
  const report = await inspectFile(file, { fragments: positiveInt(parsed.values.fragments, '--fragments', 1), samplesPerTrack: positiveInt(parsed.values.samples, '--samples', 3) });
  process.stdout.write(parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(file, report)}\n`);
  return EXIT.ok;
}
