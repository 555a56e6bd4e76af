// The PyTorch side of the step benchmark: bench/torch_cavga.py (a dev tool, never a dependency of the library) times the
// same CAVGA-Du step on the CPU. Its contract: `time --image-size S --width W --latent-channels C --batch B --steps N
// --warmup K --threads T` prints one JSON line {"ms": [per-step ms], "torch": version, "threads": T} on stdout.

import { execFile } from 'node:child_process';
import { findTorchPython, torchScript } from './torch-python.ts';

export interface TorchSize {
  imageSize: number;
  width: number;
  latentChannels: number;
  batch: number;
}

export interface TorchTimes {
  ms: number[];
  torch: string;
  threads: number;
}

/** The first python that can import torch (bench/torch-python.ts), or why PyTorch's side cannot run. */
export function findTorch(): { python: string } | { missing: string } {
  const found = findTorchPython();
  return 'python' in found ? { python: found.python } : { missing: found.reason };
}

/** Runs `steps` timed steps (after `warmup` untimed ones) in a new PyTorch process. */
export function torchStepTimes(
  python: string,
  size: TorchSize,
  steps: number,
  warmup: number,
  threads: number,
): Promise<TorchTimes> {
  const args = [
    torchScript,
    'time',
    ...['--image-size', String(size.imageSize), '--width', String(size.width)],
    ...['--latent-channels', String(size.latentChannels), '--batch', String(size.batch)],
    ...['--steps', String(steps), '--warmup', String(warmup), '--threads', String(threads)],
  ];
  return new Promise((resolve, reject) => {
    execFile(python, args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error)
        return reject(new Error(`${python} bench/torch_cavga.py time failed: ${stderr.trim() || error.message}`));
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(line) as TorchTimes;
        if (!Array.isArray(parsed.ms) || parsed.ms.length !== steps) throw new Error(`expected ${steps} times`);
        resolve(parsed);
      } catch (e) {
        reject(new Error(`bench/torch_cavga.py time printed '${line}', not its JSON line (${(e as Error).message})`));
      }
    });
  });
}
