// Picture grids for the run folder and the HTML report: one row of tiles per test image (input, reconstruction,
// attention, heatmap overlay, ground truth; each where there is one) under labelled columns, each row headed by its
// caption (score, label, defect).

import { drawText, fitText, GLYPH_HEIGHT, textWidth } from './bitmap-font.ts';
import { heatmapRaster, overlayHeatmap } from './colormap.ts';
import { blit, createRaster, scaleRaster, type Raster, type Rgb } from './raster.ts';

/** An image as a tensor holds it: channel-major (CHW) floats. */
export interface PlanarImage {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

/** Maps a 1- or 3-channel image with values in [lo, hi] (the model's [-1, 1] by default) to gray or RGB pixels. */
export function imageRaster(image: PlanarImage, [lo, hi]: [number, number] = [-1, 1]): Raster {
  const { width, height, channels, data } = image;
  if (channels !== 1 && channels !== 3) throw new Error(`imageRaster: ${channels} channels (1 or 3 expected)`);
  if (data.length !== channels * width * height) {
    throw new Error(`imageRaster: ${data.length} values for ${channels}x${width}x${height}`);
  }
  const out = createRaster(width, height);
  const plane = width * height;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = data[(channels === 1 ? 0 : c) * plane + p];
      out.data[p * 4 + c] = (255 * (v - lo)) / (hi - lo);
    }
  }
  return out;
}

export interface GridOptions {
  /** Column titles, one per tile of a row. */
  columns: string[];
  /** Side of each (square) tile in pixels; smaller images are enlarged without smoothing. */
  tileSize?: number;
  background?: Rgb;
}

export interface GridRow {
  /** A null tile leaves its cell empty (e.g. no ground truth for this image). */
  tiles: (Raster | null)[];
  caption?: string;
}

const GAP = 6;
const TEXT = GLYPH_HEIGHT + 6;
const INK: Rgb = [30, 30, 30];

export function renderGrid(rows: GridRow[], options: GridOptions): Raster {
  const { columns, tileSize = 128, background = [255, 255, 255] } = options;
  const captioned = rows.some((row) => row.caption);
  const rowHeight = (captioned ? TEXT : 0) + tileSize + GAP;
  const width = GAP + columns.length * (tileSize + GAP);
  const out = createRaster(width, TEXT + GAP + rows.length * rowHeight, background);
  columns.forEach((title, k) => {
    const text = fitText(title, tileSize);
    drawText(out, text, GAP + k * (tileSize + GAP) + Math.floor((tileSize - textWidth(text)) / 2), GAP, INK);
  });
  rows.forEach((row, r) => {
    let y = TEXT + GAP + r * rowHeight;
    if (captioned) {
      drawText(out, fitText(row.caption ?? '', width - 2 * GAP), GAP, y + 2, INK);
      y += TEXT;
    }
    row.tiles.forEach((tile, k) => {
      if (k < columns.length && tile) blit(out, scaleRaster(tile, tileSize, tileSize), GAP + k * (tileSize + GAP), y);
    });
  });
  return out;
}

export interface GridSample {
  input: PlanarImage;
  /** What the detector expected the input to be; absent for detectors that do not reconstruct. */
  reconstruction?: PlanarImage | null;
  /** Grad-CAM attention in [0, 1], one value a pixel; absent for detectors that have none. */
  attention?: Float32Array | null;
  /** The anomaly map in [0, 1] (for CAVGA: 1 - A, A_a, |A| or the reconstruction error). */
  map: Float32Array;
  /** Ground-truth mask (0 or 1 a pixel); absent where the dataset has none. */
  mask?: Float32Array | null;
  score: number;
  label: number;
  defect?: string;
}

/** The caption under which a sample appears, in the grid and in the HTML report. */
export function describeSample(sample: Pick<GridSample, 'score' | 'label' | 'defect'>): string {
  const label = sample.label > 0.5 ? 'anomalous' : 'normal';
  return `score ${sample.score.toPrecision(3)} | ${label}${sample.defect ? ` | ${sample.defect}` : ''}`;
}

export interface SampleGridOptions {
  /** Range of the image values; the model's [-1, 1] by default. */
  range?: [number, number];
  tileSize?: number;
  /** Opacity of the heatmap over the input. */
  alpha?: number;
  /** Caption rows with describeSample; off when the captions are shown elsewhere (the HTML report). */
  captions?: boolean;
}

/** A grid of samples; the reconstruction, attention and ground-truth columns appear only when some sample has them. */
export function sampleGrid(samples: GridSample[], options: SampleGridOptions = {}): Raster {
  const withReconstruction = samples.some((s) => s.reconstruction);
  const withAttention = samples.some((s) => s.attention);
  const withMask = samples.some((s) => s.mask);
  const columns = ['input'];
  if (withReconstruction) columns.push('reconstruction');
  if (withAttention) columns.push('attention');
  columns.push('heatmap');
  if (withMask) columns.push('ground truth');
  const rows = samples.map((s): GridRow => {
    const { width, height } = s.input;
    const input = imageRaster(s.input, options.range);
    const tiles: (Raster | null)[] = [input];
    if (withReconstruction) tiles.push(s.reconstruction ? imageRaster(s.reconstruction, options.range) : null);
    if (withAttention) tiles.push(s.attention ? heatmapRaster(s.attention, width, height) : null);
    tiles.push(overlayHeatmap(input, s.map, options.alpha));
    if (withMask) tiles.push(s.mask ? imageRaster({ width, height, channels: 1, data: s.mask }, [0, 1]) : null);
    return { tiles, caption: options.captions === false ? undefined : describeSample(s) };
  });
  return renderGrid(rows, { columns, tileSize: options.tileSize });
}
