// The report's pictures, HTML and progress display: PNGs decode with the expected sizes and colours at known spots,
// the HTML is self-contained, and the progress bar's output stays bounded.

import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { drawText, textWidth } from '../../src/anomaly/report/bitmap-font.ts';
import { heatmapRaster, overlayHeatmap, turbo } from '../../src/anomaly/report/colormap.ts';
import { htmlReport } from '../../src/anomaly/report/html-report.ts';
import { imageRaster, sampleGrid, type GridSample, type PlanarImage } from '../../src/anomaly/report/image-grid.ts';
import { evaluateCategory, metricsReport } from '../../src/anomaly/report/metrics.ts';
import { linearTicks, lossCurves, PALETTE, renderLineChart, rocCurves } from '../../src/anomaly/report/plots.ts';
import { formatDuration, formatValue, ProgressBar } from '../../src/anomaly/report/progress.ts';
import { createRaster, type Raster } from '../../src/anomaly/report/raster.ts';
import { encodePng } from '../../src/anomaly/report/raster-png.ts';
import { roc } from '../../src/anomaly/report/roc.ts';

function decode(png: Buffer): PNG {
  return PNG.sync.read(png);
}

function pixel(image: { width: number; data: ArrayLike<number> }, x: number, y: number): number[] {
  const i = (y * image.width + x) * 4;
  return [image.data[i], image.data[i + 1], image.data[i + 2]];
}

/** How many pixels are within `tolerance` of this colour in every channel (anti-aliased edges differ a little). */
function countColour(image: { data: ArrayLike<number> }, colour: readonly number[], tolerance = 0): number {
  let n = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    if (colour.every((c, k) => Math.abs(image.data[i + k] - c) <= tolerance)) n++;
  }
  return n;
}

describe('colours', () => {
  it('turbo runs from dark blue through green to red and clamps', () => {
    const [r0, g0, b0] = turbo(0);
    expect(b0).toBeGreaterThan(r0);
    expect(b0).toBeGreaterThan(g0);
    const [r5, g5, b5] = turbo(0.5);
    expect(g5).toBeGreaterThan(r5);
    expect(g5).toBeGreaterThan(b5);
    const [r1, g1, b1] = turbo(1);
    expect(r1).toBeGreaterThan(5 * Math.max(g1, b1));
    expect(turbo(-3)).toEqual(turbo(0));
    expect(turbo(7)).toEqual(turbo(1));
    expect(turbo(NaN)).toEqual(turbo(0));
  });

  it('overlays a heatmap at the given opacity', () => {
    const gray = imageRaster({ width: 2, height: 1, channels: 1, data: new Float32Array([1, 1]) });
    const map = [0, 1];
    expect(pixel(overlayHeatmap(gray, map, 0), 1, 0)).toEqual([255, 255, 255]);
    expect(pixel(overlayHeatmap(gray, map, 1), 1, 0)).toEqual([...turbo(1)]);
    const half = pixel(overlayHeatmap(gray, map, 0.5), 0, 0);
    turbo(0).forEach((c, k) => expect(half[k]).toBeCloseTo((255 + c) / 2, -0.5));
    expect(() => heatmapRaster([0, 1, 2], 2, 2)).toThrow(/3 values for a 2x2 image/);
  });

  it('maps [-1, 1] images to 0..255, gray or RGB', () => {
    const rgb = imageRaster({ width: 1, height: 1, channels: 3, data: new Float32Array([1, -1, 0.6]) });
    expect(pixel(rgb, 0, 0)).toEqual([255, 0, 204]);
    const gray = imageRaster({ width: 1, height: 1, channels: 1, data: new Float32Array([0.6]) });
    expect(pixel(gray, 0, 0)).toEqual([204, 204, 204]);
    expect(() => imageRaster({ width: 1, height: 1, channels: 2, data: new Float32Array(2) })).toThrow(/2 channels/);
  });
});

describe('bitmap font', () => {
  it('draws glyph pixels where the font has them, lower case as upper case', () => {
    const r = createRaster(20, 10);
    drawText(r, 'i', 2, 1, [0, 0, 0]);
    // 'I': top row .###., middle rows ..#..
    expect(pixel(r, 2, 1)).toEqual([255, 255, 255]);
    expect(pixel(r, 3, 1)).toEqual([0, 0, 0]);
    expect(pixel(r, 5, 1)).toEqual([0, 0, 0]);
    expect(pixel(r, 4, 4)).toEqual([0, 0, 0]);
    expect(pixel(r, 3, 4)).toEqual([255, 255, 255]);
    expect(textWidth('ab')).toBe(11);
  });
});

