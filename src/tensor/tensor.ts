// The tensor: a shape, a reference-counted storage on one backend, and the autograd fields. Math lives in the functional
// ops (src/autograd/ops); src/autograd/tensor-methods.ts adds the PyTorch-style methods (add, sum, backward, ...) that
// call them.

import type { Backend, DeviceName, Storage } from './backend.ts';
import { getBackend } from './devices.ts';
import { formatShape, numel, type Shape } from './shape.ts';
import { track, type Disposable } from './memory.ts';

/** Gradients of an op's inputs given the gradient of its output; `needs[i]` says whether input i's is wanted. */
export type BackwardFn = (gradOutput: Tensor, needs: boolean[]) => (Tensor | null)[];

/** The op that produced a tensor, as autograd recorded it (src/autograd/graph.ts). */
export interface GradNode {
  readonly name: string;
  readonly inputs: Tensor[];
  readonly backward: BackwardFn;
}

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

  /** Whether this tensor alone holds its storage (no view and no copy_ shares it), so writing it in place is unseen. */
  get ownsStorage(): boolean {
    return this.shared !== null && this.shared.refs === 1;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.shared?.storage.size ?? numel(this.shape);
  }

  get device(): DeviceName {
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

  /** A copy on another backend ('cpu' is the float64 reference): a new leaf, no gradient crosses devices. */
  async to(device: DeviceName): Promise<Tensor> {
    const backend = getBackend(device);
    return new Tensor(backend.upload(await this.data()), this.shape);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.device}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  requiresGrad_(flag = true): this {
    if (this.gradFn && !flag) throw new Error('requiresGrad_(false) is only allowed on leaf tensors; use detach()');
    this.requiresGrad = flag;
    return this;
  }
}

/** Makes a tensor hold a freshly computed storage (an optimiser's or a running statistic's fused update), leaving no extra owner behind. */
export function replaceValues(p: Tensor, storage: Storage): void {
  const updated = new Tensor(storage, p.shape);
  p.copy_(updated);
  updated.dispose();
}

/**
 * The values of several tensors of one device, waiting for the device once (a readback each would wait each time):
 * for the loss terms of a training step, say.
 */
export async function readAll(tensors: Tensor[]): Promise<(Float32Array | Float64Array)[]> {
  if (!tensors.length) return [];
  const backend = tensors[0].backend;
  if (tensors.some((t) => t.backend !== backend))
    throw new Error(`readAll: tensors are on different devices (${tensors.map((t) => t.device).join(', ')})`);
  return backend.readMany(tensors.map((t) => t.storage));
}
