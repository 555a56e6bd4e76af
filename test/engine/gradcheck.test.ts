// Gradients of every op by central differences on the float64 backend, first and second order.

import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../../src/autograd/gradcheck.ts';
import { grad } from '../../src/autograd/engine.ts';
import { tensor } from '../../src/tensor/creation.ts';
import { withDevice } from '../../src/devices.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { allCases, comparisonCases, valuesFor, type OpCase } from '../helpers/cases.ts';
import { gradCamLoss, gradCamShapes } from '../helpers/gradcam.ts';

const differentiable = allCases.filter((c) => !comparisonCases.includes(c));

/** Splits a case into the differentiated inputs and a function of them (constants fixed). */
function prepare(c: OpCase): { inputs: Tensor[]; fn: (...xs: Tensor[]) => Tensor } {
  const all = c.inputs.map((spec, k) =>
    tensor(Float64Array.from(valuesFor(spec, k + 1)), spec.shape, { requiresGrad: !spec.constant }),
  );
  const inputs = all.filter((_, k) => !c.inputs[k].constant);
  const fn = (...xs: Tensor[]) => {
    let next = 0;
    return c.run(...all.map((t, k) => (c.inputs[k].constant ? t : xs[next++])));
  };
  return { inputs, fn };
}

describe('gradcheck (first order, float64)', () => {
  for (const c of differentiable) {
    it(c.name, async () => {
      await withDevice('cpu', async () => {
        const { inputs, fn } = prepare(c);
        expect(await gradcheck(fn, inputs)).toBe(true);
      });
    });
  }
});

describe('gradgradcheck (second order, float64)', () => {
  for (const c of differentiable) {
    it(c.name, async () => {
      await withDevice('cpu', async () => {
        const { inputs, fn } = prepare(c);
        expect(await gradgradcheck(fn, inputs, { atol: 1e-4 })).toBe(true);
      });
    });
  }
});

describe('Grad-CAM composite', () => {
  const make = () =>
    Object.entries(gradCamShapes).map(([, shape], k) =>
      tensor(Float64Array.from(valuesFor({ shape }, k + 11)), shape, { requiresGrad: true, device: 'cpu' }),
    );

  it('its gradient (through alpha, second order) matches finite differences', async () => {
    const inputs = make();
    expect(await gradcheck((x, w1, w2, w3) => gradCamLoss(x, w1, w2, w3), inputs, { atol: 1e-5 })).toBe(true);
  });

  it('treating alpha as a constant gives a different gradient, so the check above would catch a missing second-order path', async () => {
    const [x, w1, w2, w3] = make();
    const exact = await grad(gradCamLoss(x, w1, w2, w3, true), w1)[0]!.data();
    const constantAlpha = await grad(gradCamLoss(x, w1, w2, w3, false), w1)[0]!.data();
    const diff = Math.max(...exact.map((v, i) => Math.abs(v - constantAlpha[i])));
    expect(diff).toBeGreaterThan(1e-3);
  });
});
