import { escapeHtml, figure, tickLabel, ticks } from './svg.js';

export interface Bar {
  label: string;
  /** null: the series did not run (failed); drawn as a note. */
  value: number | null;
  colour: string;
  tooltip: string;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
}

/** A vertical reference line across the chart (memory bandwidth). */
export interface ReferenceLine {
  label: string;
  value: number;
  colour: string;
}

const WIDTH = 820;
const LABEL = 170;
const RIGHT = 70;
const BAR = 15;
const GAP = 3;
const GROUP_GAP = 14;
const TOP = 28;
const AXIS = 34;

/**
 * Horizontal bars in groups (one group per tile edge, one bar per device or peer) with reference
 * lines. The scale is logarithmic when the values span more than 30x (peers in Python can be 100x
 * slower than the memory line), else linear from 0; the axis says which.
 */
export function barChart(title: string, unit: string, groups: readonly BarGroup[], lines: readonly ReferenceLine[]): string {
  const values = [...groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v): v is number => v !== null && v > 0), ...lines.map((l) => l.value)];
  const max = Math.max(...values, 1e-9) * 1.15;
  const min = Math.min(...values, max);
  const log = max / min > 30;
  const lo = log ? 10 ** Math.floor(Math.log10(min)) : 0;
  const plot = WIDTH - LABEL - RIGHT;
  const x = (v: number): number => LABEL + (log ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(max) - Math.log10(lo)) : v / max) * plot;
  const lineXs = lines.map((line) => x(line.value));
  const parts: string[] = [];
  let y = TOP;
  for (const group of groups) {
    parts.push(`<text x="6" y="${y + 11}" class="group">${escapeHtml(group.label)}</text>`);
    for (const bar of group.bars) {
      parts.push(`<text x="${LABEL - 6}" y="${y + BAR - 3}" text-anchor="end">${escapeHtml(bar.label)}</text>`);
      if (bar.value === null || !(bar.value > 0)) {
        parts.push(`<text x="${LABEL + 4}" y="${y + BAR - 3}" class="muted">did not run</text>`);
      } else {
        const end = x(bar.value);
        parts.push(
          `<rect x="${LABEL}" y="${y}" width="${Math.max(1, end - LABEL).toFixed(1)}" height="${BAR}" fill="${bar.colour}"><title>${escapeHtml(bar.tooltip)}</title></rect>`,
          // A figure that would run into a reference line or the edge goes inside its bar.
          end - LABEL > 45 && (end + 40 > WIDTH - RIGHT || lineXs.some((lx) => lx > end - 2 && lx < end + 40))
            ? `<text x="${(end - 4).toFixed(1)}" y="${y + BAR - 3}" text-anchor="end" fill="#fff">${figure(bar.value)}</text>`
            : `<text x="${(end + 4).toFixed(1)}" y="${y + BAR - 3}">${figure(bar.value)}</text>`,
        );
      }
      y += BAR + GAP;
    }
    y += GROUP_GAP;
  }
  const bottom = y - GROUP_GAP + 4;
  const axis: string[] = [`<line x1="${LABEL}" y1="${TOP - 6}" x2="${LABEL}" y2="${bottom}" class="axis"/>`];
  for (const t of ticks(log ? lo : 0, max, log)) {
    const tx = x(t).toFixed(1);
    axis.push(`<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${bottom}" class="grid"/>`, `<text x="${tx}" y="${bottom + 14}" text-anchor="middle" class="muted">${tickLabel(t)}</text>`);
  }
  axis.push(`<text x="${LABEL + plot / 2}" y="${bottom + 30}" text-anchor="middle" class="muted">${escapeHtml(unit)}${log ? ' (log scale)' : ''}</text>`);
  const refs = lines.map((line, i) => {
    const lx = x(line.value).toFixed(1);
    return `<line x1="${lx}" y1="${TOP - 14}" x2="${lx}" y2="${bottom}" stroke="${line.colour}" stroke-width="2" stroke-dasharray="6 3"><title>${escapeHtml(`${line.label}: ${figure(line.value)} ${unit}`)}</title></line>` +
      `<text x="${lx}" y="${TOP - 16 - i * 11}" text-anchor="${Number(lx) > WIDTH - 160 ? 'end' : 'middle'}" fill="${line.colour}" class="small">${escapeHtml(`${line.label} ${figure(line.value)}`)}</text>`;
  });
  const top = 8 + Math.max(0, lines.length - 1) * 11;
  const height = bottom + AXIS + 6;
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg class="chart" viewBox="0 ${-top} ${WIDTH} ${height + top}" width="${WIDTH}" height="${height + top}" role="img" aria-label="${escapeHtml(title)}">${axis.join('')}${parts.join('')}${refs.join('')}</svg></figure>`;
}
