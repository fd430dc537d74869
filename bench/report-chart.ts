/**
 * A hand-written SVG bar chart of MB/s per tool and job (no dependencies): one horizontal bar per
 * row, grouped by job, coloured by kind (ceiling, peer, segcrypt). `openssl speed` is left out of
 * the bars (it is ~10x the rest and would flatten them) and quoted in the footer instead.
 */
import type { BenchResult, RowResult } from './results-model.js';

const COLOR: Record<string, string> = { ceiling: '#9aa0a6', peer: '#4e79a7', segcrypt: '#f28e2b' };
const LABEL_W = 330;
const BAR_W = 520;
const ROW_H = 22;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Job family a row belongs to, so each family's bars sit together. */
function family(r: RowResult): string {
  if (r.id.startsWith('cp-')) return r.id === 'cp-ts' ? 'TS' : 'fMP4';
  if (/package/.test(r.job)) return 'package';
  if (r.group === 'memory') return 'memory';
  return r.job.startsWith('TS') ? 'TS' : 'fMP4';
}

function kind(r: RowResult): 'ceiling' | 'peer' | 'segcrypt' {
  return r.group === 'ceiling' ? 'ceiling' : r.group === 'peer' ? 'peer' : 'segcrypt';
}

export function toSvg(res: BenchResult): string {
  const rows = res.rows.filter((r) => r.status === 'ok' && r.mbPerS !== undefined && r.medianMs !== undefined && r.group !== 'memory');
  const families = ['fMP4', 'TS', 'package'];
  const ordered = families.flatMap((f) => rows.filter((r) => family(r) === f));
  const max = Math.max(1, ...ordered.map((r) => r.mbPerS ?? 0));
  const step = max > 2000 ? 500 : max > 800 ? 200 : max > 200 ? 100 : max > 50 ? 25 : 5;
  const top = Math.ceil(max / step) * step;
  const x = (v: number) => LABEL_W + (v / top) * BAR_W;

  const parts: string[] = [];
  let y = 56;
  for (const f of families) {
    const inFamily = ordered.filter((r) => family(r) === f);
    if (!inFamily.length) continue;
    parts.push(`<text x="8" y="${y + 14}" class="fam">${f === 'package' ? 'package (DASH / HLS)' : f}</text>`);
    y += ROW_H;
    for (const r of inFamily) {
      const v = r.mbPerS ?? 0;
      const label = `${r.tool} · ${r.job.replace(/^(fMP4|TS) /, '')}`;
      parts.push(`<text x="${LABEL_W - 8}" y="${y + 15}" text-anchor="end">${esc(label)}</text>`,
        `<rect x="${LABEL_W}" y="${y + 3}" width="${(x(v) - LABEL_W).toFixed(1)}" height="${ROW_H - 6}" fill="${COLOR[kind(r)]}"/>`,
        `<text x="${(x(v) + 5).toFixed(1)}" y="${y + 15}">${v.toFixed(0)}</text>`);
      y += ROW_H;
    }
    y += 6;
  }
  const grid: string[] = [];
  for (let v = 0; v <= top; v += step) {
    grid.push(`<line x1="${x(v).toFixed(1)}" y1="48" x2="${x(v).toFixed(1)}" y2="${y}" class="grid"/>`,
      `<text x="${x(v).toFixed(1)}" y="${y + 14}" text-anchor="middle" class="axis">${v}</text>`);
  }
  y += 34;
  const speed = res.rows.filter((r) => r.id.startsWith('openssl-speed') && r.status === 'ok')
    .map((r) => `${r.job}: ${(r.mbPerS ?? 0).toFixed(0)} MB/s`).join(' · ');
  const legend = Object.entries(COLOR).map(([k, c], i) =>
    `<rect x="${LABEL_W + i * 120}" y="${y - 10}" width="12" height="12" fill="${c}"/><text x="${LABEL_W + i * 120 + 17}" y="${y}">${k}</text>`);
  const footer = `openssl speed (cipher ceiling, not drawn) ${speed || 'not measured'}`;
  const m = res.machine;
  const width = LABEL_W + BAR_W + 80;
  const height = y + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    '<style>.fam{font-weight:bold}.grid{stroke:#e0e0e0}.axis{fill:#666}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="20" font-size="15" font-weight="bold">segcrypt bench: MB/s of input per tool and job (median of ${res.runsPerJob}, higher is better)</text>`,
    `<text x="8" y="38" class="axis">${esc(`${m.cpuModel}, ${m.cores} cores · ${res.date.slice(0, 10)} · ${res.mode} inputs`)}</text>`,
    ...grid, ...parts, ...legend,
    `<text x="8" y="${y + 22}" class="axis">${esc(footer)}</text>`,
    '</svg>', '',
  ].join('\n');
}
