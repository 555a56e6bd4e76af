// The float64 reference backend: every primitive in plain TypeScript loops, written for clarity. It checks the WebGPU
// kernels and runs the finite-difference gradient checks. This class only validates operands and wraps results; the
// math lives in one file per concept next to it.

import type {
  AdamParams,
  Backend,
  BinaryOp,
  BroadcastParams,
  ChannelParams,
  Conv2dParams,
  GatherParams,
  MatmulParams,
  MemoryInfo,
  PadParams,
  Pool2dParams,
  RandomParams,
  ReduceOp,
  ReduceParams,
  SgdParams,
  Storage,
  UnaryOp,
} from '../tensor/backend.ts';
import * as bn from './batchnorm.ts';
import * as conv from './conv.ts';
import * as elementwise from './elementwise.ts';
import * as layout from './layout.ts';
import { matmul } from './matmul.ts';
import * as optimizers from './optimizers.ts';
import * as pool from './pool.ts';
import { random } from './random.ts';
import { MemoryCounters, ReferenceStorage } from './storage.ts';

export class ReferenceBackend implements Backend {
  readonly name = 'cpu';
  private counters = new MemoryCounters();

  private make(data: Float64Array): ReferenceStorage {
    this.counters.allocated(data.length);
    return new ReferenceStorage(data, this);
  }

  /** The live data of an operand; throws for a storage of another backend or one already released. */
  private data(s: Storage, op: string): Float64Array {
    return this.own(s, op).data;
  }

  private own(s: Storage, op: string): ReferenceStorage {
    if (!(s instanceof ReferenceStorage))
      throw new Error(`${op}: operand lives on the ${s.backend.name} backend, not cpu`);
    if (s.released) throw new Error(`${op}: the tensor storage was already released (disposed)`);
    return s;
  }

  upload(values: ArrayLike<number>): Storage {
    return this.make(Float64Array.from(values));
  }

  async read(s: Storage): Promise<Float64Array> {
    return this.data(s, 'read').slice();
  }

  release(s: Storage): void {
    const r = this.own(s, 'release');
    r.released = true;
    this.counters.released(r.size);
  }

  fill(size: number, value: number): Storage {
    return this.make(new Float64Array(size).fill(value));
  }

  random(p: RandomParams): Storage {
    return this.make(random(p));
  }

  unary(op: UnaryOp, x: Storage, alpha: number): Storage {
    return this.make(elementwise.unary(op, this.data(x, op), alpha));
  }

  binary(op: BinaryOp, a: Storage, b: Storage, p: BroadcastParams): Storage {
    return this.make(elementwise.binary(op, this.data(a, op), this.data(b, op), p));
  }

  where(cond: Storage, a: Storage, b: Storage, p: BroadcastParams): Storage {
    return this.make(elementwise.where(this.data(cond, 'where'), this.data(a, 'where'), this.data(b, 'where'), p));
  }

  reduce(op: ReduceOp, x: Storage, p: ReduceParams): Storage {
    return this.make(layout.reduce(op, this.data(x, op), p));
  }

  gather(x: Storage, p: GatherParams): Storage {
    return this.make(layout.gather(this.data(x, 'gather'), p));
  }

  pad(x: Storage, p: PadParams): Storage {
    return this.make(layout.pad(this.data(x, 'pad'), p));
  }

  matmul(a: Storage, b: Storage, p: MatmulParams): Storage {
    return this.make(matmul(this.data(a, 'matmul'), this.data(b, 'matmul'), p));
  }

  conv2d(x: Storage, w: Storage, p: Conv2dParams): Storage {
    return this.make(conv.conv2d(this.data(x, 'conv2d'), this.data(w, 'conv2d'), p));
  }

  conv2dGradInput(gy: Storage, w: Storage, p: Conv2dParams): Storage {
    return this.make(conv.conv2dGradInput(this.data(gy, 'conv2d_grad_input'), this.data(w, 'conv2d_grad_input'), p));
  }

