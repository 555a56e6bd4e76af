// The float64 reference backend: every primitive in plain TypeScript loops, written for clarity. It checks the WebGPU
// kernels and runs the finite-difference gradient checks.

import type {
  AdamParams, Backend, BinaryOp, BroadcastParams, Conv2dParams, GatherParams, MatmulParams, MemoryInfo, PadParams,
  Pool2dParams, RandomParams, ReduceOp, ReduceParams, SgdParams, Storage, UnaryOp,
} from '../backend.ts';
import { binaryOps, unaryOps } from '../elementwise.ts';
import { normalFromBits, splitSeed, threefry2x32, uniformFromBits } from '../random.ts';
import { contiguousStrides, numel } from '../shape.ts';
import * as conv from './conv.ts';
import { forEachStrided } from './index-math.ts';
import * as pool from './pool.ts';
import { MemoryCounters, ReferenceStorage } from './storage.ts';

export class ReferenceBackend implements Backend {
  readonly name = 'cpu';
  private counters = new MemoryCounters();

  private make(data: Float64Array): ReferenceStorage {
    this.counters.allocated(data.length);
    return new ReferenceStorage(data, this);
  }

  private data(s: Storage, op: string): Float64Array {
    if (!(s instanceof ReferenceStorage)) throw new Error(`${op}: operand lives on the ${s.backend.name} backend, not cpu`);
    if (s.released) throw new Error(`${op}: the tensor storage was already released (disposed)`);
    return s.data;
  }

  upload(values: ArrayLike<number>): Storage {
    return this.make(Float64Array.from(values));
  }

  async read(s: Storage): Promise<Float64Array> {
    return Float64Array.from(this.data(s, 'read'));
  }

  release(s: Storage): void {
    const r = s as ReferenceStorage;
    if (r.released) return;
    r.released = true;
    this.counters.released(r.size);
  }

  fill(size: number, value: number): Storage {
    return this.make(new Float64Array(size).fill(value));
  }

  random(p: RandomParams): Storage {
    const [k0, k1] = splitSeed(p.seed);
    const out = new Float64Array(p.size);
    for (let i = 0; i < p.size; i++) {
      const counter = p.offset + i;
      const [w0, w1] = threefry2x32(k0, k1, counter >>> 0, Math.floor(counter / 2 ** 32) >>> 0);
      out[i] = p.kind === 'uniform' ? uniformFromBits(w0) : normalFromBits(w0, w1);
    }
    return this.make(out);
  }

  unary(op: UnaryOp, x: Storage, alpha: number): Storage {
    const f = unaryOps[op].ref;
    return this.make(this.data(x, op).map((v) => f(v, alpha)));
  }

  private broadcast(op: string, inputs: Storage[], p: BroadcastParams, f: (...v: number[]) => number): Storage {
    const data = inputs.map((s) => this.data(s, op));
    const n = numel(p.outShape);
    const out = new Float64Array(n);
    const offsets = inputs.map(() => new Int32Array(n));
    p.strides.forEach((strides, k) => forEachStrided(p.outShape, strides, 0, (i, o) => (offsets[k][i] = o)));
    for (let i = 0; i < n; i++) out[i] = f(...data.map((d, k) => d[offsets[k][i]]));
    return this.make(out);
  }

  binary(op: BinaryOp, a: Storage, b: Storage, p: BroadcastParams): Storage {
    return this.broadcast(op, [a, b], p, binaryOps[op].ref);
  }

  where(cond: Storage, a: Storage, b: Storage, p: BroadcastParams): Storage {
    return this.broadcast('where', [cond, a, b], p, (c, x, y) => (c !== 0 ? x : y));
  }

  reduce(op: ReduceOp, x: Storage, p: ReduceParams): Storage {
    const data = this.data(x, op);
    const kept = p.inShape.map((_, i) => i).filter((i) => !p.axes.includes(i));
    const outStrides = contiguousStrides(kept.map((i) => p.inShape[i]));
    // Stride of each input dimension in the output (0 for reduced ones), so input element -> output element is one walk.
    const toOut = p.inShape.map((_, i) => (kept.includes(i) ? outStrides[kept.indexOf(i)] : 0));
    const out = new Float64Array(numel(kept.map((i) => p.inShape[i]))).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
    const combine = op === 'sum' ? (a: number, b: number) => a + b : op === 'max' ? Math.max : Math.min;
    forEachStrided(p.inShape, toOut, 0, (i, o) => (out[o] = combine(out[o], data[i])));
    return this.make(out);
  }

