/** A plain fixed-width table for the demo's closing summary (no colours: it lands in CI logs too). */
export interface SummaryRow {
  output: string;
  scheme: string;
  kids: string;
  size: string;
  speed: string;
  check: string;
}

const HEADERS: SummaryRow = { output: 'output', scheme: 'scheme', kids: 'KIDs', size: 'size', speed: 'MB/s', check: 'decryption check' };

export function formatSummary(rows: SummaryRow[]): string {
  const cols = Object.keys(HEADERS) as (keyof SummaryRow)[];
  const width = (c: keyof SummaryRow) => Math.max(HEADERS[c].length, ...rows.map((r) => r[c].length));
  const line = (r: SummaryRow) => cols.map((c) => r[c].padEnd(width(c))).join('  ').trimEnd();
  const rule = cols.map((c) => '-'.repeat(width(c))).join('  ');
  return [line(HEADERS), rule, ...rows.map(line)].join('\n');
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${n} B`;
}
