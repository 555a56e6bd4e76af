// `cavga infer`: a checkpoint and image files give each image's anomaly score and a heatmap PNG. Inputs stream through
// in fixed-size batches (memory stays flat however many there are); each heatmap is named by its input's path below the
// inputs' common folder, so inputs of the same name in different folders do not overwrite each other.

import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { toBatch } from '../anomaly/batch.ts';
import { loadImageFiles } from '../anomaly/data/index.ts';
import { checkImageFiles, DatasetProblems } from '../anomaly/data/preflight.ts';
import type { Detector } from '../anomaly/detector.ts';
import { encodePng, imageRaster, overlayHeatmap, ProgressBar } from '../anomaly/report/index.ts';
import { helpText, parseOptions, UsageError, type OptionTable } from './args.ts';
import { loadDetector } from './model-files.ts';
import { checkOutputFolder, makeFolder, writeOutputQuickly } from './output-files.ts';

const options: OptionTable = {
  checkpoint: { type: 'string', help: 'a checkpoint written by cavga train' },
  out: { type: 'string', default: 'heatmaps', help: 'folder for the heatmap PNGs' },
  'batch-size': { type: 'integer', default: 16, min: 1, help: 'images scored at a time' },
  'convert-channels': {
    type: 'boolean',
    help: "convert images of the other channel count to the model's (gray to RGB by repetition, RGB to gray by luminance)",
  },
};

/** One batch of scored images, read back: pre-processed inputs [n, c, s, s], scores [n] and maps [n, 1, s, s]. */
export interface ScoredBatch {
  paths: string[];
  images: Float32Array;
  scores: Float32Array;
  maps: Float32Array;
}

/** Scores image files `batchSize` at a time; only one batch's images and tensors exist at once. */
export async function* scoreImageFiles(
  detector: Detector,
  paths: readonly string[],
  { batchSize, convertChannels }: { batchSize: number; convertChannels: boolean },
): AsyncGenerator<ScoredBatch> {
  const p = { size: detector.imageSize, channels: detector.channels, convertChannels };
  for (let start = 0; start < paths.length; start += batchSize) {
    const chosen = paths.slice(start, start + batchSize);
    const batch = loadImageFiles(chosen, p);
    const images = toBatch(batch).images;
    const result = detector.analyze(images);
    const [scores, maps] = [await result.score.data(), await result.map.data()];
    for (const t of [images, result.score, result.map, result.reconstruction, result.attention]) t?.dispose();
    yield { paths: chosen, images: batch.images, scores: Float32Array.from(scores), maps: Float32Array.from(maps) };
  }
}

/** The deepest folder holding every path. */
function commonFolder(paths: readonly string[]): string {
  let common = dirname(resolve(paths[0])).split(sep);
  for (const path of paths) {
    const parts = dirname(resolve(path)).split(sep);
    let n = 0;
    while (n < common.length && common[n] === parts[n]) n++;
    common = common.slice(0, n);
  }
  return common.join(sep) || sep;
}

/** Each input's heatmap under `out`: its path below the inputs' common folder, `_heatmap.png` for its extension. */
export function heatmapPaths(paths: readonly string[], out: string): string[] {
  const common = commonFolder(paths);
  return paths.map((path) => {
    const below = relative(common, resolve(path));
    return join(out, dirname(below), `${basename(below, extname(below))}_heatmap.png`);
  });
}

export async function infer(argv: string[]): Promise<number> {
  const { values: v, positionals, help } = parseOptions('infer', argv, options);
  if (help) {
    console.log(
      helpText(
        'infer',
        'Scores images with a trained model and writes a heatmap overlay per image.',
        options,
        'image.png ...',
      ),
    );
    return 0;
  }
  if (!v.checkpoint) throw new UsageError('cavga infer: --checkpoint is required (see cavga infer --help)');
  if (!positionals.length) throw new UsageError('cavga infer: give one or more PNG images to score');
  checkOutputFolder(v.out as string);
  const { detector } = await loadDetector(v.checkpoint as string);
  const { imageSize: size, channels } = detector;
  const convertChannels = v['convert-channels'] === true;
  const problems = checkImageFiles(positionals, {
    channels,
    convertChannels,
    channelAdvice: () => `pass --convert-channels to convert them to the model's ${channels}`,
  });
  if (problems.length) throw new DatasetProblems('cavga infer', 'scored', problems);

  const outputs = heatmapPaths(positionals, v.out as string);
  for (const folder of new Set(outputs.map((o) => dirname(o)))) makeFolder(folder);
  // How to read the scores, on stderr so that stdout stays a plain table.
  const scale = await detector.scoreScale?.();
  if (scale) console.error(scale);
  console.log('score\theatmap\timage');
  const progress = new ProgressBar({ total: positionals.length, label: 'infer' });
  const plane = size * size;
  // The table goes to stdout, the bar to stderr: on one terminal, the bar's line is cleared before each row.
  const row = (line: string) => {
    if (process.stdout.isTTY && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    console.log(line);
  };
  let done = 0;
  const batches = scoreImageFiles(detector, positionals, { batchSize: v['batch-size'] as number, convertChannels });
  for await (const { paths, images, scores, maps } of batches) {
    paths.forEach((path, k) => {
      const input = {
        width: size,
        height: size,
        channels,
        data: images.slice(k * channels * plane, (k + 1) * channels * plane),
      };
      const png = outputs[done + k];
      writeOutputQuickly(png, encodePng(overlayHeatmap(imageRaster(input), maps.slice(k * plane, (k + 1) * plane))));
      row(`${scores[k].toFixed(5)}\t${png}\t${path}`);
    });
    done += paths.length;
    progress.update(done);
  }
  progress.finish();
  return 0;
}