describe('sample grid', () => {
  const size = 8;
  const plane = size * size;
  const constant = (channels: number, ...values: number[]): PlanarImage => ({
    width: size,
    height: size,
    channels,
    data: Float32Array.from({ length: channels * plane }, (_, i) => values[Math.floor(i / plane)]),
  });
  // Map: 1 on the left half, 0 on the right. Mask: the top-left quadrant.
  const map = Float32Array.from({ length: plane }, (_, p) => (p % size < size / 2 ? 1 : 0));
  const mask = Float32Array.from({ length: plane }, (_, p) => (p % size < size / 2 && p < plane / 2 ? 1 : 0));
  const sample = (label: number): GridSample => ({
    input: constant(3, 1, -1, 0.6),
    reconstruction: constant(1, 0.6),
    attention: new Float32Array(plane).fill(1),
    map,
    mask: label ? mask : null,
    score: label ? 0.25 : 0.05,
    label,
    defect: label ? 'crack' : undefined,
  });

  // Layout: 6 px gaps, 13 px text rows (column titles on top, then a caption above each row of tiles).
  const tile = 32;
  const tileX = (column: number) => 6 + column * (tile + 6);
  const tileY = (row: number) => 13 + 6 + row * (13 + tile + 6) + 13;

  it('has one column per picture and one row per sample', () => {
    const png = decode(encodePng(sampleGrid([sample(0), sample(1)], { tileSize: tile })));
    expect(png.width).toBe(6 + 5 * (tile + 6));
    expect(png.height).toBe(13 + 6 + 2 * (13 + tile + 6));
    const centre = (column: number, row: number, dx = 0, dy = 0) =>
      pixel(png, tileX(column) + tile / 2 + dx, tileY(row) + tile / 2 + dy);
    expect(centre(0, 0)).toEqual([255, 0, 204]); // input
    expect(centre(1, 1)).toEqual([204, 204, 204]); // reconstruction
    expect(centre(2, 0)).toEqual([...turbo(1)]); // attention
    const left = centre(3, 0, -8);
    [255, 0, 204].forEach((c, k) => expect(left[k]).toBeCloseTo((c + turbo(1)[k]) / 2, -0.5)); // heatmap overlay
    const right = centre(3, 0, 8);
    [255, 0, 204].forEach((c, k) => expect(right[k]).toBeCloseTo((c + turbo(0)[k]) / 2, -0.5));
    expect(centre(4, 1, -8, -8)).toEqual([255, 255, 255]); // ground truth: defect
    expect(centre(4, 1, 8, 8)).toEqual([0, 0, 0]);
    expect(centre(4, 0)).toEqual([255, 255, 255]); // no mask: the cell stays background
  });

  it('drops the attention and ground-truth columns and captions when nothing needs them', () => {
    const plain = { ...sample(0), attention: null };
    const png = decode(encodePng(sampleGrid([plain], { tileSize: tile, captions: false })));
    expect(png.width).toBe(6 + 3 * (tile + 6));
    expect(png.height).toBe(13 + 6 + tile + 6);
  });
});

describe('charts', () => {
  it('ticks: nice steps, and whole steps only where x counts steps', () => {
    linearTicks(3, 4).forEach((t, i) => expect(t).toBeCloseTo(3 + 0.2 * i, 12));
    expect(linearTicks(3, 4)).toHaveLength(6);
    expect(linearTicks(3, 4, 1)).toEqual([3, 4]);
    expect(linearTicks(0, 500, 1)).toEqual([0, 100, 200, 300, 400, 500]);
  });

  it('draws loss curves in palette colours with a title', () => {
    const steps = Array.from({ length: 500 }, (_, i) => i);
    const png = decode(
      encodePng(
        lossCurves([
          { name: 'l_adv', steps, values: steps.map((s) => 0.7 + 0.05 * Math.sin(s)) },
          { name: 'l_ae', steps, values: steps.map((s) => Math.exp(-s / 100)) },
        ]),
      ),
    );
    expect([png.width, png.height]).toEqual([640, 400]);
    expect(countColour(png, PALETTE[0])).toBeGreaterThan(200);
    expect(countColour(png, PALETTE[1])).toBeGreaterThan(200);
    expect(countColour(png, [40, 40, 40])).toBeGreaterThan(50); // title, ticks and legend text
  });

  it('puts a constant series at the height of its value', () => {
    const chart = renderLineChart([{ name: 'half', x: [0, 10], y: [0.5, 0.5] }], { yRange: [0, 1], height: 400 });
    let best = 0;
    let bestRow = -1;
    for (let y = 0; y < chart.height; y++) {
      const row = { data: chart.data.subarray(y * chart.width * 4, (y + 1) * chart.width * 4) };
      const n = countColour(row, PALETTE[0], 64);
      if (n > best) [best, bestRow] = [n, y];
    }
    expect(best).toBeGreaterThan(chart.width / 2);
    expect(bestRow).toBeGreaterThan(0.4 * chart.height);
    expect(bestRow).toBeLessThan(0.6 * chart.height);
  });

  it('survives gaps, zeros on a log axis and empty series', () => {
    const chart = (logY: boolean): Raster =>
      renderLineChart(
        [
          { name: 'odd', x: [0, 1, 2, 3], y: [1, NaN, 0, 0.01] },
          { name: 'empty', x: [], y: [] },
        ],
        { logY },
      );
    expect(chart(true).width).toBe(640);
    expect(chart(false).width).toBe(640);
  });

  it('draws ROC curves over the chance diagonal', () => {
    const perfect = roc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]);
    const png = decode(encodePng(rocCurves([{ name: 'image', ...perfect, auroc: 1 }])));
    expect([png.width, png.height]).toEqual([480, 480]);
    // The perfect curve runs up the left edge and along the top: two sides of the plot.
    expect(countColour(png, PALETTE[0])).toBeGreaterThan(2 * 300);
    expect(countColour(png, [150, 150, 150])).toBeGreaterThan(100); // dashed diagonal
  });
});

