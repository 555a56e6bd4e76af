// The float64 reference backend: every primitive in plain TypeScript loops, written for clarity. It checks the WebGPU
// kernels and runs the finite-difference gradient checks. The loops live in one file per concept next to this one and
// are listed in one table; tableBackend checks the operands and this class manages storage.

import type { Backend, MemoryInfo, Storage } from '../tensor/backend.ts';
import { tableBackend, type PrimitiveTable } from '../tensor/backend-table.ts';
import {
  batchNormBackwardInput,
  batchNormBackwardSums,
  batchNormRunningStats,
  batchNormStats,
  channelAffine,
} from './batchnorm.ts';
import { conv2d, conv2dGradInput, conv2dGradWeight } from './conv.ts';
import { binary, elementwise, unary, where } from './elementwise.ts';
import { fill, random } from './fill.ts';
import { gather, pad, reduce } from './layout.ts';
import { matmul } from './matmul.ts';
import { adam, adamInPlace, sgd } from './optimizers.ts';
import { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGather, maxPool2dScatter } from './pool.ts';
import { MemoryCounters, ReferenceStorage } from './storage.ts';

/** Primitive name -> float64 loops. */
const loops: PrimitiveTable<Float64Array> = {
  fill,
  random,
  unary,
  binary,
  where,
  elementwise,
  reduce,
  gather,
  pad,
  matmul,
  conv2d,
  conv2dGradInput,
  conv2dGradWeight,
  maxPool2d,
  maxPool2dScatter,
  maxPool2dGather,
  avgPool2d,
  avgPool2dGrad,
  batchNormStats,
  batchNormRunningStats,
  channelAffine,
  batchNormBackwardSums,
  batchNormBackwardInput,
  adam,
  adamInPlace,
  sgd,
};

export class ReferenceBackend extends tableBackend(loops) implements Backend {
  readonly name = 'cpu';
  private counters = new MemoryCounters();

  /** The live data of an operand. */
  protected override own(s: Storage, op: string): Float64Array {
    return this.check(s, op).data;
  }

  protected override wrap(data: Float64Array): Storage {
    this.counters.allocated(data.length);
    return new ReferenceStorage(data, this);
  }

  protected override leading(): [] {
    return [];
  }

  /** Throws for a storage of another backend or one already released. */
  private check(s: Storage, op: string): ReferenceStorage {
    if (!(s instanceof ReferenceStorage))
      throw new Error(`${op}: operand lives on the ${s.backend.name} backend, not cpu`);
    if (s.released) throw new Error(`${op}: the tensor storage was already released (disposed)`);
    return s;
  }

  upload(values: ArrayLike<number>): Storage {
    return this.wrap(Float64Array.from(values));
  }

  async read(s: Storage): Promise<Float64Array> {
    return this.own(s, 'read').slice();
  }

  async readMany(storages: Storage[]): Promise<Float64Array[]> {
    return storages.map((s) => this.own(s, 'read').slice());
  }

  release(s: Storage): void {
    const r = this.check(s, 'release');
    r.released = true;
    this.counters.released(r.size);
  }

  /** Every op has already run: nothing to wait for. */
  async sync(): Promise<void> {}

  memory(): MemoryInfo {
    const c = this.counters;
    // Nothing is pooled: released arrays go to the garbage collector, so allocated equals live.
    return {
      liveBytes: c.liveBytes,
      peakBytes: c.peakBytes,
      liveStorages: c.liveStorages,
      pooledBytes: 0,
      allocatedBytes: c.liveBytes,
    };
  }
}
