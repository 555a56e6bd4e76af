// Every failure a user can meet through the cavga command, driven through it: exit code 1, one line on stderr that names
// the file or option and what to do, no stack trace, and nothing written. Options that do not apply to the chosen model
// or dataset; a folder where a file belongs and the reverse; unreadable files and unwritable, read-only or full output
// folders, standard output on a full disk; datasets with too few normal images, images that are all the same, unknown
// categories, several problems at once; corrupt checkpoints.
//
// Root ignores file permissions, so as root the permission cases run the command as the user `nobody`, and the read-only
// and full disks are tiny tmpfs mounts; elsewhere chmod does it, and the mount cases are skipped (they say why).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createImage, writePng, type Image } from '../../src/anomaly/data/index.ts';
import { errorLines, expectRefusal, runCavga, tinyCheckpoint, type CliOptions } from '../helpers/cavga-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'cavga-cli-errors-'));
chmodSync(work, 0o755); // other users (nobody, below) may enter
const env = { ...process.env, XDG_CACHE_HOME: join(work, 'cache') };
const cavga = (args: string[], o: CliOptions = {}) => runCavga(args, { env, ...o });
const checkpoint = join(work, 'checkpoint.safetensors');

const root = process.getuid?.() === 0;
/** A tmpfs of `size` at a new folder (root only), or null when it cannot be mounted here. */
function tmpfs(name: string, options: string): string | null {
  const at = join(work, name);
  mkdirSync(at);
  return root && spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at]).status === 0 ? at : null;
}
const readOnly = tmpfs('read-only', 'ro,size=64k');
const full = tmpfs('full', 'size=64k');
afterAll(() => {
  for (const at of [readOnly, full]) if (at) spawnSync('umount', [at]);
  rmSync(work, { recursive: true, force: true });
});

const image = (channels: number, value: number): Image => {
  const img = createImage(16, 16, channels);
  img.data.forEach((_, i) => (img.data[i] = (value + (i % 7) * 0.01) % 1));
  return img;
};
const png = (path: string, img: Image) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writePng(path, img);
  return path;
};
/** A folder dataset: `normal` normal images (all alike when `same`) and one anomalous. */
function folderDataset(name: string, normal: number, same = false): string {
  const dir = join(work, name);
  for (let k = 0; k < normal; k++) png(join(dir, 'normal', `${k}.png`), image(3, same ? 0.5 : k / normal));
  png(join(dir, 'anomalous', 'a.png'), image(3, 0.9));
  return dir;
}
/** What a folder holds, recursively: to show that a refused command wrote nothing. */
const contents = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).sort() : null);

beforeAll(async () => {
  await tinyCheckpoint(checkpoint);
  chmodSync(checkpoint, 0o644);
});

describe('options that do not apply to the model or the dataset', () => {
  it('are refused with a line saying why', () => {
    const mvtec = join(work, 'mvtec');
    mkdirSync(mvtec);
    const cases: [string[], RegExp][] = [
      [['--max-train', '5'], /--max-train does not apply to --dataset builtin: it caps the large one-class sets/],
      [['--dataset', 'mvtec', '--data', mvtec, '--max-test', '3'], /--max-test does not apply to --dataset mvtec/],
      [['--dataset', 'folder', '--data', mvtec, '--categories', 'a'], /--dataset folder: a folder dataset is one/],
      [['--w-cls', '1'], /--w-cls does not apply to --model cavga-du: it is unsupervised/],
      [['--w-cga', '1'], /--w-cga does not apply to --model cavga-du: it is unsupervised/],
      [['--model', 'cavga-dw', '--w-ae', '1'], /--w-ae does not apply to --model cavga-dw: it is weakly supervised/],
      [['--model', 'ae-l2', '--w-adv', '1'], /--w-adv does not apply to --model ae-l2: it has no discriminator/],
      [['--model', 'ae-l2', '--w-kl', '1'], /--w-kl does not apply to --model ae-l2: it is a plain autoencoder/],
      [['--steps', '5', '--epochs', '1'], /give --steps or --epochs, not both/],
    ];
    for (const [args, message] of cases) expectRefusal(cavga(['train', ...args]), message, args.join(' '));
    expectRefusal(
      cavga(['eval', '--checkpoint', checkpoint, '--max-test', '5']),
      /cavga eval: --max-test does not apply to --dataset builtin/,
    );
    expect(contents(join(work, 'cache/cavga-webgpu'))).toBeNull(); // nothing generated
  });
});

