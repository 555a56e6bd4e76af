// `cavga infer`: a checkpoint and image files give each image's anomaly score and a heatmap PNG.

import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { toBatch } from '../anomaly/batch.ts';
import { loadImageFiles } from '../anomaly/data/index.ts';
import { encodePng, imageRaster, overlayHeatmap } from '../anomaly/report/index.ts';
import { helpText, parseOptions, UsageError, type OptionTable } from './args.ts';
import { loadDetector } from './model-files.ts';

const options: OptionTable = {
  checkpoint: { type: 'string', help: 'a checkpoint written by cavga train' },
  out: { type: 'string', default: 'heatmaps', help: 'folder for the heatmap PNGs' },
};

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
  const { init } = await import('../devices.ts');
  await init();
  const { detector } = await loadDetector(v.checkpoint as string);
  const { imageSize: size, channels } = detector;
  const batch = loadImageFiles(positionals, { size, channels });
  const result = detector.analyze(toBatch(batch).images);
  const [scores, maps] = [await result.score.data(), await result.map.data()];
  const out = v.out as string;
  mkdirSync(out, { recursive: true });
  const plane = size * size;
  // How to read the scores, on stderr so that stdout stays a plain table.
  const scale = await detector.scoreScale?.();
  if (scale) console.error(scale);
  console.log('score\theatmap\timage');
  positionals.forEach((path, k) => {
    const input = {
      width: size,
      height: size,
      channels,
      data: batch.images.slice(k * channels * plane, (k + 1) * channels * plane),
    };
    const png = join(out, `${basename(path, extname(path))}_heatmap.png`);
    writeFileSync(png, encodePng(overlayHeatmap(imageRaster(input), maps.slice(k * plane, (k + 1) * plane))));
    console.log(`${scores[k].toFixed(5)}\t${png}\t${path}`);
  });
  return 0;
}
