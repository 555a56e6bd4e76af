// The WebGPU backend: each primitive of the Backend contract runs one hand-written WGSL kernel from src/kernels/wgsl,
// listed in one table; tableBackend checks the operands and this class manages storage.

import type { Backend, MemoryInfo, Storage } from '../tensor/backend.ts';
import { tableBackend, type PrimitiveTable } from '../tensor/backend-table.ts';
import { acquireDevice, type AdapterDescription, type WebGPUOptions } from './device.ts';
import { GpuRuntime, GpuStorage } from './runtime.ts';
import {
  batchNormBackwardInput,
  batchNormBackwardSums,
  batchNormRunningStats,
  batchNormStats,
  channelAffine,
} from './wgsl/batchnorm.ts';
import { binary, elementwise, where } from './wgsl/binary.ts';
import { conv2d } from './wgsl/conv2d.ts';
import { conv2dGradInput } from './wgsl/conv2d-grad-input.ts';
import { conv2dGradWeight } from './wgsl/conv2d-grad-weight.ts';
import { fill, random } from './wgsl/fill.ts';
import { gather, pad } from './wgsl/layout.ts';
import { matmul } from './wgsl/matmul.ts';
import { adam, adamInPlace, sgd } from './wgsl/optim.ts';
import { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGather, maxPool2dScatter } from './wgsl/pool.ts';
import { reduce } from './wgsl/reduce.ts';
import { unary } from './wgsl/unary.ts';

/** Primitive name -> kernel; every kernel takes the runtime first. */
const kernels: PrimitiveTable<GpuStorage, [GpuRuntime]> = {
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

export class WebGPUBackend extends tableBackend(kernels) implements Backend {
  readonly name = 'webgpu';
  readonly rt: GpuRuntime;

  private constructor(device: GPUDevice, info: AdapterDescription) {
    super();
    this.rt = new GpuRuntime(device, info, this);
  }

  static async create(options: WebGPUOptions = {}): Promise<WebGPUBackend> {
    const { device, info } = await acquireDevice(options);
    return new WebGPUBackend(device, info);
  }

  protected override own(s: Storage, op: string): GpuStorage {
    if (!(s instanceof GpuStorage))
      throw new Error(`${op}: operand lives on the ${s.backend.name} backend, not webgpu`);
    if (s.released) throw new Error(`${op}: operand belongs to a disposed tensor`);
    return s;
  }

  /** Kernels allocate through the runtime, whose storages already belong to this backend. */
  protected override wrap(result: GpuStorage): Storage {
    return result;
  }

  protected override leading(): [GpuRuntime] {
    return [this.rt];
  }

  upload(data: ArrayLike<number>): Storage {
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    return this.rt.upload(f32, 'upload');
  }

  read(s: Storage): Promise<Float32Array> {
    return this.rt.read(this.own(s, 'read'), 'read');
  }

  readMany(storages: Storage[]): Promise<Float32Array[]> {
    return this.rt.readMany(
      storages.map((s) => this.own(s, 'read')),
      'read',
    );
  }

  release(s: Storage): void {
    this.rt.release(this.own(s, 'release'));
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
