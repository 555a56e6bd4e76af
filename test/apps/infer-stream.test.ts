// `cavga infer` streams: images are read, scored and released a fixed-size batch at a time, so device memory stays flat
// and host memory bounded however many inputs there are (scripts/infer-memory.ts measures 10,000), and each heatmap is
// named by its input's path below the inputs' common folder.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset } from '../../src/anomaly/data/dataset.ts';
import { createImage, writePng } from '../../src/anomaly/data/index.ts';
import { calibrateOn } from '../../src/anomaly/evaluate.ts';
import { heatmapPaths, scoreImageFiles } from '../../src/cli/infer.ts';
import { createDetector } from '../../src/detectors.ts';
import { withDevice } from '../../src/devices.ts';
import type { WebGPUBackend } from '../../src/kernels/webgpu-backend.ts';
import { webgpu } from '../helpers/backends.ts';
import { SIZE, squareDefects } from '../helpers/square-defects.ts';

const work = mkdtempSync(join(tmpdir(), 'cavga-infer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let gpu: WebGPUBackend;
beforeAll(async () => {
  gpu = await webgpu();
});

describe('infer streams its inputs', () => {
  it('scores 320 files 16 at a time with flat live device memory and bounded host memory', async () => {
    const paths = Array.from({ length: 320 }, (_, k) => {
      const img = createImage(SIZE, SIZE, k % 2 ? 1 : 3); // gray and colour together, converted
      img.data.fill((k % 10) / 10);
      const path = join(work, `in-${k % 4}`, `${k}.png`);
      mkdirSync(join(path, '..'), { recursive: true });
      writePng(path, img);
      return path;
    });
    await withDevice(gpu, async () => {
      const input = { imageSize: SIZE, channels: 3 as const, seed: 3 };
      const detector = createDetector('cavga-du', input, { width: 2, 'latent-channels': 2 });
      await calibrateOn(detector, Dataset.load(squareDefects(4, 0, 0).train, { size: SIZE, channels: 3 }, 'train'));
      const live: number[] = [];
      const rss: number[] = [];
      let scored = 0;
      for await (const batch of scoreImageFiles(detector, paths, { batchSize: 16, convertChannels: true })) {
        expect(batch.paths).toEqual(paths.slice(scored, scored + batch.paths.length));
        expect(batch.scores.every(Number.isFinite)).toBe(true);
        expect(batch.maps.length).toBe(batch.paths.length * SIZE * SIZE);
        scored += batch.paths.length;
        live.push(gpu.memory().liveBytes);
        rss.push(process.memoryUsage().rss);
      }
      expect(scored).toBe(320);
      expect(live).toHaveLength(20);
      // Every batch's tensors are released: the live bytes are the model's, the same after every batch.
      expect(new Set(live.slice(1)).size).toBe(1);
      expect(live[0]).toBe(live[1]);
      // Host memory: no growth with the number of batches beyond noise (the whole set decoded at once is not the point).
      expect(Math.max(...rss.slice(5)) - rss[4]).toBeLessThan(64 * 2 ** 20);
    });
  });

  it("names heatmaps by the input's path below the inputs' common folder, so same names do not collide", () => {
    const a = join(work, 'x', 'a', 'img.png');
    const b = join(work, 'x', 'b', 'img.png');
    const c = join(work, 'x', 'b', 'deep', 'img.PNG');
    expect(heatmapPaths([a, b, c], 'out')).toEqual([
      join('out', 'a', 'img_heatmap.png'),
      join('out', 'b', 'img_heatmap.png'),
      join('out', 'b', 'deep', 'img_heatmap.png'),
    ]);
    expect(heatmapPaths([a], 'out')).toEqual([join('out', 'img_heatmap.png')]);
  });
});
