// The PyTorch side of the step benchmark: bench/torch_cavga.py (a dev tool, never a dependency of the library) times the
// same CAVGA-Du step on the CPU. Its contract: `time --image-size S --width W --latent-channels C --batch B --steps N
// --warmup K --threads T` prints one JSON line {"ms": [per-step ms], "torch": version, "threads": T} on stdout.

import { spawn } from 'node:child_process';
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

interface Ran {
  error: string | null;
  stdout: string;
  stderr: string;
}

// The launcher's source: it runs one program per message and sends back what the program printed.
const LAUNCHER = `
const { execFile } = require('node:child_process');
process.on('message', ({ file, args }) =>
  execFile(file, args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
    process.send({ error: error ? error.message : null, stdout, stderr })));
`;

/**
 * Starts PyTorch's processes at the priority this process started with. The step benchmark lowers its own threads
 * (`init({ lowerHostPriority })`), and a child takes the priority of the thread that starts it, so PyTorch's processes
 * are started by a launcher process created before that.
 */
export class TorchLauncher {
  private readonly launcher = spawn(process.execPath, ['-e', LAUNCHER], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });

  constructor(readonly python: string) {
    this.launcher.unref();
    this.launcher.channel?.unref();
  }

  /** Runs python with `args`; one run at a time. */
  run(args: string[]): Promise<Ran> {
    const launcher = this.launcher;
    return new Promise((resolve, reject) => {
      const done = () => {
        launcher.off('message', onMessage).off('error', onError).off('exit', onExit);
        launcher.channel?.unref();
      };
      const onMessage = (ran: unknown) => {
        done();
        resolve(ran as Ran);
      };
      const onError = (e: Error) => {
        done();
        reject(e);
      };
      const onExit = (code: number | null) => onError(new Error(`PyTorch's launcher exited (code ${code})`));
      launcher.on('message', onMessage).on('error', onError).on('exit', onExit);
      launcher.channel?.ref();
      launcher.send({ file: this.python, args });
    });
  }

  close(): void {
    this.launcher.disconnect();
  }
}

/** Runs `steps` timed steps (after `warmup` untimed ones) in a new PyTorch process. */
export async function torchStepTimes(
  launcher: TorchLauncher,
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
  const { error, stdout, stderr } = await launcher.run(args);
  if (error) throw new Error(`${launcher.python} bench/torch_cavga.py time failed: ${stderr.trim() || error}`);
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(line) as TorchTimes;
    if (!Array.isArray(parsed.ms) || parsed.ms.length !== steps) throw new Error(`expected ${steps} times`);
    return parsed;
  } catch (e) {
    throw new Error(`bench/torch_cavga.py time printed '${line}', not its JSON line (${(e as Error).message})`, {
      cause: e,
    });
  }
}
