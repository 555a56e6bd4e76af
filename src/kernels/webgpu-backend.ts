// The WebGPU backend: each primitive of the Backend contract runs one hand-written WGSL kernel from src/kernels/wgsl.

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
import { acquireDevice, type WebGPUOptions } from './device.ts';
import { GpuRuntime, GpuStorage } from './runtime.ts';
import { batchNormBackwardInput, batchNormBackwardSums, batchNormStats, channelAffine } from './wgsl/batchnorm.ts';
import { binary, where } from './wgsl/binary.ts';
import { conv2d } from './wgsl/conv2d.ts';
import { conv2dGradInput } from './wgsl/conv2d-grad-input.ts';
import { conv2dGradWeight } from './wgsl/conv2d-grad-weight.ts';
import { fill, random } from './wgsl/fill.ts';
import { gather, pad } from './wgsl/layout.ts';
import { matmul } from './wgsl/matmul.ts';
import { adam, sgd } from './wgsl/optim.ts';
import { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGather, maxPool2dScatter } from './wgsl/pool.ts';
import { reduce } from './wgsl/reduce.ts';
import { unary } from './wgsl/unary.ts';

function own(s: Storage, op: string): GpuStorage {
  if (!(s instanceof GpuStorage)) throw new Error(`${op}: operand lives on the ${s.backend.name} backend, not webgpu`);
  if (s.released) throw new Error(`${op}: operand belongs to a disposed tensor`);
  return s;
}

export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly rt: GpuRuntime;

  private constructor(device: GPUDevice, info: import('./device.ts').AdapterDescription) {
    this.rt = new GpuRuntime(device, info, this);
  }

  static async create(options: WebGPUOptions = {}): Promise<WebGPUBackend> {
    const { device, info } = await acquireDevice(options);
    return new WebGPUBackend(device, info);
  }

  upload(data: ArrayLike<number>): Storage {
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    return this.rt.upload(f32, 'upload');
  }

  read(s: Storage): Promise<Float32Array> {
    return this.rt.read(own(s, 'read'), 'read');
  }

  release(s: Storage): void {
    this.rt.release(own(s, 'release'));
  }

  fill(size: number, value: number): Storage {
    return fill(this.rt, size, value);
  }

  random(p: RandomParams): Storage {
    return random(this.rt, p);
  }

  unary(op: UnaryOp, x: Storage, alpha: number): Storage {
    return unary(this.rt, op, own(x, op), alpha);
  }

  binary(op: BinaryOp, a: Storage, b: Storage, p: BroadcastParams): Storage {
    return binary(this.rt, op, own(a, op), own(b, op), p);
  }

  where(cond: Storage, a: Storage, b: Storage, p: BroadcastParams): Storage {
    return where(this.rt, own(cond, 'where'), own(a, 'where'), own(b, 'where'), p);
  }

  reduce(op: ReduceOp, x: Storage, p: ReduceParams): Storage {
    return reduce(this.rt, op, own(x, op), p);
  }

  gather(x: Storage, p: GatherParams): Storage {
    return gather(this.rt, own(x, 'gather'), p);
  }

  pad(x: Storage, p: PadParams): Storage {
    return pad(this.rt, own(x, 'pad'), p);
  }

  matmul(a: Storage, b: Storage, p: MatmulParams): Storage {
    return matmul(this.rt, own(a, 'matmul'), own(b, 'matmul'), p);
  }

  conv2d(x: Storage, w: Storage, p: Conv2dParams): Storage {
    return conv2d(this.rt, own(x, 'conv2d'), own(w, 'conv2d'), p);
  }

  conv2dGradInput(gy: Storage, w: Storage, p: Conv2dParams): Storage {
    return conv2dGradInput(this.rt, own(gy, 'conv2d_grad_input'), own(w, 'conv2d_grad_input'), p);
  }

  conv2dGradWeight(x: Storage, gy: Storage, p: Conv2dParams): Storage {
    return conv2dGradWeight(this.rt, own(x, 'conv2d_grad_weight'), own(gy, 'conv2d_grad_weight'), p);
  }

  maxPool2d(x: Storage, p: Pool2dParams): { values: Storage; indices: Storage } {
    return maxPool2d(this.rt, own(x, 'max_pool2d'), p);
  }

  maxPool2dScatter(gy: Storage, indices: Storage, p: Pool2dParams): Storage {
    return maxPool2dScatter(this.rt, own(gy, 'max_pool2d_scatter'), own(indices, 'max_pool2d_scatter'), p);
  }

  maxPool2dGather(x: Storage, indices: Storage, p: Pool2dParams): Storage {
    return maxPool2dGather(this.rt, own(x, 'max_pool2d_gather'), own(indices, 'max_pool2d_gather'), p);
  }

  avgPool2d(x: Storage, p: Pool2dParams): Storage {
    return avgPool2d(this.rt, own(x, 'avg_pool2d'), p);
  }

  avgPool2dGrad(gy: Storage, p: Pool2dParams): Storage {
    return avgPool2dGrad(this.rt, own(gy, 'avg_pool2d_grad'), p);
  }

  batchNormStats(x: Storage, p: ChannelParams): { mean: Storage; variance: Storage } {
    return batchNormStats(this.rt, own(x, 'batch_norm_stats'), p);
  }

  channelAffine(x: Storage, scale: Storage, shift: Storage, p: ChannelParams): Storage {
    const op = 'channel_affine';
    return channelAffine(this.rt, own(x, op), own(scale, op), own(shift, op), p);
  }

  batchNormBackwardSums(
    g: Storage,
    x: Storage,
    mean: Storage,
    invstd: Storage,
    p: ChannelParams,
  ): { sumG: Storage; sumGXhat: Storage } {
    const op = 'batch_norm_backward_sums';
    return batchNormBackwardSums(this.rt, own(g, op), own(x, op), own(mean, op), own(invstd, op), p);
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
    const op = 'batch_norm_backward_input';
    return batchNormBackwardInput(
      this.rt,
      own(g, op),
      own(x, op),
      own(mean, op),
      own(invstd, op),
      own(scale, op),
      own(sumG, op),
      own(sumGXhat, op),
      p,
    );
  }

  adam(
    param: Storage,
    grad: Storage,
    m: Storage,
    v: Storage,
    p: AdamParams,
  ): { param: Storage; m: Storage; v: Storage } {
    return adam(this.rt, own(param, 'adam'), own(grad, 'adam'), own(m, 'adam'), own(v, 'adam'), p);
  }

  sgd(param: Storage, grad: Storage, buf: Storage, p: SgdParams): { param: Storage; buf: Storage } {
    return sgd(this.rt, own(param, 'sgd'), own(grad, 'sgd'), own(buf, 'sgd'), p);
  }

  sync(): Promise<void> {
    return this.rt.sync();
  }

  memory(): MemoryInfo {
    const rt = this.rt;
    return {
      liveBytes: rt.liveBytes,
      peakBytes: rt.peakBytes,
      liveStorages: rt.liveStorages,
      pooledBytes: rt.pool.pooledBytes,
      allocatedBytes: rt.pool.allocatedBytes,
    };
  }
}
