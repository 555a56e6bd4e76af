// Line charts drawn straight into a raster (no plotting library): linear or logarithmic y axis with "nice" ticks, grid,
// tick labels in the bitmap font, a legend; on top of it loss curves and ROC curves.

import { drawText, fitText, GLYPH_HEIGHT, textWidth } from './bitmap-font.ts';
import { createRaster, drawLine, fillRect, type Raster, type Rgb } from './raster.ts';
import type { RocCurve } from './roc.ts';
import { formatMetric } from './metrics.ts';

/** Tableau's ten categorical colours: distinguishable from one another and on white. */
export const PALETTE: Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** PALETTE[index of the series] when absent. */
  color?: Rgb;
  alpha?: number;
  dash?: [number, number];
  inLegend?: boolean;
}

export interface ChartOptions {
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Axis ranges; fitted to the data (y padded to whole ticks) when absent. */
  xRange?: [number, number];
  yRange?: [number, number];
  /** x values are whole numbers (steps): no tick between two of them. */
  integerX?: boolean;
  /** Logarithmic y axis, for losses that fall by orders of magnitude; values <= 0 are left out. */
  logY?: boolean;
  /** Legend corner inside the plot; 'auto' (the default) takes the corner that hides the fewest curve pixels. */
  legend?: LegendCorner | 'auto';
}

type LegendCorner = 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left';

const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];
const FRAME: Rgb = [120, 120, 120];

/** A step of 1, 2 or 5 times a power of ten giving about `count` intervals over [lo, hi]. */
function niceStep(lo: number, hi: number, count: number): number {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * power;
}

export function linearTicks(lo: number, hi: number, minStep = 0): number[] {
  const step = Math.max(niceStep(lo, hi, 6), minStep);
  const ticks: number[] = [];
  // Multiplying an integer by the step, rather than accumulating, keeps labels free of drift like 0.30000000000000004.
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(k * step + 0); // + 0: no -0 tick
  return ticks;
}

/** Powers of ten, and 2x and 5x them when the range spans few decades. */
function logTicks(lo: number, hi: number): number[] {
  const first = Math.floor(Math.log10(lo));
  const last = Math.ceil(Math.log10(hi));
  const mantissas = last - first <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = first; e <= last; e++) {
    for (const m of mantissas) {
      const v = m * 10 ** e;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks;
}

/** Short tick labels: as many decimals as the spacing needs, exponent form for very large or small values. */
function tickLabel(v: number, spacing: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0);
  return v.toFixed(Math.max(0, Math.min(6, -Math.floor(Math.log10(spacing) + 1e-9))));
}

