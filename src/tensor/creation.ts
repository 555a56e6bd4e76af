// Creating tensors: from data, constants, and seeded random draws that give the same numbers on both backends.

import { getBackend, type DeviceName } from './devices.ts';
import type { Backend } from './backend.ts';
import { checkShape, formatShape, numel, type Shape } from './shape.ts';
import { Tensor } from './tensor.ts';

export interface CreateOptions {
  device?: DeviceName | Backend;
  requiresGrad?: boolean;
}

function finish(t: Tensor, options: CreateOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

type NestedArray = number | NestedArray[];

function flatten(data: NestedArray, shape: number[], out: number[], depth: number): void {
  if (typeof data === 'number') {
    out.push(data);
    return;
  }
  if (shape.length <= depth) shape.push(data.length);
  else if (shape[depth] !== data.length)
    throw new Error(
      `tensor: ragged nested array (length ${data.length} where ${shape[depth]} was expected at depth ${depth})`,
    );
  for (const item of data) flatten(item, shape, out, depth + 1);
}

/**
 * A tensor from values: a flat typed array or number array with `shape`, or nested arrays (shape inferred).
 * Non-finite values are refused: WGSL implementations may assume every float is finite.
 */
export function tensor(data: ArrayLike<number> | NestedArray, shape?: Shape, options: CreateOptions = {}): Tensor {
  let values: ArrayLike<number> = data as ArrayLike<number>;
  let inferred = [values.length];
  if (typeof data === 'number' || (Array.isArray(data) && data.some((d) => Array.isArray(d)))) {
    const flat: number[] = [];
    inferred = [];
    flatten(data as NestedArray, inferred, flat, 0);
    values = flat;
  }
  const resolved = shape ? [...shape] : inferred;
  checkShape(resolved, 'tensor');
  if (numel(resolved) !== values.length)
    throw new Error(
      `tensor: ${values.length} values do not fill shape ${formatShape(resolved)} (${numel(resolved)} elements)`,
    );
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new Error(
        `tensor: value ${values[i]} at index ${i} is not finite (NaN and infinity are not accepted as input)`,
      );
  }
  const backend = getBackend(options.device);
  return finish(new Tensor(backend.upload(values), resolved), options);
}

export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  checkShape(shape, 'full');
  if (!Number.isFinite(value)) throw new Error(`full: value ${value} is not finite`);
  const backend = getBackend(options.device);
  return finish(new Tensor(backend.fill(numel(shape), value), shape), options);
}

export const zeros = (shape: Shape, options: CreateOptions = {}) => full(shape, 0, options);
export const ones = (shape: Shape, options: CreateOptions = {}) => full(shape, 1, options);

/** Constants shaped like `t`, on t's backend (no gradient). */
export const fullLike = (t: Tensor, value: number) => new Tensor(t.backend.fill(t.size, value), t.shape);
export const zerosLike = (t: Tensor) => fullLike(t, 0);
export const onesLike = (t: Tensor) => fullLike(t, 1);
/** A 0-d tensor holding `value` on t's backend. */
export const scalarLike = (t: Tensor, value: number) => new Tensor(t.backend.fill(1, value), []);

/**
 * A counter-based random stream: a seed and how many numbers were drawn. Its state is two integers, so it can be saved
 * with a checkpoint and resumed exactly.
 */
export class Generator {
  constructor(
    public seed = 0,
    public offset = 0,
  ) {}

  manualSeed(seed: number): this {
    this.seed = seed;
    this.offset = 0;
    return this;
  }

  getState(): { seed: number; offset: number } {
    return { seed: this.seed, offset: this.offset };
  }

  setState(state: { seed: number; offset: number }): void {
    this.seed = state.seed;
    this.offset = state.offset;
  }

  draw(kind: 'uniform' | 'normal', shape: Shape, options: CreateOptions): Tensor {
    checkShape(shape, kind === 'uniform' ? 'rand' : 'randn');
    const size = numel(shape);
    const backend = getBackend(options.device);
    const t = new Tensor(backend.random({ kind, size, seed: this.seed, offset: this.offset }), shape);
    this.offset += size;
    return finish(t, options);
  }
}

export const defaultGenerator = new Generator();

export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

/** Uniform in [0, 1). */
export function rand(shape: Shape, options: RandomOptions = {}): Tensor {
  return (options.generator ?? defaultGenerator).draw('uniform', shape, options);
}

/** Standard normal. */
export function randn(shape: Shape, options: RandomOptions = {}): Tensor {
  return (options.generator ?? defaultGenerator).draw('normal', shape, options);
}
