// The package as Node users import it: `import ... from 'cavga-webgpu'` in plain Node (no TypeScript loader) resolves
// through package.json's "node" export to the built dist/node/index.js, which runs the engine on WebGPU.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildNode, distDir } from '../../scripts/build.ts';

// Lives inside the package (dist/ is ignored by git) so that the package's own name resolves as it does for a dependant.
const script = `
import { init, tensor, matmul, sum, grad, releaseWebGPU, saveCheckpoint } from 'cavga-webgpu';
const gpu = await init();
const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]).requiresGrad_();
const w = tensor([0.5, -1, 2, 0.25, -0.75, 1.5], [3, 2]);
const y = sum(matmul(x, w));
const [g] = grad(y, x);
const out = { resolved: import.meta.resolve('cavga-webgpu'), device: x.device, y: Array.from(await y.data()), g: Array.from(await g.data()), files: typeof saveCheckpoint };
releaseWebGPU();
console.log(JSON.stringify(out));
`;

describe('the Node package entry', () => {
  it("plain node imports 'cavga-webgpu' from dist/node/index.js and computes on WebGPU", async () => {
    const bundle = await buildNode();
    const file = join(distDir, 'node-package-check.mjs');
    writeFileSync(file, script);
    const stdout = execFileSync(process.execPath, [file], {
      encoding: 'utf8',
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
    });
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(out.resolved).toBe(`file://${bundle}`);
    expect(out.device).toBe('webgpu');
    expect(out.files).toBe('function');
    // y = sum(x @ w) = sum_ij x_ij * (row sums of w)_j; dy/dx_ij = sum_k w_jk.
    const rowSums = [0.5 - 1, 2 + 0.25, -0.75 + 1.5];
    const x = [1, 2, 3, 4, 5, 6];
    expect(out.y[0]).toBeCloseTo(
      x.reduce((s, v, i) => s + v * rowSums[i % 3], 0),
      5,
    );
    expect(out.g).toEqual(x.map((_, i) => rowSums[i % 3]));
  }, 120_000);
});
