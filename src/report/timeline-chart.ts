import type { Timeline } from '../bench/result.js';
import { escapeHtml, figure, tickLabel, ticks } from './svg.js';

const WIDTH = 820;
const LABEL = 170;
const RIGHT = 20;
const LANE = 18;
const TOP = 8;
/** Rectangles drawn at most: a run of many tiny batches stays a page a browser opens at once. */
const MAX_BATCHES = 5000;

/** One row per device lane (a worker thread, a GPU submission slot), one rectangle per batch over the pass's time. */
export function timelineChart(timeline: Timeline, colour: (device: string) => string): string {
  const seconds = Math.max(timeline.seconds, ...timeline.batches.map((b) => b.start + b.seconds), 1e-6);
  const plot = WIDTH - LABEL - RIGHT;
  const x = (s: number): number => LABEL + (s / seconds) * plot;
  const row = new Map(timeline.lanes.map((lane, i) => [`${lane.device}#${lane.lane}`, i]));
  const parts: string[] = [];
  timeline.lanes.forEach((lane, i) => {
    const y = TOP + i * LANE;
    if (i % 2 === 0) parts.push(`<rect x="${LABEL}" y="${y}" width="${plot}" height="${LANE}" class="band"/>`);
    parts.push(`<text x="${LABEL - 6}" y="${y + LANE - 5}" text-anchor="end">${escapeHtml(`${lane.device} lane ${lane.lane}`)}</text>`);
  });
  for (const batch of timeline.batches.slice(0, MAX_BATCHES)) {
    const i = row.get(`${batch.device}#${batch.lane}`);
    if (i === undefined) continue;
    const x0 = x(batch.start);
    const width = Math.max(0.8, x(batch.start + batch.seconds) - x0);
    const tip = `${batch.device} lane ${batch.lane}: tiles ${batch.firstTile}..${batch.firstTile + batch.tiles - 1}, ${(batch.start * 1000).toFixed(2)} ms + ${(batch.seconds * 1000).toFixed(2)} ms${batch.failed ? ' (failed)' : ''}`;
    parts.push(
      `<rect x="${x0.toFixed(2)}" y="${TOP + i * LANE + 2}" width="${width.toFixed(2)}" height="${LANE - 4}" fill="${batch.failed ? '#d62728' : colour(batch.device)}" stroke="#fff" stroke-width="0.5"><title>${escapeHtml(tip)}</title></rect>`,
    );
  }
  const bottom = TOP + timeline.lanes.length * LANE;
  const axis: string[] = [];
  const ms = seconds * 1000;
  for (const t of ticks(0, ms, false)) {
    const tx = x(t / 1000).toFixed(1);
    axis.push(`<line x1="${tx}" y1="${TOP}" x2="${tx}" y2="${bottom + 4}" class="grid"/>`, `<text x="${tx}" y="${bottom + 16}" text-anchor="middle" class="muted">${tickLabel(t)}</text>`);
  }
  axis.push(`<text x="${LABEL + plot / 2}" y="${bottom + 32}" text-anchor="middle" class="muted">milliseconds since the pass started</text>`);
  const dropped = timeline.batches.length > MAX_BATCHES ? `<p class="muted">The first ${MAX_BATCHES} of ${timeline.batches.length} batches are drawn.</p>` : '';
  const height = bottom + 40;
  return `<figure><figcaption>${escapeHtml(`Timeline: ${timeline.label}, ${timeline.batches.length} batches in ${figure(ms)} ms`)}</figcaption><svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="timeline">${axis.join('')}${parts.join('')}</svg>${dropped}</figure>`;
}