describe('files and folders', () => {
  it('a folder where a file belongs, a file where a folder belongs: the path and what to do', () => {
    const images = join(work, 'images');
    png(join(images, 'a.png'), image(3, 0.2));
    const file = join(images, 'a.png');
    const heatmaps = join(work, 'heatmaps');
    const cases: [string[], RegExp][] = [
      [
        ['infer', '--checkpoint', checkpoint, '--out', heatmaps, images],
        /images: cannot read: is a folder, not a file/,
      ],
      [['eval', '--checkpoint', images], /images: cannot read: is a folder, not a file; give the path of a file/],
      [['train', '--dataset', 'folder', '--data', file], /a\.png: folder dataset is not a folder/],
      [
        ['train', '--out', join(file, 'run')],
        /run: cannot create the folder: .*images\/a\.png is a file, not a folder; choose a path under a folder/,
      ],
      [
        ['infer', '--checkpoint', checkpoint, '--out', file, file],
        /a\.png: cannot create the folder: is a file, not a/,
      ],
    ];
    for (const [args, message] of cases) expectRefusal(cavga(args), message, args.join(' '));
    expect(contents(heatmaps)).toBeNull();
    expect(contents(join(work, 'cache/cavga-webgpu'))).toBeNull();
  });

  it('a checkpoint or image that cannot be read; an output folder that cannot be written', () => {
    const locked = join(work, 'locked');
    mkdirSync(locked, { mode: 0o755 });
    const unreadable = join(locked, 'checkpoint.safetensors');
    writeFileSync(unreadable, 'x');
    chmodSync(unreadable, 0o600);
    const open = join(work, 'open');
    const image16 = png(join(open, 'b.png'), image(3, 0.4));
    chmodSync(open, 0o777);
    // As root, the command runs as nobody, to whom the root-owned files above are closed.
    const as: CliOptions = root ? { uid: 65534, gid: 65534 } : {};
    if (!root) chmodSync(locked, 0o555);
    expectRefusal(
      cavga(['infer', '--checkpoint', unreadable, '--out', join(open, 'heatmaps'), image16], as),
      /locked\/checkpoint\.safetensors: cannot read: permission denied; change its permissions .*\(EACCES\)/,
    );
    expectRefusal(
      cavga(['infer', '--checkpoint', checkpoint, '--out', join(locked, 'heatmaps'), image16], as),
      /locked\/heatmaps: cannot create the folder: permission denied.*\(EACCES\)/,
    );
    expect(contents(locked)).toEqual(['checkpoint.safetensors']);
  });

  it.skipIf(!readOnly)('a read-only disk (a read-only tmpfs; needs root)', () => {
    expectRefusal(
      cavga(['train', '--out', join(readOnly!, 'run')]),
      /read-only\/run: cannot create the folder: is on a read-only file system; choose a folder on a writable disk/,
    );
  });

  it.skipIf(!full)(
    'a full disk while saving a checkpoint: one line, no half-written file (a 64 KiB tmpfs; needs root)',
    () => {
      const out = join(full!, 'run');
      const tiny = ['--categories', 'weave', '--image-size', '16', '--width', '2', '--latent-channels', '2'];
      // With the discriminator (the default has none), so that the checkpoint does not fit in the 64 KiB.
      const r = cavga([
        'train',
        ...tiny,
        ...['--w-adv', '0.001', '--batch-size', '4', '--steps', '2', '--checkpoint-every', '1', '--out', out],
      ]);
      expectRefusal(
        r,
        /run\/weave\/checkpoint\.safetensors: cannot write: no space left on the device; free some space or choose a folder on another disk \(ENOSPC\)/,
      );
      expect(contents(join(out, 'weave'))).toEqual(['metrics.jsonl']);
    },
  );
});

describe('standard output', () => {
  it('that cannot be written (redirected to /dev/full): one line and exit code 1, not a lost table', () => {
    const devFull = openSync('/dev/full', 'w');
    try {
      const image16 = png(join(work, 'full-stdout', 'd.png'), image(3, 0.3));
      const heatmaps = join(work, 'full-stdout', 'heatmaps');
      for (const args of [
        ['infer', '--checkpoint', checkpoint, '--out', heatmaps, image16],
        ['train', '--help'],
      ])
        expectRefusal(
          cavga(args, { stdout: devFull }),
          /^error: standard output: cannot write: no space left on the device; .*\(ENOSPC\)$/,
          args.join(' '),
        );
    } finally {
      closeSync(devFull);
    }
  });
});

