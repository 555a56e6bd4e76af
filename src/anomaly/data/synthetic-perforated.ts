// 'perforated': a perforated steel sheet, round holes on a staggered grid (each row shifted by half a pitch) with a
// dark backing showing through; the grid's offset, the brushing and the light change per image.
// Defects are holes where none belong or none where one does, all in the sheet's and the holes' own colours:
//   clogged    a hole filled level with the sheet
//   extra      a hole punched between the others
//   misplaced  a hole punched off its place in the grid
//   merged     two neighbouring holes torn into one slot

import { site } from './synthetic-defects.ts';
import {
  clamp01,
  fill,
  jitter,
  mix,
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

const KINDS = ['clogged', 'extra', 'misplaced', 'merged'] as const;
type Kind = (typeof KINDS)[number];

interface Hole {
  x: number;
  y: number;
  radius: number;
  /** Half the length of a slot's straight part along x (0 for a round hole). */
  stretch: number;
}

function draw(r: Random, s: number): Surface<Kind> {
  const pitch = s / 6.5;
  const rowHeight = (pitch * Math.sqrt(3)) / 2;
  const radius = pitch * 0.3;
  const ox = r() * pitch;
  const oy = r() * 2 * rowHeight;
  const steel = jitter(r, [0.66, 0.68, 0.7], 0.04);
  const brushing = valueNoise(r, s, s / 2, 1);
  const la = (r() - 0.5) * 0.8 - Math.PI / 2;
  const [lx, ly] = [Math.cos(la), Math.sin(la)];
  /** The grid's hole nearest to (px, py): in the row above or below it, the nearest column (odd rows are shifted). */
  const gridHole = (px: number, py: number): Hole => {
    let best: Hole = { x: 0, y: 0, radius, stretch: 0 };
    let bestD = Infinity;
    const j0 = Math.floor((py + oy) / rowHeight);
    for (let j = j0; j <= j0 + 1; j++) {
      const shift = (j & 1) * 0.5 * pitch - ox + pitch / 2;
      const x = Math.round((px - shift) / pitch) * pitch + shift;
      const y = j * rowHeight - oy;
      const d = Math.hypot(px - x, py - y);
      if (d < bestD) [best, bestD] = [{ x, y, radius, stretch: 0 }, d];
    }
    return best;
  };
  /** The sheet at (px, py) with these holes: brushed steel, or the dark backing with the hole's wall lit. */
  const look = (px: number, py: number, holes: Hole[]): Rgb => {
    let open = 0;
    let wall = 0;
    for (const h of holes) {
      const d = Math.hypot(Math.max(0, Math.abs(px - h.x) - h.stretch), py - h.y);
      open = Math.max(open, clamp01(h.radius - d + 0.5));
      if (d < h.radius && d > h.radius - 1.5 * (s / 64))
        wall = Math.max(wall, -Math.cos(Math.atan2(py - h.y, px - h.x) - la));
    }
    const v = 0.94 + 0.12 * sample(brushing, s, px, py) + 0.05 * ((px / s - 0.5) * lx + (py / s - 0.5) * ly);
    const b = 0.12 + 0.18 * wall;
    return [mix(steel[0] * v, b, open), mix(steel[1] * v, b * 1.02, open), mix(steel[2] * v, b * 1.06, open)];
  };
  const openness = (px: number, py: number, holes: Hole[]) => {
    let open = 0;
    for (const h of holes) {
      const d = Math.hypot(Math.max(0, Math.abs(px - h.x) - h.stretch), py - h.y);
      open = Math.max(open, clamp01(h.radius - d + 0.5));
    }
    return open;
  };
  const rgb = fill(s, (x, y) => look(x + 0.5, y + 0.5, [gridHole(x + 0.5, y + 0.5)]));

  const defect = (kind: Kind, r: Random, { amount, size }: Strength): Drawn => {
    // A hole of the grid well inside the image; it is replaced by `changed` (none, itself and another, or another).
    const [hx, hy] = site(r, s, 0.22);
    const { x, y } = gridHole(hx, hy);
    let changed: Hole[];
    switch (kind) {
      case 'clogged':
        // Filled completely, or (faint) to a pin hole.
        changed = amount < 1 ? [{ x, y, radius: radius * 0.4, stretch: 0 }] : [];
        break;
      case 'extra':
        // At the centre of the triangle this hole makes with its right-hand neighbour and the hole below them.
        changed = [
          { x, y, radius, stretch: 0 },
          { x: x + pitch / 2, y: y + rowHeight / 3, radius: radius * 0.65 * size, stretch: 0 },
        ];
        break;
      case 'misplaced': {
        const angle = r() * 2 * Math.PI;
        const off = pitch * uniform(r, 0.3, 0.4) * amount;
        changed = [{ x: x + off * Math.cos(angle), y: y + off * Math.sin(angle), radius, stretch: 0 }];
        break;
      }
      case 'merged': {
        // Torn towards its right-hand neighbour into a slot that joins it (faint or small: part way).
        const reach = (pitch / 4) * amount * size;
        changed = [{ x: x + reach, y, radius, stretch: reach }];
        break;
      }
    }
    // Only pixels within a pitch and a half of the hole can change; the region is where a hole opened or closed.
    const region = new Float32Array(s * s);
    const out = rgb.slice();
    for (let py = Math.max(0, Math.floor(y - 1.5 * pitch)); py < Math.min(s, y + 1.5 * pitch); py++) {
      for (let px = Math.max(0, Math.floor(x - 1.5 * pitch)); px < Math.min(s, x + 1.5 * pitch); px++) {
        const [cx, cy] = [px + 0.5, py + 0.5];
        const grid = gridHole(cx, cy);
        const holes = grid.x === x && grid.y === y ? changed : [grid, ...changed];
        region[py * s + px] = Math.abs(openness(cx, cy, holes) - openness(cx, cy, [grid]));
        const c = look(cx, cy, holes);
        for (let k = 0; k < 3; k++) out[k * s * s + py * s + px] = c[k];
      }
    }
    return { rgb: out, region };
  };
  return { rgb, defect };
}

export const perforated: SurfaceCategory<Kind> = { kinds: KINDS, draw };
