// The built-in dataset's images, generated in memory from (seed, category, split, index) alone: the same pure code serves
// synthetic.ts (which caches them as PNG files for Node) and the browser, which trains on them without any files.

import { DataError } from './errors.ts';
import type { Image } from './image.ts';
import { keyedRng } from './random.ts';
import { paintDefect, type DefectKind, type Subtlety } from './synthetic-defects.ts';
import { surfaces, type Random } from './synthetic-surfaces.ts';

export type SyntheticCategory = keyof typeof surfaces;
export const SYNTHETIC_CATEGORIES = Object.keys(surfaces) as SyntheticCategory[];

/** `name` as a category of the built-in dataset, or one DataError naming the choices. */
export function syntheticCategory(name: string): SyntheticCategory {
  if (!(SYNTHETIC_CATEGORIES as string[]).includes(name))
    throw new DataError(`built-in dataset: unknown category '${name}'; choose from ${SYNTHETIC_CATEGORIES.join(', ')}`);
  return name as SyntheticCategory;
}

export const DEFECT_KINDS: Record<SyntheticCategory, DefectKind[]> = {
  weave: ['hole', 'spot', 'contamination', 'missing'],
  grain: ['scratch', 'crack', 'hole', 'spot'],
  tiles: ['crack', 'spot', 'contamination', 'missing'],
  washer: ['scratch', 'crack', 'spot', 'missing'],
};

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
  return withNoise(surfaces[category](r, size).rgb, size, r);
}

/** Defective test image `index`: the category's defect kinds in turn; of each kind's images the 4th of 8 is faint, the 8th small. */
export function syntheticDefect(
  seed: number,
  category: SyntheticCategory,
  index: number,
  size: number,
): SyntheticDefect {
  const kinds = DEFECT_KINDS[category];
  const kind = kinds[index % kinds.length];
  const nth = Math.floor(index / kinds.length);
  const wanted: Subtlety = nth % 8 === 3 ? 'low-contrast' : nth % 8 === 7 ? 'small' : null;
  const r = keyedRng(seed, category, 'defect', index);
  const surface = surfaces[category](r, size);
  const { mask, pixels, subtlety } = paintDefect(kind, wanted, r, surface, surface.rgb, size);
  return {
    image: withNoise(surface.rgb, size, r),
    mask: { width: size, height: size, channels: 1, data: Float32Array.from(mask) },
    kind,
    nth,
    subtlety,
    pixels,
  };
}
