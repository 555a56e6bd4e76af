// Memory of `cavga infer` over many inputs: writes N small PNGs, then scores them the way the command does (fixed-size
// batches through scoreImageFiles, a heatmap PNG written per input) and prints a table of the process's resident memory
// and the engine's live and pooled device bytes as it goes. Flat columns mean memory does not grow with the inputs.
//
//   npx tsx scripts/infer-memory.ts [--count 10000] [--size 64] [--width 16] [--batch-size 16]

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Dataset } from '../src/anomaly/data/dataset.ts';
import { encodePng as encodeImage, syntheticGood } from '../src/anomaly/data/index.ts';
import { calibrateOn } from '../src/anomaly/evaluate.ts';
import { encodePng, imageRaster, overlayHeatmap } from '../src/anomaly/report/index.ts';
import { heatmapPaths, scoreImageFiles } from '../src/cli/infer.ts';
import { createDetector } from '../src/detectors.ts';
import { init, memory, releaseWebGPU } from '../src/devices.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    size: { type: 'string', default: '64' },
    width: { type: 'string', default: '16' },
    'batch-size': { type: 'string', default: '16' },
  },
});
const [count, size, width, batchSize] = [values.count, values.size, values.width, values['batch-size']].map(Number);

const work = mkdtempSync(join(tmpdir(), 'cavga-infer-memory-'));
try {
  // Inputs: built-in weave images, 100 distinct ones repeated, in 10 folders under the same names.
  const distinct = Array.from({ length: 100 }, (_, k) => encodeImage(syntheticGood(0, 'weave', 'test', k, size)));
  const paths = Array.from({ length: count }, (_, k) => {
    const path = join(work, 'inputs', `folder-${k % 10}`, `${String(Math.floor(k / 10)).padStart(5, '0')}.png`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, distinct[k % 100]);
    return path;
  });
  const gpu = await init();
  const detector = createDetector('cavga-du', { imageSize: size, channels: 3, seed: 0 }, { width });
  const normal = Array.from({ length: 16 }, (_, k) => ({
    path: `train/${k}`,
    label: 0 as const,
    defect: 'good',
    image: syntheticGood(0, 'weave', 'train', k, size),
  }));
  await calibrateOn(detector, Dataset.load(normal, { size, channels: 3 }, 'calibration'));
  const outputs = heatmapPaths(paths, join(work, 'heatmaps'));
  for (const folder of new Set(outputs.map((o) => dirname(o)))) mkdirSync(folder, { recursive: true });

  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  console.log(
    `adapter: ${gpu.rt.info.description || gpu.rt.info.vendor}; ${count} inputs of ${size} x ${size}, width ${width}, batches of ${batchSize}`,
  );
  console.log('| inputs scored | RSS MiB | JS heap MiB | live device MiB | pooled device MiB | seconds |');
  console.log('| --: | --: | --: | --: | --: | --: |');
  const started = performance.now();
  const plane = size * size;
  let done = 0;
  const every = Math.max(batchSize, Math.round(count / 10 / batchSize) * batchSize);
  // As `cavga infer` does: score a batch, write each input's heatmap.
  for await (const { paths: batch, images, maps } of scoreImageFiles(detector, paths, {
    batchSize,
    convertChannels: false,
  })) {
    batch.forEach((_, k) => {
      const input = { width: size, height: size, channels: 3, data: images.slice(k * 3 * plane, (k + 1) * 3 * plane) };
      writeFileSync(
        outputs[done + k],
        encodePng(overlayHeatmap(imageRaster(input), maps.slice(k * plane, (k + 1) * plane))),
      );
    });
    done += batch.length;
    if (done % every === 0 || done === count || done === batchSize) {
      const m = memory();
      const row = [
        done,
        mib(process.memoryUsage().rss),
        mib(process.memoryUsage().heapUsed),
        mib(m.liveBytes),
        mib(m.pooledBytes),
      ];
      console.log(`| ${row.join(' | ')} | ${((performance.now() - started) / 1000).toFixed(0)} |`);
    }
  }
  await releaseWebGPU();
} finally {
  rmSync(work, { recursive: true, force: true });
}