describe('html report', () => {
  const small = encodePng(createRaster(3, 2, [10, 20, 30]));
  const metrics = metricsReport([evaluateCategory('<bottle>', { scores: [0.1, 0.9], labels: [0, 1] })]);
  const html = htmlReport({
    title: 'run <script>alert(1)</script>',
    config: { model: 'cavga-du', lr: 1e-4, homepage: 'see docs' },
    metrics,
    lossCurves: small,
    rocCurves: [{ title: 'image ROC', png: small }],
    samples: [
      { category: 'bottle', score: 0.9, label: 1, defect: 'crack', png: small },
      { category: 'bottle', score: 0.1, label: 0, png: small },
    ],
  });

  it('embeds every picture as a data URI that decodes back to the PNG', () => {
    const uris = [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)];
    expect(uris).toHaveLength(4);
    expect(Buffer.from(uris[0][1], 'base64').equals(small)).toBe(true);
  });

  it('makes no external requests and escapes text', () => {
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/<script|<link|src="(?!data:)|url\(/i);
    expect(html).toContain('&#60;bottle&#62;');
  });

  it('shows metrics, config and captions', () => {
    expect(html).toContain('image AUROC');
    expect(html).toContain('cavga-du');
    expect(html).toContain('score 0.900 | anomalous | crack');
    expect(html).toContain('score 0.100 | normal');
  });
});

describe('progress bar', () => {
  function fakeStream(isTTY: boolean, columns?: number) {
    const writes: string[] = [];
    return { writes, stream: { isTTY, columns, write: (s: string) => writes.push(s) } };
  }

  it('prints a bounded number of plain lines for 10k fast updates off a terminal', () => {
    const { writes, stream } = fakeStream(false);
    let t = 0;
    const bar = new ProgressBar({ total: 10_000, label: 'train', stream, now: () => t });
    for (let i = 0; i < 10_000; i++) {
      t += 0.5;
      bar.tick({ l_ae: 1 / (i + 1) });
    }
    bar.finish();
    const lines = writes.join('').split('\n').filter(Boolean);
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(writes.join('')).not.toContain('\r');
    expect(lines.at(-1)).toMatch(/^train 100% \[#{20}\] 10000\/10000 2000 it\/s took 5s \| l_ae 1e-4$/);
  });

  it('also logs every few seconds when steps are slow, and no more often', () => {
    const { writes, stream } = fakeStream(false);
    let t = 0;
    const bar = new ProgressBar({ total: 10_000, stream, now: () => t, logEveryMs: 5000 });
    for (let i = 0; i < 10_000; i++) {
      t += 20; // 200 s in all: at most 40 time-triggered lines besides the 10 step-triggered ones
      bar.tick();
    }
    bar.finish();
    const lines = writes.join('').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(40);
    expect(lines.length).toBeLessThanOrEqual(10 + 40 + 1);
  });

  it('redraws in place on a terminal at most ten times a second, cut to the terminal width', () => {
    const { writes, stream } = fakeStream(true, 40);
    let t = 0;
    const bar = new ProgressBar({ total: 10_000, label: 'eval', stream, now: () => t });
    for (let i = 0; i < 10_000; i++) {
      t += 1; // 10 s in all
      bar.tick({ loss: 0.5 });
    }
    bar.log('checkpoint saved');
    bar.finish();
    const redraws = writes.filter((w) => w.startsWith('\r') && w.length > 4);
    expect(redraws.length).toBeLessThanOrEqual(10 * 10 + 3);
    for (const w of redraws) expect(w.replace('\r', '').replace('\x1b[K', '').length).toBeLessThan(40);
    expect(writes).toContain('checkpoint saved\n');
    expect(writes.at(-1)).toBe('\n');
  });

  it('formats values and durations compactly', () => {
    expect(formatValue(0.693147)).toBe('0.6931');
    expect(formatValue(12345.6)).toBe('12350');
    expect(formatValue(0.0000123)).toBe('1.23e-5');
    expect(formatValue(0.0001)).toBe('1e-4');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(7380)).toBe('2h03m');
    expect(formatDuration(Infinity)).toBe('?');
  });
});
