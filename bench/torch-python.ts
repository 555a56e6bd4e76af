// The Python that runs bench/torch_cavga.py: the first of `python3`, `/usr/bin/python3` that can import torch (Debian's
// python3-torch installs into the system Python, while the python3 first on PATH may be another build). A dev tool only:
// nothing in the library, its tests or CI needs Python.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface TorchPython {
  python: string;
  /** torch.__version__ */
  version: string;
}

/** bench/torch_cavga.py, wherever the process was started. */
export const torchScript = fileURLToPath(new URL('./torch_cavga.py', import.meta.url));

/** The Python with torch, or null with the reason when none of the candidates has it. */
export function findTorchPython(): TorchPython | { reason: string } {
  const tried: string[] = [];
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
    tried.push(`${python}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  return { reason: `no Python here can import torch and numpy (${tried.join('; ')})` };
}
