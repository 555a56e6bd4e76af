// Heatmap colours: Turbo (Google's improved jet: dark blue -> cyan -> green -> yellow -> red -> dark red), and an alpha
// overlay of a [0, 1] heatmap on an image.

import { createRaster, type Raster, type Rgb } from './raster.ts';

// Every 17th entry of Turbo's 256-colour table (Mikhailov 2019, Apache-2.0), as 0..255; linear interpolation between
// these 16 knots stays within 7/255 of the full table, which the eye cannot tell apart.
const TURBO_KNOTS: Rgb[] = [
  [48, 18, 59],
  [65, 67, 167],
  [71, 113, 233],
  [62, 155, 254],
  [34, 197, 226],
  [26, 228, 182],
  [70, 248, 132],
  [136, 255, 78],
  [185, 246, 53],
  [225, 221, 55],
  [250, 186, 57],
  [253, 141, 39],
  [240, 91, 18],
  [214, 53, 6],
  [175, 24, 1],
  [122, 4, 3],
];

/** The colour of value x in [0, 1] (clamped; NaN counts as 0). */
export function turbo(x: number): Rgb {
  const v = Number.isNaN(x) ? 0 : Math.min(1, Math.max(0, x));
  const t = v * (TURBO_KNOTS.length - 1);
  const k = Math.min(Math.floor(t), TURBO_KNOTS.length - 2);
  const f = t - k;
  const [a, b] = [TURBO_KNOTS[k], TURBO_KNOTS[k + 1]];
  const mix = (c: number): number => Math.round(a[c] + (b[c] - a[c]) * f);
  return [mix(0), mix(1), mix(2)];
}

function checkSize(map: ArrayLike<number>, width: number, height: number): void {
  if (map.length !== width * height) throw new Error(`heatmap: ${map.length} values for a ${width}x${height} image`);
}

/** A width x height heatmap (row-major values in [0, 1]) in Turbo colours. */
export function heatmapRaster(map: ArrayLike<number>, width: number, height: number): Raster {
  checkSize(map, width, height);
  const out = createRaster(width, height);
  for (let p = 0; p < width * height; p++) out.data.set(turbo(map[p]), p * 4);
  return out;
}

/** The image with the heatmap's colours mixed in at opacity alpha, so the defect stays visible under the colour. */
export function overlayHeatmap(image: Raster, map: ArrayLike<number>, alpha = 0.5): Raster {
  checkSize(map, image.width, image.height);
  const out = createRaster(image.width, image.height);
  for (let p = 0; p < image.width * image.height; p++) {
    const color = turbo(map[p]);
    for (let c = 0; c < 3; c++) out.data[p * 4 + c] = image.data[p * 4 + c] * (1 - alpha) + color[c] * alpha;
  }
  return out;
}
