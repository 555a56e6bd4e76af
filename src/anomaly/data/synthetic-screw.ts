// 'screw': a steel pan-head screw seen from the side on a grey mat, head to the left; its position (up to 5% of the
// side off centre), angle (up to 10 degrees), light and the mat's shade change per image. The mat is about as bright
// as the steel on average, so the screw stands out by its shape and shading, not by its brightness.
// Defects change the part's shape or make it the wrong part:
//   bent     the shaft bent part way along, its thread crushed at the bend
//   missing  the tip broken off, leaving a bright fracture face
//   wrong    a screw with a coarser thread
//   thread   a stretch of thread stripped flat

import { type Point } from './synthetic-defects.ts';
import {
  clamp01,
  fill,
  mixRgb,
  sample,
  uniform,
  valueNoise,
  type Drawn,
  type Random,
  type Rgb,
  type Strength,
  type Surface,
  type SurfaceCategory,
} from './synthetic-surfaces.ts';

const KINDS = ['bent', 'missing', 'wrong', 'thread'] as const;
type Kind = (typeof KINDS)[number];

/** How a defective screw differs from the normal one (positions along the screw's axis, from its centre). */
interface Variant {
  /** Thread pitch: a wrong part's is coarser. */
  pitch?: number;
  /** The stretch [from, to] whose thread is stripped flat. */
  stripped?: [number, number];
  /** Where the shaft is broken off. */
  brokenAt?: number;
  /** The shaft bent by `angle` (radians) at `at`. */
  bend?: { at: number; angle: number };
}

