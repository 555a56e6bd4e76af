// 'weave': plain-woven fabric. Warp (vertical) and weft (horizontal) threads cross over and under in a checkerboard of
// thread crossings; the weave's phase, colour, fibre texture and lighting change per image.
// Defects move or re-weave the threads and never leave the fabric's colours:
//   missing     a thread segment gone: along it the crossing threads show everywhere
//   misaligned  a thread segment pushed sideways, out of line with its neighbours
//   dent        the weave pushed a few pixels aside in a round region
//   blur        a round region out of focus (fuzz)

import { blend, blob, blurred, bump, redrawn, regionWhere, site } from './synthetic-defects.ts';
import {
  fill,
  jitter,
  sample,
  uniform,
  valueNoise,
  type Random,
  type Rgb,
  type Strength,
  type Drawn,
  type Surface,
  type SurfaceCategory,
} from './synthetic-surfaces.ts';

const KINDS = ['missing', 'misaligned', 'dent', 'blur'] as const;
type Kind = (typeof KINDS)[number];

function draw(r: Random, s: number): Surface<Kind> {
  const pitch = s / 8;
  const ox = r() * 2 * pitch;
  const oy = r() * 2 * pitch;
  const base = jitter(r, [0.8, 0.72, 0.56], 0.03);
  const fibre = valueNoise(r, s, 1.5, 1.5);
  const la = r() * 2 * Math.PI;
  /** Whether the warp thread is on top at (px, py): the crossings alternate like a checkerboard. */
  const warpOnTopAt = (px: number, py: number) =>
    (Math.floor((px + ox) / pitch) + Math.floor((py + oy) / pitch)) % 2 === 0;
  /** The colour at point (px, py); `warp` chooses the top thread of its crossing. */
  const shade = (px: number, py: number, warp = warpOnTopAt(px, py)) => {
    const X = (px + ox) / pitch;
    const Y = (py + oy) / pitch;
    const across = warp ? X - Math.floor(X) : Y - Math.floor(Y);
    const along = warp ? Y - Math.floor(Y) : X - Math.floor(X);
    const thread = 0.45 + 0.55 * Math.sqrt(Math.sin(Math.PI * across)) * (0.9 + 0.1 * Math.sin(Math.PI * along));
    const light = 1 + 0.06 * ((px / s - 0.5) * Math.cos(la) + (py / s - 0.5) * Math.sin(la));
    const v = thread * light * (0.94 + 0.12 * sample(fibre, s, px, py));
    return [base[0] * v, base[1] * v, base[2] * v] as Rgb;
  };
  const rgb = fill(s, (x, y) => shade(x + 0.5, y + 0.5));

  const defect = (kind: Kind, r: Random, { amount, size }: Strength): Drawn => {
    const at = site(r, s);
    const horizontal = r() < 0.5;
    // The thread under `at` (a weft row when horizontal, a warp column otherwise) and a segment of it.
    const length = pitch * uniform(r, 2.5, 4.5) * size;
    const [u0, v0] = horizontal ? [at[0], at[1] + oy] : [at[1], at[0] + ox];
    const thread = Math.floor(v0 / pitch);
    const inSegment = (px: number, py: number) => {
      const [u, v] = horizontal ? [px, py + oy] : [py, px + ox];
      return Math.floor(v / pitch) === thread && Math.abs(u - u0) < length / 2;
    };
    switch (kind) {
      case 'missing': {
        // Where the missing thread lay on top, the crossing thread now shows; elsewhere nothing changes.
        const region = regionWhere(s, (px, py) => inSegment(px, py) && warpOnTopAt(px, py) !== horizontal);
        return { rgb: redrawn(rgb, s, region, (px, py) => shade(px, py, horizontal)), region };
      }
      case 'misaligned': {
        const shift = pitch * uniform(r, 0.35, 0.5) * amount * (r() < 0.5 ? 1 : -1);
        const region = regionWhere(s, inSegment);
        const [dx, dy] = horizontal ? [0, shift] : [shift, 0];
        return { rgb: redrawn(rgb, s, region, (px, py) => shade(px + dx, py + dy)), region };
      }
      case 'dent': {
        const push = pitch * uniform(r, 0.45, 0.6) * amount;
        const angle = r() * 2 * Math.PI;
        const g = bump(at, s * uniform(r, 0.1, 0.14) * size);
        const region = regionWhere(s, (px, py) => push * g(px, py) >= Math.min(0.5, push / 2));
        const moved = fill(s, (x, y) => {
          const d = push * g(x + 0.5, y + 0.5);
          return shade(x + 0.5 - d * Math.cos(angle), y + 0.5 - d * Math.sin(angle));
        });
        return { rgb: moved, region };
      }
      case 'blur': {
        const region = blob(r, s, at, s * uniform(r, 0.1, 0.13) * size, 0.3);
        return { rgb: blend(rgb, blurred(rgb, s, 0.8 + 1.6 * amount), region), region };
      }
    }
  };
  return { rgb, defect };
}

export const weave: SurfaceCategory<Kind> = { kinds: KINDS, draw };
