/** Small helpers the report's SVG charts share: escaping, colours, number formats and axis ticks. */

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Colours by series name: devices first in a fixed order, peers in greys and browns, so a name keeps its colour across charts. */
const FIXED: Record<string, string> = {
  cpu: '#1f77b4',
  all: '#7b3fb5',
  C: '#4d4d4d',
  numpy: '#8c564b',
  dask: '#d6609f',
  OpenCV: '#9a9a9a',
};
const SPARE = ['#ff7f0e', '#2ca02c', '#d62728', '#17becf', '#bcbd22', '#e7969c'];

export function colourOf(name: string, spares: Map<string, string>): string {
  if (FIXED[name]) return FIXED[name];
  let colour = spares.get(name);
  if (!colour) {
    colour = SPARE[spares.size % SPARE.length]!;
    spares.set(name, colour);
  }
  return colour;
}

/** Three significant figures, no exponent for everyday values. */
export function figure(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** A tick's label: the number as written (0.001, 2.5, 100), without trailing zeros. */
export function tickLabel(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** Axis ticks: powers of ten (log scale) or 4-6 round steps (linear). */
export function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
    return out.filter((t) => t >= lo * 0.999 && t <= hi * 1.001);
  }
  const raw = (hi - lo) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}
