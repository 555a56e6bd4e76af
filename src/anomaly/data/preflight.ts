// A whole dataset checked before anything trains or is scored: every sample's file is found and its PNG header read
// (size, channels, bit depth), every mask is the size of its image, the images' channels fit the model (or are to be
// converted), and each category has enough normal training images. Every problem comes back at once, one line each, so a
// dataset is fixed in one go rather than one failed run at a time. Only headers are read, which is quick for thousands
// of files; what only the pixels show (normal images that are all the same) is checked as a category's images are
// loaded (requireVariedImages).

import type { Dataset } from './dataset.ts';
import { DataError } from './errors.ts';
import { readPngHeader } from './png.ts';
import type { Sample, SplitSamples } from './sample.ts';

export interface PreflightOptions {
  /** The model's channels. */
  channels: 1 | 3;
  /** Whether images of the other channel count are converted (gray to RGB by repetition, RGB to gray by luminance). */
  convertChannels: boolean;
  /** Fewest normal training images a category needs: 2 for a scoring calibrated on them, else 1. */
  minNormalTrain: number;
  /** What to do about images of `imageChannels` channels, which the model does not take (e.g. which option converts). */
  channelAdvice: (imageChannels: number) => string;
}

/** Problems listed at most; the rest are counted. */
const MAX_LISTED = 40;

/** Problems found before anything was done: one alone is one line; more are listed under a heading, one line each. */
export class DatasetProblems extends DataError {
  /** `command` names who refuses, `nothing` what was not done ("trained"). */
  constructor(
    command: string,
    nothing: string,
    readonly problems: readonly string[],
  ) {
    const listed = problems.slice(0, MAX_LISTED).map((p) => `  ${p}`);
    if (problems.length > MAX_LISTED) listed.push(`  ... and ${problems.length - MAX_LISTED} more`);
    super(
      problems.length === 1
        ? `${command}: ${problems[0]}`
        : [`${command}: ${problems.length} problems found; nothing was ${nothing}:`, ...listed].join('\n'),
    );
  }
}

interface Size {
  width: number;
  height: number;
  channels: number;
}

/** A sample's image (or mask) size and channels from its header, or null after recording why it cannot be read. */
function sizeOf(sample: Sample, which: 'image' | 'mask', problems: string[]): Size | null {
  const decoded = which === 'image' ? sample.image : sample.mask;
  if (decoded) return decoded;
  try {
    return readPngHeader(which === 'image' ? sample.path : sample.maskPath!);
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    problems.push(e.message);
    return null;
  }
}

/** A line on images of `channels` channels, which the model does not take; `what` says which images. */
function channelProblem(what: string, count: number, channels: number, example: string, o: PreflightOptions): string {
  const s = count === 1 ? '' : 's';
  return `${what}: ${count} image${s} with ${channels} channel${channels === 1 ? '' : 's'} (e.g. ${example}) but the model takes ${o.channels}; ${o.channelAdvice(channels)}`;
}

/** The problems of one category's samples, one line each (none: it is ready). */
export function checkCategory(name: string, split: SplitSamples, o: PreflightOptions): string[] {
  const problems: string[] = [];
  const byChannels = new Map<number, { count: number; example: string }>();
  for (const sample of [...split.train, ...split.test]) {
    const image = sizeOf(sample, 'image', problems);
    if (!image) continue;
    const seen = byChannels.get(image.channels) ?? { count: 0, example: sample.path };
    byChannels.set(image.channels, { ...seen, count: seen.count + 1 });
    if (!sample.mask && !sample.maskPath) continue;
    const mask = sizeOf(sample, 'mask', problems);
    if (mask && (mask.width !== image.width || mask.height !== image.height)) {
      problems.push(
        `${sample.maskPath ?? `${sample.path}'s mask`}: mask is ${mask.width}x${mask.height} but its image ${sample.path} is ${image.width}x${image.height}`,
      );
    }
  }
  const kinds = [...byChannels.entries()].sort(([a], [b]) => a - b);
  const describe = ([channels, { count, example }]: (typeof kinds)[number]) =>
    `${count} with ${channels} channel${channels === 1 ? '' : 's'} (e.g. ${example})`;
  if (kinds.length > 1) {
    problems.push(
      `${name}: mixes gray and colour images, ${kinds.map(describe).join(' and ')}; make them all gray or all colour`,
    );
  } else if (kinds.length === 1 && kinds[0][0] !== o.channels && !o.convertChannels) {
    const [channels, { count, example }] = kinds[0];
    problems.push(channelProblem(name, count, channels, example, o));
  }
  const normal = split.train.filter((s) => s.label === 0).length;
  if (normal < o.minNormalTrain) {
    problems.push(
      `${name}: ${normal} normal training image${normal === 1 ? '' : 's'}, at least ${o.minNormalTrain} needed (to train, and to calibrate the scoring on); add normal images`,
    );
  }
  return problems;
}

/** The problems of image files to score, one line each; gray and colour files may come together when converted. */
export function checkImageFiles(paths: readonly string[], o: Omit<PreflightOptions, 'minNormalTrain'>): string[] {
  const problems: string[] = [];
  const other: string[] = [];
  for (const path of paths) {
    const image = sizeOf({ path, label: 0, defect: 'unknown' }, 'image', problems);
    if (image && image.channels !== o.channels) other.push(path);
  }
  if (other.length && !o.convertChannels)
    problems.push(
      channelProblem('input images', other.length, o.channels === 1 ? 3 : 1, other[0], { ...o, minNormalTrain: 0 }),
    );
  return problems;
}

/**
 * Refuses a category whose normal training images are all the same once pre-processed (constant images, copies of one
 * file): a detector learns nothing from them, and calibration finds no spread to standardise by.
 */
export function requireVariedImages(dataset: Dataset, name: string): void {
  const normal = [...dataset.labels.keys()].filter((i) => dataset.labels[i] === 0);
  if (normal.length < 2) return;
  const first = dataset.batch([normal[0]]).images;
  const differs = normal.some((i) => dataset.batch([i]).images.some((v, k) => v !== first[k]));
  if (!differs) {
    throw new DataError(
      `${name}: its ${normal.length} normal training images are all the same (e.g. ${dataset.samples[normal[0]].path}); a detector needs normal images that vary: add real ones`,
    );
  }
}
