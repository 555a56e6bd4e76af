// The built-in dataset's images, generated in memory from (seed, category, split, index) alone: the same pure code serves
// synthetic.ts (which caches them as PNG files for Node) and the browser, which trains on them without any files.

import { DataError } from './errors.ts';
import type { Image } from './image.ts';
import { keyedRng } from './random.ts';
import type { Random, SurfaceCategory } from './synthetic-surfaces.ts';
import { grain } from './synthetic-grain.ts';
import { perforated } from './synthetic-perforated.ts';
import { screw } from './synthetic-screw.ts';
import { tiles } from './synthetic-tiles.ts';
import { washer } from './synthetic-washer.ts';
import { weave } from './synthetic-weave.ts';

const CATEGORIES = { weave, grain, tiles, perforated, washer, screw } satisfies Record<string, SurfaceCategory<string>>;

export type SyntheticCategory = keyof typeof CATEGORIES;
export const SYNTHETIC_CATEGORIES = Object.keys(CATEGORIES) as SyntheticCategory[];
export type DefectKind = (typeof CATEGORIES)[SyntheticCategory]['kinds'][number];
/** A subtle defect: 'faint' departs from normal by about half as much, 'small' is about half the size. */
export type Subtlety = 'faint' | 'small' | null;

/** `name` as a category of the built-in dataset, or one DataError naming the choices. */
export function syntheticCategory(name: string): SyntheticCategory {
  if (!(SYNTHETIC_CATEGORIES as string[]).includes(name))
    throw new DataError(`built-in dataset: unknown category '${name}'; choose from ${SYNTHETIC_CATEGORIES.join(', ')}`);
  return name as SyntheticCategory;
}

/** Each category's defect kinds, in the order its defective test images cycle through them. */
export const DEFECT_KINDS = Object.fromEntries(
  SYNTHETIC_CATEGORIES.map((c) => [c, [...CATEGORIES[c].kinds]]),
) as Record<SyntheticCategory, DefectKind[]>;

export interface SyntheticDefect {
  image: Image; // RGB
  mask: Image; // 1 channel of 0 and 1
  kind: DefectKind;
  /** This image's number among the defects of its kind. */
  nth: number;
  subtlety: Subtlety;
  pixels: number;
}

/** Sensor noise (triangular, about +-1.5%) on planar RGB; values may leave [0, 1] slightly (PNG writing clips them). */
function withNoise(rgb: Float32Array, size: number, noise: Random): Image {
  for (let i = 0; i < rgb.length; i++) rgb[i] += (noise() + noise() - 1) * 0.015;
  return { width: size, height: size, channels: 3, data: rgb };
}

/** Defect-free image `index` of a split ('train' or 'test'). */
export function syntheticGood(
  seed: number,
  category: SyntheticCategory,
  split: 'train' | 'test',
  index: number,
  size: number,
): Image {
  const r = keyedRng(seed, category, split, index);
  return withNoise(CATEGORIES[category].draw(r, size).rgb, size, r);
}

/** Defective test image `index`: the category's kinds in turn; of each kind's images the 4th of 8 is faint, the 8th small. */
export function syntheticDefect(
  seed: number,
  category: SyntheticCategory,
  index: number,
  size: number,
): SyntheticDefect {
  const { kinds, draw } = CATEGORIES[category] as SurfaceCategory<DefectKind>;
  const kind = kinds[index % kinds.length];
  const nth = Math.floor(index / kinds.length);
  const subtlety: Subtlety = nth % 8 === 3 ? 'faint' : nth % 8 === 7 ? 'small' : null;
  const r = keyedRng(seed, category, 'defect', index);
  const surface = draw(r, size);
  const strength = { amount: subtlety === 'faint' ? 0.5 : 1, size: subtlety === 'small' ? 0.6 : 1 };
  // A defect is drawn again, elsewhere, in the rare case that it changed no whole pixel (its mask would be empty).
  for (let attempt = 0; attempt < 20; attempt++) {
    const { rgb, region } = surface.defect(kind, r, strength);
    // The mask is where the defect's opacity reaches 0.5, or at small sizes, where a defect may cover no pixel that
    // much, where it reaches half its largest opacity.
    const peak = region.reduce((a, b) => Math.max(a, b), 0);
    if (peak === 0) continue;
    const mask = Float32Array.from(region, (a) => (a >= Math.min(0.5, peak / 2) ? 1 : 0));
    const pixels = mask.reduce((a, b) => a + b, 0);
    return {
      image: withNoise(rgb, size, r),
      mask: { width: size, height: size, channels: 1, data: mask },
      kind,
      nth,
      subtlety,
      pixels,
    };
  }
  throw new Error(`built-in dataset: ${category} defect ${index} at size ${size} has an empty mask in 20 attempts`);
}