function dataRange(series: Series[], axis: 'x' | 'y', logY: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    const values = s[axis];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v) || (axis === 'y' && logY && v <= 0)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo > hi) return logY && axis === 'y' ? [0.1, 1] : [0, 1];
  if (lo === hi) return logY && axis === 'y' ? [lo / 2, hi * 2] : [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

export function renderLineChart(series: Series[], options: ChartOptions = {}): Raster {
  const { width = 640, height = 400, logY = false } = options;
  const out = createRaster(width, height);
  const [x0, x1] = options.xRange ?? dataRange(series, 'x', false);
  let [y0, y1] = options.yRange ?? dataRange(series, 'y', logY);
  if (!options.yRange) {
    // Extend the fitted y range to the enclosing ticks so the curves never touch the frame unlabelled.
    if (logY) [y0, y1] = [10 ** Math.floor(Math.log10(y0) + 1e-9), 10 ** Math.ceil(Math.log10(y1) - 1e-9)];
    else {
      const step = niceStep(y0, y1, 6);
      [y0, y1] = [Math.floor(y0 / step) * step, Math.ceil(y1 / step) * step];
    }
  }
  const xTicks = linearTicks(x0, x1, options.integerX ? 1 : 0);
  const yTicks = logY ? logTicks(y0, y1) : linearTicks(y0, y1);
  const xSpacing = xTicks.length > 1 ? xTicks[1] - xTicks[0] : 1;
  const ySpacing = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
  const yLabels = yTicks.map((v) => (logY ? tickLabel(v, v) : tickLabel(v, ySpacing)));

  // Plot area: room on the left for the widest y label, above for the title and y-axis name, below for x labels.
  const left = 12 + Math.max(...yLabels.map((l) => textWidth(l)), 0);
  const top = (options.title ? 2 * GLYPH_HEIGHT + 10 : 8) + (options.yLabel ? GLYPH_HEIGHT + 6 : 0);
  const right = width - 16;
  const bottom = height - (GLYPH_HEIGHT + 12) - (options.xLabel ? GLYPH_HEIGHT + 6 : 0);
  const px = (x: number): number => left + ((x - x0) / (x1 - x0)) * (right - left);
  const ty = (y: number): number => (logY ? Math.log10(y) : y);
  const py = (y: number): number => bottom - ((ty(y) - ty(y0)) / (ty(y1) - ty(y0))) * (bottom - top);

  if (options.title) drawText(out, options.title, Math.floor((width - textWidth(options.title, 2)) / 2), 6, INK, 2);
  if (options.yLabel) drawText(out, options.yLabel, left, top - GLYPH_HEIGHT - 6, INK);
  if (options.xLabel) {
    const x = Math.floor((left + right - textWidth(options.xLabel)) / 2);
    drawText(out, options.xLabel, x, height - GLYPH_HEIGHT - 4, INK);
  }
  xTicks.forEach((v) => {
    const x = Math.round(px(v));
    drawLine(out, x, top, x, bottom, { color: GRID });
    const label = tickLabel(v, xSpacing);
    drawText(out, label, x - Math.floor(textWidth(label) / 2), bottom + 6, INK);
  });
  yTicks.forEach((v, k) => {
    const y = Math.round(py(v));
    drawLine(out, left, y, right, y, { color: GRID });
    drawText(out, yLabels[k], left - 6 - textWidth(yLabels[k]), y - 3, INK);
  });

  // The frame goes under the curves: a ROC curve often runs along its top and left edges.
  for (const [xa, ya, xb, yb] of [
    [left, top, right, top],
    [left, bottom, right, bottom],
    [left, top, left, bottom],
    [right, top, right, bottom],
  ]) {
    drawLine(out, xa, ya, xb, yb, { color: FRAME });
  }
  const background = out.data.slice();
  const clip: [number, number, number, number] = [left, top, right + 1, bottom + 1];
  series.forEach((s, k) => {
    const style = { color: s.color ?? PALETTE[k % PALETTE.length], width: 1.5, alpha: s.alpha, dash: s.dash, clip };
    let last: [number, number] | null = null;
    for (let i = 0; i < s.x.length; i++) {
      if (!Number.isFinite(s.x[i]) || !Number.isFinite(s.y[i]) || (logY && s.y[i] <= 0)) {
        last = null; // a gap in the data is a gap in the line
        continue;
      }
      const point: [number, number] = [px(s.x[i]), py(s.y[i])];
      // Skipping points less than a pixel apart keeps a million-point ROC curve as cheap as a thousand-point one.
      if (last && Math.hypot(point[0] - last[0], point[1] - last[1]) < 1 && i < s.x.length - 1) continue;
      if (last) drawLine(out, last[0], last[1], point[0], point[1], style);
      last = point;
    }
  });
  drawLegend(out, background, series, [left, top, right, bottom], options.legend ?? 'auto');
  return out;
}

/** How many pixels of the rectangle the curves changed (background: the raster before they were drawn). */
function inkIn(out: Raster, background: Uint8ClampedArray, x: number, y: number, w: number, h: number): number {
  let count = 0;
  for (let yy = y; yy < y + h; yy++) {
    for (let xx = x; xx < x + w; xx++) {
      const i = (yy * out.width + xx) * 4;
      if ([0, 1, 2].some((c) => out.data[i + c] !== background[i + c])) count++;
    }
  }
  return count;
}

function drawLegend(
  out: Raster,
  background: Uint8ClampedArray,
  series: Series[],
  [left, top, right, bottom]: number[],
  where: LegendCorner | 'auto',
): void {
  const entries = series
    .map((s, k) => ({ name: s.name, color: s.color ?? PALETTE[k % PALETTE.length], dash: s.dash }))
    .filter((_, k) => series[k].inLegend !== false);
  if (entries.length === 0) return;
  const line = GLYPH_HEIGHT + 5;
  const swatch = 18;
  const names = entries.map((e) => fitText(e.name, (right - left) / 2));
  const w = swatch + 14 + Math.max(...names.map((n) => textWidth(n)));
  const h = entries.length * line + 6;
  const place = (corner: LegendCorner): [number, number] => [
    corner.endsWith('right') ? right - w - 8 : left + 8,
    corner.startsWith('top') ? top + 8 : bottom - h - 8,
  ];
  let corner = where;
  if (corner === 'auto') {
    const corners: LegendCorner[] = ['top-right', 'top-left', 'bottom-right', 'bottom-left'];
    const ink = corners.map((c) => inkIn(out, background, ...place(c), w, h));
    corner = corners[ink.indexOf(Math.min(...ink))];
  }
  const [x, y] = place(corner);
  fillRect(out, x, y, w, h, [255, 255, 255], 0.85);
  entries.forEach((e, k) => {
    const cy = y + 5 + k * line + 3;
    drawLine(out, x + 5, cy, x + 5 + swatch, cy, { color: e.color, width: 2, dash: e.dash });
    drawText(out, names[k], x + swatch + 10, cy - 3, INK);
  });
}

export interface LossSeries {
  name: string;
  steps: ArrayLike<number>;
  values: ArrayLike<number>;
}

/**
 * Loss curves over training steps. With smoothing w in (0, 1) each curve is drawn faint as recorded and strong as its
 * exponential moving average (bias-corrected, as TensorBoard does, so the start is not pulled towards 0).
 */
export function lossCurves(losses: LossSeries[], options: ChartOptions & { smoothing?: number } = {}): Raster {
  const { smoothing = 0, ...chart } = options;
  const series: Series[] = [];
  losses.forEach((loss, k) => {
    const color = PALETTE[k % PALETTE.length];
    if (smoothing <= 0) {
      series.push({ name: loss.name, x: loss.steps, y: loss.values, color });
      return;
    }
    series.push({ name: loss.name, x: loss.steps, y: loss.values, color, alpha: 0.25, inLegend: false });
    const smooth = new Float64Array(loss.values.length);
    let average = 0;
    let weight = 0;
    for (let i = 0; i < smooth.length; i++) {
      const v = loss.values[i];
      if (Number.isFinite(v)) {
        average = smoothing * average + (1 - smoothing) * v;
        weight = smoothing * weight + (1 - smoothing);
      }
      smooth[i] = weight > 0 ? average / weight : NaN;
    }
    series.push({ name: loss.name, x: loss.steps, y: smooth, color });
  });
  return renderLineChart(series, { title: 'loss', xLabel: 'step', integerX: true, ...chart });
}

export interface NamedRoc extends RocCurve {
  name: string;
  auroc: number;
}

/** ROC curves in the unit square with the chance diagonal; each legend entry quotes its AUROC. */
export function rocCurves(curves: NamedRoc[], options: ChartOptions = {}): Raster {
  // The diagonal goes first so that the curves are drawn over it.
  const series: Series[] = [
    { name: 'chance', x: [0, 1], y: [0, 1], color: [150, 150, 150], dash: [6, 4], inLegend: false },
    ...curves.map((c, k) => ({
      name: `${c.name} (AUROC ${formatMetric(c.auroc)})`,
      x: c.fpr,
      y: c.tpr,
      color: PALETTE[k % PALETTE.length],
    })),
  ];
  return renderLineChart(series, {
    width: 480,
    height: 480,
    title: 'ROC',
    xLabel: 'false positive rate',
    yLabel: 'true positive rate',
    xRange: [0, 1],
    yRange: [0, 1],
    legend: 'bottom-right',
    ...options,
  });
}