  gather(x: Storage, p: GatherParams): Storage {
    const data = this.data(x, 'gather');
    const out = new Float64Array(numel(p.outShape));
    forEachStrided(p.outShape, p.strides, p.offset, (i, o) => (out[i] = data[o]));
    return this.make(out);
  }

  pad(x: Storage, p: PadParams): Storage {
    const data = this.data(x, 'pad');
    const outShape = p.inShape.map((d, i) => d + p.before[i] + p.after[i]);
    const out = new Float64Array(numel(outShape)).fill(p.value);
    const outStrides = contiguousStrides(outShape);
    const base = p.before.reduce((o, b, i) => o + b * outStrides[i], 0);
    forEachStrided(p.inShape, outStrides, base, (i, o) => (out[o] = data[i]));
    return this.make(out);
  }

  matmul(a: Storage, b: Storage, p: MatmulParams): Storage {
    const [A, B] = [this.data(a, 'matmul'), this.data(b, 'matmul')];
    const out = new Float64Array(p.batch * p.m * p.n);
    for (let bt = 0; bt < p.batch; bt++) {
      const ao = bt * p.aBatchStride;
      const bo = bt * p.bBatchStride;
      for (let i = 0; i < p.m; i++) for (let j = 0; j < p.n; j++) {
        let acc = 0;
        for (let k = 0; k < p.k; k++) {
          const av = A[ao + (p.transA ? k * p.m + i : i * p.k + k)];
          const bv = B[bo + (p.transB ? j * p.k + k : k * p.n + j)];
          acc += av * bv;
        }
        out[(bt * p.m + i) * p.n + j] = acc;
      }
    }
    return this.make(out);
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
    return this.make(pool.maxPool2dScatter(this.data(gy, 'max_pool2d_scatter'), this.data(indices, 'max_pool2d_scatter'), p));
  }

  maxPool2dGather(x: Storage, indices: Storage, p: Pool2dParams): Storage {
    return this.make(pool.maxPool2dGather(this.data(x, 'max_pool2d_gather'), this.data(indices, 'max_pool2d_gather'), p));
  }

  avgPool2d(x: Storage, p: Pool2dParams): Storage {
    return this.make(pool.avgPool2d(this.data(x, 'avg_pool2d'), p));
  }

  avgPool2dGrad(gy: Storage, p: Pool2dParams): Storage {
    return this.make(pool.avgPool2dGrad(this.data(gy, 'avg_pool2d_grad'), p));
  }

  adam(param: Storage, grad: Storage, m: Storage, v: Storage, p: AdamParams): { param: Storage; m: Storage; v: Storage } {
    const [P, G, M, V] = [param, grad, m, v].map((s) => this.data(s, 'adam'));
    const outP = new Float64Array(P.length);
    const outM = new Float64Array(P.length);
    const outV = new Float64Array(P.length);
    for (let i = 0; i < P.length; i++) {
      const g = G[i] + p.weightDecay * P[i];
      outM[i] = p.beta1 * M[i] + (1 - p.beta1) * g;
      outV[i] = p.beta2 * V[i] + (1 - p.beta2) * g * g;
      outP[i] = P[i] - (p.lr * (outM[i] / p.biasCorrection1)) / (Math.sqrt(outV[i] / p.biasCorrection2) + p.eps);
    }
    return { param: this.make(outP), m: this.make(outM), v: this.make(outV) };
  }

  sgd(param: Storage, grad: Storage, buf: Storage, p: SgdParams): { param: Storage; buf: Storage } {
    const [P, G, B] = [param, grad, buf].map((s) => this.data(s, 'sgd'));
    const outP = new Float64Array(P.length);
    const outB = new Float64Array(P.length);
    for (let i = 0; i < P.length; i++) {
      const g = G[i] + p.weightDecay * P[i];
      outB[i] = p.firstStep ? g : p.momentum * B[i] + (1 - p.dampening) * g;
      const direction = p.momentum === 0 ? g : p.nesterov ? g + p.momentum * outB[i] : outB[i];
      outP[i] = P[i] - p.lr * direction;
    }
    return { param: this.make(outP), buf: this.make(outB) };
  }

  memory(): MemoryInfo {
    const c = this.counters;
    return { liveBytes: c.liveBytes, peakBytes: c.peakBytes, liveStorages: c.liveStorages, pooledBytes: 0, allocatedBytes: c.liveBytes };
  }
}
