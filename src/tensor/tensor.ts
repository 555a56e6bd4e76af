// The tensor: a shape, a reference-counted storage on one backend, and the autograd fields. Math lives in the functional
// ops (src/autograd/ops); the methods here are PyTorch-style shortcuts to them.

import type { GradNode } from '../autograd/graph.ts';
import * as ops from '../autograd/ops/index.ts';
import type { Backend, Storage } from './backend.ts';
import { formatShape, numel, type Shape } from './shape.ts';
import { track, type Disposable } from './memory.ts';

/** A storage shared by a tensor and its views; released with the last of them. */
export class SharedStorage {
  refs = 1;
  constructor(readonly storage: Storage) {}
}

let nextId = 1;

export class Tensor implements Disposable {
  readonly id = nextId++;
  readonly shape: number[];
  readonly backend: Backend;
  requiresGrad = false;
  /** Gradient accumulated by backward() on leaves that require it. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when autograd recorded it. */
  gradFn: GradNode | null = null;
  private shared: SharedStorage | null;

  /** Wraps a storage (or shares a view's). Use the creation functions (tensor, zeros, randn, ...) instead. */
  constructor(storage: Storage | SharedStorage, shape: Shape) {
    this.shared = storage instanceof SharedStorage ? storage : new SharedStorage(storage);
    if (storage instanceof SharedStorage) storage.refs++;
    this.shape = [...shape];
    this.backend = this.shared.storage.backend;
    if (this.shared.storage.size !== numel(shape)) {
      throw new Error(
        `Tensor: storage of ${this.shared.storage.size} elements does not match shape ${formatShape(shape)}`,
      );
    }
    track(this);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.shared?.storage.size ?? numel(this.shape);
  }

  get device(): 'cpu' | 'webgpu' {
    return this.backend.name;
  }

  get isDisposed(): boolean {
    return this.shared === null;
  }

  /** The backend storage; throws if the tensor was disposed. */
  get storage(): Storage {
    if (!this.shared) {
      throw new Error(
        `Tensor ${formatShape(this.shape)} (id ${this.id}) was used after dispose() (tensors made inside tidy() are disposed when it returns: take gradients inside the same tidy)`,
      );
    }
    return this.shared.storage;
  }

  /** Shares this tensor's storage for a view of another shape with the same number of elements. */
  shareStorage(): SharedStorage {
    void this.storage; // throws when disposed
    return this.shared!;
  }

  dispose(): void {
    if (!this.shared) return;
    if (--this.shared.refs === 0) this.backend.release(this.shared.storage);
    this.shared = null;
    // gradFn stays: a backward pass that reaches this tensor then fails with a clear 'used after dispose' error.
    this.grad?.dispose();
    this.grad = null;
  }

  /**
   * Makes this tensor hold src's values (same shape), in place, like PyTorch's `copy_` outside autograd: the storage is
   * shared, which is safe because storages are never written after their op produced them. Used for running statistics
   * and parameter updates.
   */
  copy_(src: Tensor): this {
    if (src.backend !== this.backend)
      throw new Error(`copy_: source is on ${src.device}, destination on ${this.device}`);
    if (src.size !== this.size || src.ndim !== this.ndim || src.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(
        `copy_: source shape ${formatShape(src.shape)} differs from destination ${formatShape(this.shape)}`,
      );
    }
    void this.storage; // throws when disposed
    const incoming = src.shareStorage();
    incoming.refs++;
    const old = this.shared;
    this.shared = incoming;
    if (old && --old.refs === 0) this.backend.release(old.storage);
    return this;
  }

  /** Values as a typed array: float32 from WebGPU, float64 from the reference backend. */
  async data(): Promise<Float32Array | Float64Array> {
    return this.backend.read(this.storage);
  }

  async toArray(): Promise<number[]> {
    return Array.from(await this.data());
  }

  async item(): Promise<number> {
    if (this.size !== 1)
      throw new Error(`item(): tensor of shape ${formatShape(this.shape)} has ${this.size} elements, not 1`);
    return (await this.data())[0];
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.device}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // --- autograd -------------------------------------------------------------------------------------------------------

  requiresGrad_(flag = true): this {
    if (this.gradFn && !flag) throw new Error('requiresGrad_(false) is only allowed on leaf tensors; use detach()');
    this.requiresGrad = flag;
    return this;
  }

  backward(gradient?: Tensor, options: { createGraph?: boolean } = {}): void {
    ops.backward(this, gradient, options);
  }

  detach(): Tensor {
    return ops.detach(this);
  }

  clone(): Tensor {
    return ops.clone(this);
  }

  /** A copy on another backend ('cpu' is the float64 reference). */
  to(device: 'cpu' | 'webgpu'): Promise<Tensor> {
    return ops.to(this, device);
  }

  // --- element-wise ---------------------------------------------------------------------------------------------------

  add(other: Tensor | number): Tensor {
    return ops.add(this, other);
  }
  sub(other: Tensor | number): Tensor {
    return ops.sub(this, other);
  }
  mul(other: Tensor | number): Tensor {
    return ops.mul(this, other);
  }
  div(other: Tensor | number): Tensor {
    return ops.div(this, other);
  }
  pow(exponent: Tensor | number): Tensor {
    return ops.pow(this, exponent);
  }
  maximum(other: Tensor): Tensor {
    return ops.maximum(this, other);
  }
  minimum(other: Tensor): Tensor {
    return ops.minimum(this, other);
  }
  gt(other: Tensor | number): Tensor {
    return ops.gt(this, other);
  }
  ge(other: Tensor | number): Tensor {
    return ops.ge(this, other);
  }
  lt(other: Tensor | number): Tensor {
    return ops.lt(this, other);
  }
  le(other: Tensor | number): Tensor {
    return ops.le(this, other);
  }
  eq(other: Tensor | number): Tensor {
    return ops.eq(this, other);
  }
  ne(other: Tensor | number): Tensor {
    return ops.ne(this, other);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  sign(): Tensor {
    return ops.sign(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  square(): Tensor {
    return ops.square(this);
  }
  reciprocal(): Tensor {
    return ops.reciprocal(this);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return ops.leakyRelu(this, negativeSlope);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  clamp(min?: number, max?: number): Tensor {
    return ops.clamp(this, min, max);
  }

  // --- reductions -----------------------------------------------------------------------------------------------------

  sum(dim?: number | number[], keepdim = false): Tensor {
    return ops.sum(this, dim, keepdim);
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return ops.mean(this, dim, keepdim);
  }
  max(dim?: number | number[], keepdim = false): Tensor {
    return ops.max(this, dim, keepdim);
  }
  min(dim?: number | number[], keepdim = false): Tensor {
    return ops.min(this, dim, keepdim);
  }
  var(dim?: number | number[], options: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return ops.variance(this, dim, options);
  }

  // --- shapes ---------------------------------------------------------------------------------------------------------

  reshape(...shape: number[] | [number[]]): Tensor {
    return ops.reshape(this, flatArgs(shape));
  }
  view(...shape: number[] | [number[]]): Tensor {
    return ops.reshape(this, flatArgs(shape));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return ops.flatten(this, startDim, endDim);
  }
  unsqueeze(dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  }
  squeeze(dim?: number): Tensor {
    return ops.squeeze(this, dim);
  }
  permute(...dims: number[] | [number[]]): Tensor {
    return ops.permute(this, flatArgs(dims));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  expand(...shape: number[] | [number[]]): Tensor {
    return ops.expand(this, flatArgs(shape));
  }
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
}

function flatArgs(args: number[] | [number[]]): number[] {
  return Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
}