describe('datasets', () => {
  it('too few normal images, unknown categories, corrupt MNIST, CIFAR-10 and checkpoint files: one line, nothing written', () => {
    const corrupt = join(work, 'corrupt.safetensors');
    writeFileSync(corrupt, new Uint8Array(100).fill(7));
    const two = folderDataset('two-normal', 2);
    const out = join(work, 'runs');
    const image16 = png(join(work, 'c.png'), image(3, 0.1));
    const mnist = join(work, 'mnist');
    mkdirSync(mnist);
    for (const name of [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ])
      writeFileSync(join(mnist, name), Buffer.from([0, 0, 8, 3, 0, 0, 0, 9]));
    const cifar = join(work, 'cifar');
    mkdirSync(cifar);
    writeFileSync(join(cifar, 'data_batch_1.bin'), Buffer.alloc(3073 + 5));
    writeFileSync(join(cifar, 'test_batch.bin'), Buffer.alloc(3073));
    const cases: [string[], RegExp][] = [
      [
        ['train', '--dataset', 'mnist', '--data', mnist, '--channels', '1', '--out', out],
        /train-images-idx3-ubyte: truncated IDX header$/,
      ],
      [
        ['train', '--dataset', 'cifar10', '--data', cifar, '--out', out],
        /data_batch_1\.bin: 3078 bytes is not a whole number of CIFAR-10 records/,
      ],
      [
        ['train', '--dataset', 'folder', '--data', two, '--out', out],
        /two-normal: 1 normal training image, at least 2 needed \(to train, and to calibrate the scoring on\); add normal images$/,
      ],
      [['train', '--categories', 'weave,nope', '--out', out], /built-in dataset: no category 'nope' \(choose from /],
      [['eval', '--checkpoint', corrupt, '--out', out], /corrupt\.safetensors/],
      [['infer', '--checkpoint', corrupt, '--out', out, image16], /corrupt\.safetensors/],
    ];
    for (const [args, message] of cases) expectRefusal(cavga(args), message, args.join(' '));
    expect(contents(out)).toBeNull();
  });

  it('lists every problem of every category at once, one line each, and trains nothing', () => {
    const mvtec = join(work, 'mvtec-broken');
    for (const category of ['grey', 'broken']) {
      const channels = category === 'grey' ? 1 : 3;
      for (const k of [0, 1, 2]) png(join(mvtec, category, 'train/good', `${k}.png`), image(channels, k / 3));
      png(join(mvtec, category, 'test/good/0.png'), image(channels, 0.3));
      png(join(mvtec, category, 'test/spot/0.png'), image(channels, 0.9));
    }
    writeFileSync(join(mvtec, 'broken/train/good/1.png'), 'not a png');
    png(join(mvtec, 'broken/ground_truth/spot/0_mask.png'), createImage(8, 16, 1));
    const out = join(work, 'run-broken');
    const r = cavga(['train', '--dataset', 'mvtec', '--data', mvtec, '--categories', 'broken,grey,nope', '--out', out]);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([
      'error: cavga train: 4 problems found; nothing was trained:',
      `  ${mvtec}: no category 'nope' (its categories: broken, grey)`,
      `  ${join(mvtec, 'broken/train/good/1.png')}: not a PNG file`,
      `  ${join(mvtec, 'broken/ground_truth/spot/0_mask.png')}: mask is 8x16 but its image ${join(mvtec, 'broken/test/spot/0.png')} is 16x16`,
      `  grey: 5 images with 1 channel (e.g. ${join(mvtec, 'grey/train/good/0.png')}) but the model takes 3; pass --convert-channels to convert them, or --channels 1 for a gray model`,
    ]);
    expect(contents(out)).toBeNull();
  });

  it('normal images that are all the same: refused before the first step', () => {
    const out = join(work, 'run-constant');
    const same = folderDataset('constant', 6, true);
    expectRefusal(
      cavga(['train', '--dataset', 'folder', '--data', same, '--image-size', '16', '--width', '2', '--out', out]),
      /constant: its \d normal training images are all the same \(e\.g\. .*\); a detector needs normal images that vary: add real ones/,
    );
    expect(contents(join(out, 'constant'))).toEqual([]); // its folder, and no checkpoint or log
  });
});