  conv2dGradWeight(x: Storage, gy: Storage, p: Conv2dParams): Storage {
    return this.make(conv.conv2dGradWeight(this.data(x, 'conv2d_grad_weight'), this.data(gy, 'conv2d_grad_weight'), p));
  }

  maxPool2d(x: Storage, p: Pool2dParams): { values: Storage; indices: Storage } {
    const { values, indices } = pool.maxPool2d(this.data(x, 'max_pool2d'), p);
    return { values: this.make(values), indices: this.make(indices) };
  }

  maxPool2dScatter(gy: Storage, indices: Storage, p: Pool2dParams): Storage {
    return this.make(
      pool.maxPool2dScatter(this.data(gy, 'max_pool2d_scatter'), this.data(indices, 'max_pool2d_scatter'), p),
    );
  }

  maxPool2dGather(x: Storage, indices: Storage, p: Pool2dParams): Storage {
    return this.make(
      pool.maxPool2dGather(this.data(x, 'max_pool2d_gather'), this.data(indices, 'max_pool2d_gather'), p),
    );
  }

  avgPool2d(x: Storage, p: Pool2dParams): Storage {
    return this.make(pool.avgPool2d(this.data(x, 'avg_pool2d'), p));
  }

  avgPool2dGrad(gy: Storage, p: Pool2dParams): Storage {
    return this.make(pool.avgPool2dGrad(this.data(gy, 'avg_pool2d_grad'), p));
  }

  adam(
    param: Storage,
    grad: Storage,
    m: Storage,
    v: Storage,
    p: AdamParams,
  ): { param: Storage; m: Storage; v: Storage } {
    const [P, G, M, V] = [param, grad, m, v].map((s) => this.data(s, 'adam'));
    const out = optimizers.adam(P, G, M, V, p);
    return { param: this.make(out.param), m: this.make(out.m), v: this.make(out.v) };
  }

  sgd(param: Storage, grad: Storage, buf: Storage, p: SgdParams): { param: Storage; buf: Storage } {
    const [P, G, B] = [param, grad, buf].map((s) => this.data(s, 'sgd'));
    const out = optimizers.sgd(P, G, B, p);
    return { param: this.make(out.param), buf: this.make(out.buf) };
  }

  batchNormStats(x: Storage, p: ChannelParams): { mean: Storage; variance: Storage } {
    const { mean, variance } = bn.batchNormStats(this.data(x, 'batch_norm_stats'), p);
    return { mean: this.make(mean), variance: this.make(variance) };
  }

  channelAffine(x: Storage, scale: Storage, shift: Storage, p: ChannelParams): Storage {
    const op = 'channel_affine';
    return this.make(bn.channelAffine(this.data(x, op), this.data(scale, op), this.data(shift, op), p));
  }

  batchNormBackwardSums(
    g: Storage,
    x: Storage,
    mean: Storage,
    invstd: Storage,
    p: ChannelParams,
  ): { sumG: Storage; sumGXhat: Storage } {
    const op = 'batch_norm_backward_sums';
    const { sumG, sumGXhat } = bn.batchNormBackwardSums(
      this.data(g, op),
      this.data(x, op),
      this.data(mean, op),
      this.data(invstd, op),
      p,
    );
    return { sumG: this.make(sumG), sumGXhat: this.make(sumGXhat) };
  }

  batchNormBackwardInput(
    g: Storage,
    x: Storage,
    mean: Storage,
    invstd: Storage,
    scale: Storage,
    sumG: Storage,
    sumGXhat: Storage,
    p: ChannelParams,
  ): Storage {
    const [G, X, M, I, S, SG, SGX] = [g, x, mean, invstd, scale, sumG, sumGXhat].map((t) =>
      this.data(t, 'batch_norm_backward_input'),
    );
    return this.make(bn.batchNormBackwardInput(G, X, M, I, S, SG, SGX, p));
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
