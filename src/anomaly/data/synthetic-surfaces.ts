// What every category of the built-in dataset draws, and the helpers they share. A category draws one random normal
// instance (texture phase, colour and lighting jitter, or the part's pose) at side s as planar RGB in [0, 1], and can
// then draw any of its defect kinds into a copy of that instance, with the defect's region.

export type Random = () => number;
export type Rgb = [number, number, number];

/** How strong a defect is: `amount` scales how far it departs from normal (1, lower when faint), `size` its extent. */
export interface Strength {
  amount: number;
  size: number;
}

/** A defective copy of an instance: the image (planar RGB) and the defect's region (opacity; the mask is >= 0.5). */
export interface Drawn {
  rgb: Float32Array;
  region: Float32Array;
}

export interface Surface<Kind extends string> {
  rgb: Float32Array; // [3, s, s]
  defect(kind: Kind, r: Random, strength: Strength): Drawn;
}

export interface SurfaceCategory<Kind extends string> {
  /** Defect kinds, drawn in turn. */
  kinds: readonly Kind[];
  draw(r: Random, s: number): Surface<Kind>;
}

export const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
export const mix = (a: number, b: number, t: number) => a + (b - a) * t;
/** Colour a blended towards b by t. */
export const mixRgb = (a: Rgb, b: Rgb, t: number): Rgb => [mix(a[0], b[0], t), mix(a[1], b[1], t), mix(a[2], b[2], t)];
export const pick = <T>(r: Random, items: readonly T[]) => items[Math.floor(r() * items.length)];
/** Uniform in [lo, hi). */
export const uniform = (r: Random, lo: number, hi: number) => lo + (hi - lo) * r();

export const jitter = (r: Random, color: Rgb, amount: number): Rgb => {
  const k = 1 + (r() * 2 - 1) * amount;
  return color.map((v) => v * k) as Rgb;
};

/** Smooth value noise in [0, 1] on a random lattice with cells of cx by cy pixels. */
export function valueNoise(r: Random, s: number, cx: number, cy: number): Float32Array {
  const gw = Math.ceil(s / cx) + 2;
  const gh = Math.ceil(s / cy) + 2;
  const lattice = Float32Array.from({ length: gw * gh }, r);
  const ox = r() * cx;
  const oy = r() * cy;
  const smooth = (t: number) => t * t * (3 - 2 * t);
  const out = new Float32Array(s * s);
  for (let y = 0; y < s; y++) {
    const fy = (y + oy) / cy;
    const j = Math.floor(fy);
    const ty = smooth(fy - j);
    for (let x = 0; x < s; x++) {
      const fx = (x + ox) / cx;
      const i = Math.floor(fx);
      const tx = smooth(fx - i);
      const a = lattice[j * gw + i] + (lattice[j * gw + i + 1] - lattice[j * gw + i]) * tx;
      const b = lattice[(j + 1) * gw + i] + (lattice[(j + 1) * gw + i + 1] - lattice[(j + 1) * gw + i]) * tx;
      out[y * s + x] = a + (b - a) * ty;
    }
  }
  return out;
}

/** Planar RGB of side s from a colour per pixel; `pixel` gets the pixel's column, row and flat index. */
export function fill(s: number, pixel: (x: number, y: number, i: number) => Rgb): Float32Array {
  const out = new Float32Array(3 * s * s);
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const i = y * s + x;
      const c = pixel(x, y, i);
      for (let k = 0; k < 3; k++) out[k * s * s + i] = c[k];
    }
  }
  return out;
}

/** A noise field of side s (from valueNoise) read at point (px, py), bilinearly, the border repeated beyond the edge. */
export function sample(field: Float32Array, s: number, px: number, py: number): number {
  const fx = Math.min(s - 1, Math.max(0, px - 0.5));
  const fy = Math.min(s - 1, Math.max(0, py - 0.5));
  const x0 = Math.min(s - 2, Math.floor(fx));
  const y0 = Math.min(s - 2, Math.floor(fy));
  const tx = fx - x0;
  const ty = fy - y0;
  const i = y0 * s + x0;
  const top = field[i] + (field[i + 1] - field[i]) * tx;
  const bottom = field[i + s] + (field[i + s + 1] - field[i + s]) * tx;
  return top + (bottom - top) * ty;
}
