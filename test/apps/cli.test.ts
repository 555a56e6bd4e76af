// The cavga command end to end on a tiny built-in dataset: train (with the baselines beside the model), interrupt and
// resume (same result as uninterrupted), eval, infer, a one-pass baseline as the model, the weakly supervised split in
// eval, and bad input (one line naming the problem, exit 1, nothing overwritten).

import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors } from '../../src/nn/safetensors-format.ts';
import { syntheticFolder } from '../../src/anomaly/data/synthetic.ts';
import { runCavga, spawnCavga } from '../helpers/cavga-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'cavga-cli-'));
const env = { ...process.env, XDG_CACHE_HOME: join(work, 'cache') };
const tiny = [
  '--categories',
  'weave',
  '--image-size',
  '16',
  '--width',
  '2',
  '--latent-channels',
  '2',
  '--batch-size',
  '4',
];

const cavga = (args: string[]) => runCavga(args, { env });

const checkpointValues = (path: string) => decodeSafetensors(readFileSync(path), path).tensors;

describe('cavga CLI', () => {
  it('train writes the run folder: checkpoint, config, per-step metrics, pictures, metrics tables, HTML report', () => {
    const out = join(work, 'run');
    // With the adversarial term (the default leaves it out), so that every loss term is logged.
    const r = cavga(['train', ...tiny, '--steps', '6', '--w-adv', '0.001', '--out', out]);
    expect(r.code, r.err).toBe(0);
    // The test set: 30 of the 40 normal and 28 of the 40 defective test images (the rest validate).
    expect(r.out).toMatch(/\| weave \| 58 \| 28 \|/);
    for (const f of [
      'config.json',
      'metrics.json',
      'metrics.md',
      'losses.png',
      'roc.png',
      'report.html',
      'weave/checkpoint.safetensors',
      'weave/samples.png',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const lines = readFileSync(join(out, 'weave/metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Object.keys(lines[0])).toEqual(
      expect.arrayContaining(['reconstruction', 'kl', 'adversarial', 'attentionExpansion', 'discriminator', 'total']),
    );
    // The paper's protocol on the same model, beside the run's own scoring.
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.paperProtocol.categories.map((c: { category: string }) => c.category)).toEqual(['weave']);
    expect(metrics.paperProtocol.categories[0].imageAuroc).not.toBe(metrics.categories[0].imageAuroc);
    expect(readFileSync(join(out, 'metrics.md'), 'utf8')).toMatch(
      /The paper's test protocol on the same models[^\n]*:\n\n\| category/,
    );
    // Both baselines, fitted on the same training images and scored on the same test images, and the model less each.
    expect(metrics.baselines.map((b: { name: string }) => b.name)).toEqual(['pixel-gaussian', 'pca']);
    for (const b of metrics.baselines) {
      expect(b.categories[0]).toMatchObject({ category: 'weave', images: 58, anomalous: 28 });
      expect(b.modelMinusBaseline[0].imageAuroc).toBeCloseTo(
        metrics.categories[0].imageAuroc - b.categories[0].imageAuroc,
        12,
      );
    }
    expect(readFileSync(join(out, 'metrics.md'), 'utf8')).toMatch(
      /Baselines fitted on the same training images[^\n]*:\n\n\| category \| model \| pixel-gaussian \| model - pixel-gaussian \| pca \| model - pca \|/,
    );
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<h3>The paper&#39;s test protocol/);
    expect(html).toMatch(/<h3>Baselines fitted on the same training images/);
    expect(html).toMatch(/data:image\/png;base64/);
    expect(html).not.toMatch(/https?:/);

    const again = cavga(['train', ...tiny, '--steps', '6', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds a run; pass --resume/);
    expect(again.err).not.toMatch(/\n\s+at /);
  }, 300_000);

  it('Ctrl-C saves a checkpoint; --resume continues to the same weights as an uninterrupted run', async () => {
    const straight = join(work, 'straight');
    expect(cavga(['train', ...tiny, '--steps', '30', '--baselines', 'false', '--out', straight]).code).toBe(0);
    expect(JSON.parse(readFileSync(join(straight, 'metrics.json'), 'utf8')).baselines).toBeUndefined();

    const out = join(work, 'interrupted');
    const child = spawnCavga(['train', ...tiny, '--steps', '30', '--baselines', 'false', '--out', out], env);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    const log = join(out, 'weave/metrics.jsonl');
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(log) && readFileSync(log, 'utf8').split('\n').length > 4) {
          clearInterval(poll);
          child.kill('SIGINT');
          resolve();
        }
      }, 50);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(output).toMatch(/stopped at step \d+ of weave; checkpoint saved/);

    const resumed = cavga(['train', ...tiny, '--steps', '30', '--baselines', 'false', '--out', out, '--resume']);
    expect(resumed.code, resumed.err).toBe(0);
    const a = checkpointValues(join(straight, 'weave/checkpoint.safetensors'));
    const b = checkpointValues(join(out, 'weave/checkpoint.safetensors'));
    for (const name of Object.keys(a)) expect(Array.from(b[name].data), name).toEqual(Array.from(a[name].data));
    expect(readFileSync(log, 'utf8').trim().split('\n').length).toBe(30);

    // Settings other than the learning rate and the step count cannot change (cli-robust.test.ts changes those).
    const changed = cavga(['train', ...tiny, '--steps', '30', '--seed', '1', '--out', out, '--resume']);
    expect(changed.code).toBe(1);
    expect(changed.err).toMatch(/written with other settings: seed is 0 there, 1 now/);
  });

  it('eval and infer', () => {
    const checkpoint = join(work, 'run/weave/checkpoint.safetensors');
    const evalOut = join(work, 'eval');
    const e = cavga(['eval', '--checkpoint', checkpoint, '--categories', 'weave', '--out', evalOut]);
    expect(e.code, e.err).toBe(0);
    expect(existsSync(join(evalOut, 'report.html'))).toBe(true);
    // The checkpoint's own scoring, with the calibration it was saved with (nothing recalibrated).
    expect(readFileSync(join(evalOut, 'report.html'), 'utf8')).toMatch(
      /anomalyMap&#34;:&#34;error&#34;,&#34;imageScore&#34;:&#34;map-max&#34;,&#34;errorSmoothing&#34;:2,&#34;attentionExponent&#34;:1,&#34;standardize&#34;:true/,
    );
    expect(e.out).not.toMatch(/calibrated on/);
    // Other standardised scoring needs statistics of its own, from the category's training images.
    const sharp = cavga([
      'eval',
      '--checkpoint',
      checkpoint,
      '--categories',
      'weave',
      '--error-smoothing',
      '0',
      '--out',
      join(work, 'eval-sharp'),
    ]);
    expect(sharp.code, sharp.err).toBe(0);
    expect(sharp.out).toMatch(/weave: calibrated on 200 normal training images/);
    // The same checkpoint under the paper's protocol; the report says which was used.
    const paperOut = join(work, 'eval-paper');
    const p = cavga([
      'eval',
      '--checkpoint',
      checkpoint,
      '--categories',
      'weave',
      '--anomaly-map',
      'attention',
      '--out',
      paperOut,
    ]);
    expect(p.code, p.err).toBe(0);
    expect(readFileSync(join(paperOut, 'report.html'), 'utf8')).toMatch(
      /anomalyMap&#34;:&#34;attention&#34;,&#34;imageScore&#34;:&#34;mean-error/,
    );

    // Another copy of the built-in set, generated into a cache folder of its own.
    const copy = cavga(['eval', '--checkpoint', checkpoint, '--data-seed', '1', '--out', join(work, 'eval-seed-1')]);
    expect(copy.code, copy.err).toBe(0);
    const manifest = join(env.XDG_CACHE_HOME, 'cavga-webgpu/builtin-v2/seed-1/weave/manifest.json');
    expect(JSON.parse(readFileSync(manifest, 'utf8')).seed).toBe(1);

    const images = join(env.XDG_CACHE_HOME, 'cavga-webgpu/builtin-v2/seed-0/weave/test/good');
    const heatmaps = join(work, 'heatmaps');
    const i = cavga([
      'infer',
      '--checkpoint',
      checkpoint,
      '--out',
      heatmaps,
      join(images, '000.png'),
      join(images, '001.png'),
    ]);
    expect(i.code, i.err).toBe(0);
    expect(i.out.trim().split('\n')).toHaveLength(3);
    expect(i.err).toMatch(/the most extreme of the 200 normal calibration images reached \d+\.\d\d \(heatmap 0\.5\)/);
    expect(existsSync(join(heatmaps, '000_heatmap.png'))).toBe(true);
  });

  it('a baseline as the model: fitted, saved, evaluated on its own split and inferred like any model', () => {
    const out = join(work, 'pca');
    const r = cavga([
      'train',
      '--model',
      'pca',
      '--components',
      '4',
      '--categories',
      'weave',
      '--image-size',
      '16',
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/weave: fitted on 200 training images/);
    expect(r.out).toMatch(/weave: pixel-gaussian image AUROC \d\.\d{3}, pixel AUROC \d\.\d{3}/);
    for (const f of ['config.json', 'metrics.json', 'report.html', 'weave/checkpoint.safetensors', 'weave/samples.png'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(join(out, 'weave/metrics.jsonl'))).toBe(false); // no steps, no losses
    const checkpoint = join(out, 'weave/checkpoint.safetensors');
    const { metadata } = decodeSafetensors(readFileSync(checkpoint), checkpoint);
    expect(JSON.parse(metadata.config)).toEqual({
      components: 4,
      detector: 'pca',
      imageSize: 16,
      channels: 3,
      seed: 0,
    });
    expect(JSON.parse(metadata.data)).toEqual({
      dataset: 'builtin',
      data: null,
      category: 'weave',
      dataSeed: 0,
      maxTrain: null,
      maxTest: null,
    });
    const metrics = (dir: string) => JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    expect(metrics(out).baselines.map((b: { name: string }) => b.name)).toEqual(['pixel-gaussian']);

    // eval: the checkpoint's data and category unless told otherwise; the test set, or the validation set.
    const onTest = cavga(['eval', '--checkpoint', checkpoint, '--out', join(work, 'pca-test')]);
    expect(onTest.code, onTest.err).toBe(0);
    expect(metrics(join(work, 'pca-test')).categories[0]).toMatchObject({
      category: 'weave',
      images: 58,
      imageAuroc: metrics(out).categories[0].imageAuroc,
    });
    const onValidation = cavga([
      'eval',
      '--checkpoint',
      checkpoint,
      '--split',
      'validation',
      '--out',
      join(work, 'pca-val'),
    ]);
    expect(onValidation.code, onValidation.err).toBe(0);
    expect(metrics(join(work, 'pca-val')).categories[0]).toMatchObject({
      category: 'weave',
      images: 22,
      anomalous: 12,
    });

    const images = join(syntheticFolder(join(env.XDG_CACHE_HOME, 'cavga-webgpu'), 0), 'weave/test/good');
    const i = cavga([
      'infer',
      '--checkpoint',
      checkpoint,
      '--out',
      join(work, 'pca-heatmaps'),
      join(images, '000.png'),
    ]);
    expect(i.code, i.err).toBe(0);
    expect(i.out.trim().split('\n')).toHaveLength(2);
    expect(i.err).toMatch(/standardised PCA reconstruction errors/);
  }, 300_000);

  it('a weakly supervised model is evaluated on the split it trained on: no anomaly it trained on is scored', () => {
    const out = join(work, 'weak');
    const r = cavga(['train', ...tiny, '--model', 'cavga-dw', '--steps', '2', '--baselines', 'false', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const checkpoint = join(out, 'weave/checkpoint.safetensors');
    const count = (split: string) => {
      const dir = join(work, `weak-${split}`);
      const e = cavga(['eval', '--checkpoint', checkpoint, '--split', split, '--out', dir]);
      expect(e.code, e.err).toBe(0);
      return JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')).categories[0];
    };
    // The test set is the unsupervised one; the anomaly that moved into training left the validation set.
    expect(count('test')).toMatchObject({ images: 58, anomalous: 28 });
    expect(count('validation')).toMatchObject({ images: 21, anomalous: 11 });
  });

  it('bad input: one clear line naming the file or option, exit 1', () => {
    const notPng = join(work, 'not-a-png.png');
    writeFileSync(notPng, 'hello');
    const corrupt = join(work, 'corrupt.safetensors');
    writeFileSync(corrupt, new Uint8Array(5));
    const cases: [string[], RegExp][] = [
      [['train', '--dataset', 'mvtec', '--data', join(work, 'missing')], /missing/],
      [['train', '--steps', 'ten'], /--steps needs a whole number, got 'ten'/],
      [['train', '--data-seed', '1.5'], /--data-seed needs a whole number, got '1.5'/],
      [['train', '--model', 'nope'], /--model must be one of/],
      [['train', '--model', 'pixel-gaussian', '--width', '4'], /--width does not apply to --model pixel-gaussian/],
      [['train', '--model', 'pca', '--steps', '5'], /--steps does not apply to --model pca/],
      [['train', '--components', '8'], /--components does not apply to --model cavga-du/],
      [['train', '--baselines', 'no'], /--baselines must be one of true, false/],
      [
        ['eval', '--checkpoint', join(work, 'pca/weave/checkpoint.safetensors'), '--anomaly-map', 'error'],
        /--anomaly-map does not apply to this checkpoint's model/,
      ],
      [['train', '--image-size', '20'], /multiple of 16/],
      // A bad option is said before the folder's state (here a finished run), so it reads the same after `npm run train`.
      [['train', '--image-size', '20', '--out', join(work, 'run')], /multiple of 16/],
      [['infer', '--checkpoint', corrupt, notPng], /corrupt\.safetensors/],
      [['infer', '--checkpoint', join(work, 'run/weave/checkpoint.safetensors'), notPng], /not-a-png\.png/],
      [['eval', '--checkpoint', join(work, 'nothing.safetensors')], /nothing\.safetensors: no such checkpoint/],
      [
        [
          'eval',
          '--checkpoint',
          join(work, 'run/weave/checkpoint.safetensors'),
          '--anomaly-map',
          'attention',
          '--image-score',
          'map-max',
        ],
        /cavga eval: .*'map-max' needs an anomaly map that keeps the error's scale/,
      ],
      [
        [
          'eval',
          '--checkpoint',
          join(work, 'run/weave/checkpoint.safetensors'),
          '--anomaly-map',
          'attention',
          '--standardize',
          'yes',
        ],
        /cavga eval: .*standardize needs an anomaly map that keeps the error's scale .*got 'attention'/,
      ],
      [
        ['train', '--anomaly-map', 'attention-abs', '--image-score', 'map-max'],
        /cavga train: .*'attention-abs' is scaled to a maximum of 1/,
      ],
      [['train', '--anomaly-map', 'heat'], /--anomaly-map must be one of/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const r = cavga(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(r.err, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });
});