function draw(r: Random, s: number): Surface<Kind> {
  const cx = s / 2 + (r() - 0.5) * 0.1 * s;
  const cy = s / 2 + (r() - 0.5) * 0.1 * s;
  const angle = (r() - 0.5) * 0.35;
  const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
  const mat = 0.47 * (1 + (r() - 0.5) * 0.08);
  const lightSide = (r() - 0.5) * 1.2;
  const noise = valueNoise(r, s, s / 6, s / 6);
  const unit = s / 64;
  const u0 = -0.36 * s; // the head's outer face
  const u1 = -0.22 * s; // where the head meets the shaft
  const tipEnd = 0.36 * s;
  const tipLength = 0.1 * s;
  const headHalf = 0.12 * s;
  const [minor, major] = [0.04 * s, 0.062 * s];
  const pitch = 0.065 * s;
  const background = (px: number, py: number): Rgb => {
    const v = mat * (0.97 + 0.06 * sample(noise, s, px, py));
    return [v, v, v * 1.03];
  };
  /** Screw-frame coordinates (along the axis, across it) of (px, py). */
  const frame = (px: number, py: number): Point => [(px - cx) * ca + (py - cy) * sa, -(px - cx) * sa + (py - cy) * ca];
  /** Steel at screw-frame point (u, v): its coverage and brightness. */
  const steel = (u: number, v: number, variant: Variant): [number, number] => {
    if (u < u0 - 1 || u > tipEnd + 1) return [0, 0];
    if (u < u1) {
      // Pan head: a dome whose corners are rounded over the outer third.
      const round = clamp01((u0 + (u1 - u0) / 3 - u) / ((u1 - u0) / 3));
      const half = headHalf * Math.sqrt(1 - 0.6 * round * round);
      const cover = clamp01(half - Math.abs(v) + 0.5) * clamp01(u - u0 + 0.5);
      const n = clamp01(Math.abs(v) / half);
      return [cover, 0.3 + 0.45 * Math.sqrt(1 - n * n) + 0.12 * (v / headHalf) * lightSide];
    }
    // A broken shaft ends in a jagged edge, its fracture face bright; a bent one has its thread crushed at the bend.
    const broken =
      variant.brokenAt === undefined ? Infinity : variant.brokenAt + 0.8 * unit * Math.sin((v * 1.7) / unit);
    if (u > broken) return [0, 0];
    const p = variant.pitch ?? pitch;
    const t = (u + 0.3 * v) / p;
    const stripped =
      (variant.stripped && u > variant.stripped[0] && u < variant.stripped[1]) ||
      (variant.bend && Math.abs(u - variant.bend.at) < 2.5 * unit);
    const tooth = stripped ? 0.5 : 1 - 2 * Math.abs(t - Math.floor(t) - 0.5);
    let half = minor + (major - minor) * tooth;
    if (u > tipEnd - tipLength) half *= clamp01((tipEnd - u) / tipLength);
    const cover = clamp01(half - Math.abs(v) + 0.5) * clamp01(u - u1 + 1);
    const n = clamp01(Math.abs(v) / Math.max(half, 0.5));
    if (u > broken - 2 * unit) return [cover, 0.8];
    const thread = stripped ? 0.8 : 0.65 + 0.35 * Math.cos(2 * Math.PI * t);
    return [cover, (0.25 + 0.5 * Math.sqrt(1 - n * n) + 0.12 * (v / major) * lightSide) * thread];
  };
  /** Coverage and brightness at (px, py) of the screw with `variant`, bent or not. */
  const part = (px: number, py: number, variant: Variant): [number, number] => {
    const [u, v] = frame(px, py);
    const bend = variant.bend;
    if (!bend) return steel(u, v, variant);
    const straight: [number, number] = u <= bend.at ? steel(u, v, variant) : [0, 0];
    // The bent part: this point turned back by the bend's angle about the bend's point on the axis.
    const [c, d] = [Math.cos(bend.angle), Math.sin(bend.angle)];
    const bu = bend.at + c * (u - bend.at) + d * v;
    const bv = -d * (u - bend.at) + c * v;
    const bent: [number, number] = bu > bend.at ? steel(bu, bv, variant) : [0, 0];
    return bent[0] > straight[0] ? bent : straight;
  };
  const shade = (px: number, py: number, variant: Variant = {}): Rgb => {
    const [cover, light] = part(px, py, variant);
    return mixRgb(background(px, py), [0.96 * light, 0.98 * light, light], cover);
  };
  const rgb = fill(s, (x, y) => shade(x + 0.5, y + 0.5));

  const defect = (kind: Kind, r: Random, { amount, size }: Strength): Drawn => {
    let variant: Variant;
    /** Whether a point of the screw belongs to the defect (judged on the normal screw and on the defective one). */
    let changed: (u: number, v: number, normal: boolean) => boolean;
    switch (kind) {
      case 'bent': {
        const at = uniform(r, -0.05, 0.1) * s;
        const turn = uniform(r, 0.2, 0.3) * amount * (r() < 0.5 ? 1 : -1);
        variant = { bend: { at, angle: turn } };
        // The crushed thread, and where the bend moved the steel by half a pixel or more: beyond 0.5 / angle pixels
        // from the bend, before or after.
        const [c, d] = [Math.cos(turn), Math.sin(turn)];
        changed = (u, v, normal) =>
          Math.abs(u - at) < 2.5 * unit ||
          (normal ? u : c * (u - at) + d * v + at) > at + (0.5 * unit) / Math.abs(turn);
        break;
      }
      case 'missing': {
        const brokenAt = tipEnd - uniform(r, 0.17, 0.27) * s * Math.min(amount, size);
        variant = { brokenAt };
        changed = (u) => u > brokenAt - 2 * unit - 1;
        break;
      }
      case 'wrong':
        variant = { pitch: pitch * (1 + 0.7 * amount) };
        changed = (u) => u > u1;
        break;
      case 'thread': {
        const from = uniform(r, u1 + 0.05 * s, tipEnd - tipLength - 0.2 * s);
        const to = from + uniform(r, 0.13, 0.2) * s * size;
        variant = { stripped: [from, to] };
        changed = (u) => u > from && u < to;
        break;
      }
    }
    const region = new Float32Array(s * s);
    const out = fill(s, (x, y, i) => {
      const [px, py] = [x + 0.5, y + 0.5];
      const [u, v] = frame(px, py);
      const before = part(px, py, {})[0] >= 0.5 && changed(u, v, true);
      const after = part(px, py, variant)[0] >= 0.5 && changed(u, v, false);
      region[i] = before || after ? 1 : 0;
      return shade(px, py, variant);
    });
    return { rgb: out, region };
  };
  return { rgb, defect };
}

export const screw: SurfaceCategory<Kind> = { kinds: KINDS, draw };
