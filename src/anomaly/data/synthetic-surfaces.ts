// Defect-free renderings of the built-in dataset's categories. Each draws one random instance (texture phase, colour and
// lighting jitter, or the part's pose) at side s, as planar RGB in [0, 1], together with what a missing piece reveals
// (`under`) and where defects may appear (`coverage`: the part for objects, everywhere for textures).

export interface Surface {
  rgb: Float32Array; // [3, s, s]
  under: Float32Array; // [3, s, s]
  coverage: Float32Array; // [s, s] in [0, 1]
  /** Textures on a regular grid: pitch and offset in pixels, so defects can follow it (a missing thread, a chipped tile corner). */
  grid?: { kind: 'threads' | 'tiles'; pitch: number; ox: number; oy: number };
  /** Objects: a random point on the part's outer edge, where pieces break off. */
  edgePoint?: (r: Random) => [number, number];
}

export type Random = () => number;
type Rgb = [number, number, number];

const jitter = (r: Random, color: Rgb, amount: number): Rgb => {
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

function fill(s: number, pixel: (x: number, y: number) => Rgb): Float32Array {
  const out = new Float32Array(3 * s * s);
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const c = pixel(x, y);
      for (let k = 0; k < 3; k++) out[k * s * s + y * s + x] = c[k];
    }
  }
  return out;
}

const everywhere = (s: number) => new Float32Array(s * s).fill(1);

/** Plain weave: warp and weft threads alternate over and under in a checkerboard of thread crossings. */
function weave(r: Random, s: number): Surface {
  const pitch = s / 8;
  const ox = r() * 2 * pitch;
  const oy = r() * 2 * pitch;
  const base = jitter(r, [0.8, 0.72, 0.56], 0.03);
  const fibre = valueNoise(r, s, 1.5, 1.5);
  const la = r() * 2 * Math.PI;
  const rgb = fill(s, (x, y) => {
    const X = (x + 0.5 + ox) / pitch;
    const Y = (y + 0.5 + oy) / pitch;
    const warpOnTop = (Math.floor(X) + Math.floor(Y)) % 2 === 0;
    const across = warpOnTop ? X % 1 : Y % 1;
    const along = warpOnTop ? Y % 1 : X % 1;
    const shade = 0.45 + 0.55 * Math.sqrt(Math.sin(Math.PI * across)) * (0.9 + 0.1 * Math.sin(Math.PI * along));
    const light = 1 + 0.06 * ((x / s - 0.5) * Math.cos(la) + (y / s - 0.5) * Math.sin(la));
    const v = shade * light * (0.94 + 0.12 * fibre[y * s + x]);
    return [base[0] * v, base[1] * v, base[2] * v];
  });
  const under = fill(s, (x, y) => {
    const v = 0.8 + 0.4 * fibre[y * s + x];
    return [0.22 * v, 0.18 * v, 0.14 * v];
  });
  return { rgb, under, coverage: everywhere(s), grid: { kind: 'threads', pitch, ox, oy } };
}

/** Wood: dark latewood rings, warped by low-frequency noise, with fine streaks along the grain. */
function grain(r: Random, s: number): Surface {
  const theta = (r() - 0.5) * 0.3;
  const period = (s / 5) * (0.9 + 0.2 * r());
  const phase = r();
  const warp = valueNoise(r, s, s / 5, s / 1.6);
  const streaks = valueNoise(r, s, 2, s / 4);
  const light = jitter(r, [0.8, 0.6, 0.4], 0.04);
  const dark = jitter(r, [0.5, 0.31, 0.17], 0.04);
  const rgb = fill(s, (x, y) => {
    const a = (x - s / 2) * Math.cos(theta) + (y - s / 2) * Math.sin(theta);
    const ring = (0.5 + 0.5 * Math.cos(2 * Math.PI * (a / period + 1.2 * warp[y * s + x] + phase))) ** 3;
    const m = Math.min(1, 0.7 * ring + 0.3 * streaks[y * s + x]);
    return [0, 1, 2].map((k) => light[k] * (1 - m) + dark[k] * m) as Rgb;
  });
  const under = fill(s, (x, y) => {
    const v = 0.85 + 0.3 * streaks[y * s + x];
    return [0.38 * v, 0.24 * v, 0.13 * v];
  });
  return { rgb, under, coverage: everywhere(s) };
}

