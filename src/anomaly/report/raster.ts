// A minimal RGBA canvas for the report's pictures: filled rectangles, anti-aliased lines, nearest-neighbour scaling and
// blits. Colours are [r, g, b] in 0..255. No Node modules here, so the browser demo draws with it too (PNG encoding is in
// raster-png.ts).

export type Rgb = readonly [number, number, number];

export interface Raster {
  width: number;
  height: number;
  /** Row-major RGBA, 4 bytes a pixel. */
  data: Uint8ClampedArray;
}

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];

export function createRaster(width: number, height: number, background: Rgb = WHITE): Raster {
  const raster = { width, height, data: new Uint8ClampedArray(width * height * 4) };
  fillRect(raster, 0, 0, width, height, background);
  return raster;
}

/** Mixes colour into pixel (x, y) with opacity alpha in [0, 1]; pixels outside the raster are ignored. */
export function blendPixel(r: Raster, x: number, y: number, color: Rgb, alpha = 1): void {
  if (x < 0 || y < 0 || x >= r.width || y >= r.height || alpha <= 0) return;
  const i = (y * r.width + x) * 4;
  const a = Math.min(alpha, 1);
  for (let c = 0; c < 3; c++) r.data[i + c] = r.data[i + c] * (1 - a) + color[c] * a;
  r.data[i + 3] = 255;
}

export function fillRect(r: Raster, x: number, y: number, w: number, h: number, color: Rgb, alpha = 1): void {
  for (let yy = Math.max(0, y); yy < Math.min(r.height, y + h); yy++) {
    for (let xx = Math.max(0, x); xx < Math.min(r.width, x + w); xx++) blendPixel(r, xx, yy, color, alpha);
  }
}

export interface LineStyle {
  color: Rgb;
  width?: number;
  alpha?: number;
  /** Dash and gap lengths in pixels along the segment; solid when absent. */
  dash?: [number, number];
  /** Pixels outside this rectangle [x0, y0, x1, y1) are left alone (a chart's plot area). */
  clip?: [number, number, number, number];
}

/**
 * Draws the segment (x0, y0)-(x1, y1) in pixel-centre coordinates, anti-aliased by each pixel's distance to it; cheap
 * enough for charts since only the segment's bounding box is visited.
 */
export function drawLine(r: Raster, x0: number, y0: number, x1: number, y1: number, style: LineStyle): void {
  const half = (style.width ?? 1) / 2;
  const alpha = style.alpha ?? 1;
  const [cx0, cy0, cx1, cy1] = style.clip ?? [0, 0, r.width, r.height];
  const dx = x1 - x0;
  const dy = y1 - y0;
  const length2 = dx * dx + dy * dy;
  const length = Math.sqrt(length2);
  const pad = half + 1;
  const xs = Math.max(cx0, Math.floor(Math.min(x0, x1) - pad));
  const xe = Math.min(cx1 - 1, Math.ceil(Math.max(x0, x1) + pad));
  const ys = Math.max(cy0, Math.floor(Math.min(y0, y1) - pad));
  const ye = Math.min(cy1 - 1, Math.ceil(Math.max(y0, y1) + pad));
  for (let y = ys; y <= ye; y++) {
    for (let x = xs; x <= xe; x++) {
      // Position of the closest point along the segment, as a fraction of its length.
      const t = length2 > 0 ? Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / length2)) : 0;
      if (style.dash && (t * length) % (style.dash[0] + style.dash[1]) >= style.dash[0]) continue;
      const distance = Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy));
      const coverage = Math.min(1, half + 0.5 - distance);
      if (coverage > 0) blendPixel(r, x, y, style.color, coverage * alpha);
    }
  }
}

/** Nearest-neighbour resize: keeps pixels crisp, which is what a small image shown large should look like. */
export function scaleRaster(src: Raster, width: number, height: number): Raster {
  const out = createRaster(width, height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(src.height - 1, Math.floor(((y + 0.5) * src.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(src.width - 1, Math.floor(((x + 0.5) * src.width) / width));
      const s = (sy * src.width + sx) * 4;
      out.data.set(src.data.subarray(s, s + 4), (y * width + x) * 4);
    }
  }
  return out;
}

/** Copies src onto dst with its top-left corner at (x, y), cropping what falls outside. */
export function blit(dst: Raster, src: Raster, x: number, y: number): void {
  const from = Math.max(0, -x);
  const to = Math.min(src.width, dst.width - x);
  if (to <= from) return;
  for (let sy = Math.max(0, -y); sy < Math.min(src.height, dst.height - y); sy++) {
    const row = src.data.subarray((sy * src.width + from) * 4, (sy * src.width + to) * 4);
    dst.data.set(row, ((y + sy) * dst.width + x + from) * 4);
  }
}