/** Square ceramic tiles with grout joints, a lit and a shaded bevel, slight per-tile tone differences and speckle. */
function tiles(r: Random, s: number): Surface {
  const pitch = s / 4;
  const joint = Math.max(1, Math.round(s / 40));
  const ox = Math.floor(r() * pitch);
  const oy = Math.floor(r() * pitch);
  const base = jitter(r, [0.74, 0.76, 0.8], 0.03);
  const perRow = Math.ceil(s / pitch) + 1;
  const tone = Float32Array.from({ length: perRow * perRow }, () => 1 + (r() - 0.5) * 0.05);
  const speckle = valueNoise(r, s, 1, 1);
  const rgb = fill(s, (x, y) => {
    const X = x + ox;
    const Y = y + oy;
    const fx = X % pitch;
    const fy = Y % pitch;
    const n = speckle[y * s + x];
    if (fx < joint || fy < joint) {
      const v = 0.92 + 0.16 * n;
      return [0.5 * v, 0.48 * v, 0.45 * v];
    }
    const bevel = fx === joint || fy === joint ? 1.06 : fx === pitch - 1 || fy === pitch - 1 ? 0.9 : 1;
    const v = tone[Math.floor(Y / pitch) * perRow + Math.floor(X / pitch)] * bevel * (0.97 + 0.06 * n);
    return [base[0] * v, base[1] * v, base[2] * v];
  });
  const under = fill(s, (x, y) => {
    const v = 0.85 + 0.3 * speckle[y * s + x];
    return [0.4 * v, 0.4 * v, 0.38 * v];
  });
  return { rgb, under, coverage: everywhere(s), grid: { kind: 'tiles', pitch, ox, oy } };
}

/** A machined metal washer on a dark plain background; pose (centre, size) and light direction jitter per image. */
function washer(r: Random, s: number): Surface {
  const cx = s / 2 + (r() - 0.5) * 0.08 * s;
  const cy = s / 2 + (r() - 0.5) * 0.08 * s;
  const outer = 0.36 * s * (1 + (r() - 0.5) * 0.04);
  const inner = 0.16 * s * (1 + (r() - 0.5) * 0.04);
  const lightAngle = -0.75 * Math.PI + (r() - 0.5) * 0.4;
  const noise = valueNoise(r, s, 1, 1);
  const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
  const coverage = new Float32Array(s * s);
  const background = (x: number, y: number): Rgb => {
    const v = 1 - 0.15 * Math.hypot(x / s - 0.5, y / s - 0.5) + 0.04 * (noise[y * s + x] - 0.5);
    return [0.14 * v, 0.15 * v, 0.17 * v];
  };
  const rgb = fill(s, (x, y) => {
    const dx = x + 0.5 - cx;
    const dy = y + 0.5 - cy;
    const d = Math.hypot(dx, dy);
    const cov = clamp01(outer - d + 0.5) * clamp01(d - inner + 0.5);
    coverage[y * s + x] = cov;
    const bg = background(x, y);
    if (cov === 0) return bg;
    const u = (d - inner) / (outer - inner);
    const lambert = Math.cos(Math.atan2(dy, dx) - lightAngle);
    // Machining rings, an overall light gradient, and bevels at both rims facing towards or away from the light.
    let metal = 0.62 + 0.05 * Math.sin((d * 2 * Math.PI) / (s / 24)) + 0.05 * lambert + 0.02 * (noise[y * s + x] - 0.5);
    if (u > 0.85) metal += 0.25 * lambert * ((u - 0.85) / 0.15);
    if (u < 0.15) metal -= 0.25 * lambert * ((0.15 - u) / 0.15);
    return [0, 1, 2].map((k) => bg[k] * (1 - cov) + metal * [0.95, 0.97, 1][k] * cov) as Rgb;
  });
  const edgePoint = (r: Random): [number, number] => {
    const a = r() * 2 * Math.PI;
    return [cx + outer * Math.cos(a), cy + outer * Math.sin(a)];
  };
  return { rgb, under: fill(s, background), coverage, edgePoint };
}

export const surfaces = { weave, grain, tiles, washer } satisfies Record<string, (r: Random, s: number) => Surface>;
