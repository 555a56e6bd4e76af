// The WebGPU runtime that the kernels of src/kernels/wgsl call: one object over the jobs in src/kernels/runtime/
// (storage and its pool, the pipeline and bind-group cache, command batching and submission, error scopes, readback,
// counters, profiling), each in its own file.

import type { Backend } from '../tensor/backend.ts';
import type { AdapterDescription } from './device.ts';
import type { UniformValues } from './reflect.ts';
import { CommandBatch, SUBMIT_EVERY } from './runtime/command-batch.ts';
import { RuntimeCounters } from './runtime/counters.ts';
import { DeviceErrors } from './runtime/device-errors.ts';
import { PipelineCache, type KernelSource } from './runtime/pipeline-cache.ts';
import { Profiler, type KernelProfile, type ProfileMode } from './runtime/profiler.ts';
import { readBuffers } from './runtime/readback.ts';
import { waitFor } from './runtime/host-wait.ts';
import { GpuStorage, StorageAllocator } from './runtime/storage.ts';
import type { BufferPool } from './runtime/buffer-pool.ts';

export { GpuStorage, type KernelSource, type KernelProfile };
export { grid1d, flatIndexWgsl } from './runtime/grid.ts';

export class GpuRuntime {
  readonly counters = new RuntimeCounters();
  private readonly storage: StorageAllocator;
  private readonly errors: DeviceErrors;
  private readonly pipelines: PipelineCache;
  private readonly profiler: Profiler;
  private readonly batch: CommandBatch;

  constructor(
    readonly device: GPUDevice,
    readonly info: AdapterDescription,
    backend: Backend,
  ) {
    this.storage = new StorageAllocator(device, backend, this.counters);
    this.errors = new DeviceErrors(device);
    this.pipelines = new PipelineCache(device);
    this.profiler = new Profiler(device, SUBMIT_EVERY);
    this.batch = new CommandBatch(device, this.errors, this.counters, this.profiler, () => {
      this.storage.pool.afterSubmit();
      this.pipelines.afterSubmit();
    });
  }

  get pool(): BufferPool {
    return this.storage.pool;
  }

  get maxBindingBytes(): number {
    return this.storage.maxBindingBytes;
  }

  /** Tests set this: every new storage is filled with NaN first, so elements a kernel fails to write show up. */
  get poison(): boolean {
    return this.storage.poison;
  }

  set poison(on: boolean) {
    this.storage.poison = on;
  }

  get liveBytes(): number {
    return this.counters.liveBytes;
  }

  get peakBytes(): number {
    return this.counters.peakBytes;
  }

  get liveStorages(): number {
    return this.counters.liveStorages;
  }

  get dispatches(): number {
    return this.counters.dispatches;
  }

  get submits(): number {
    return this.counters.submits;
  }

  alloc(size: number, label: string): GpuStorage {
    this.errors.throwIfFailed();
    return this.storage.alloc(size, label);
  }

  upload(data: Float32Array, label: string): GpuStorage {
    this.errors.throwIfFailed();
    return this.storage.upload(data, label);
  }

  /** Returns a storage's buffer to the pool; safe right after dispatching a kernel that reads it. */
  release(s: GpuStorage): void {
    this.storage.release(s);
  }

  /**
   * Records one dispatch. `bindings` maps the shader's buffer names to storages; `uniforms` maps its uniform struct's
   * field names to values. Both are checked against the WGSL before anything is encoded.
   */
  dispatch(
    kernel: KernelSource,
    bindings: Record<string, GpuStorage>,
    uniforms: UniformValues,
    workgroups: readonly [number, number, number],
  ): void {
    this.errors.throwIfFailed();
    this.batch.open(); // first, so pipeline creation errors land in this batch's error scope
    const bound = this.pipelines.bind(kernel, bindings, uniforms);
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (workgroups.some((w) => w > max))
      throw new Error(`${kernel.name}: dispatch ${workgroups.join('x')} exceeds ${max} workgroups per dimension`);
    if (workgroups.some((w) => w === 0)) return;
    this.batch.dispatch(kernel.name, bound, workgroups);
  }

  /** Submits everything recorded so far. */
  flush(): void {
    this.batch.flush();
  }

  /** Waits until the device has finished all submitted work, and surfaces any error it raised. */
  async sync(): Promise<void> {
    this.batch.flush();
    await waitFor(this.device.queue.onSubmittedWorkDone());
    await this.settle();
  }

  async read(s: GpuStorage, label: string): Promise<Float32Array> {
    return (await this.readMany([s], label))[0];
  }

  /** Several storages in one readback: one submit, one wait. */
  async readMany(storages: GpuStorage[], label: string): Promise<Float32Array[]> {
    this.errors.throwIfFailed();
    if (storages.some((s) => s.released)) throw new Error(`${label}: the tensor was disposed`);
    const parts = storages.map((s) => ({ buffer: s.buffer, bytes: s.size * 4 }));
    return readBuffers(this.device, this.batch, () => this.settle(), parts, label);
  }

  /**
   * Starts timing every dispatch by kernel until stopProfiling(): with the adapter's timestamp queries when it has
   * them ('auto'), else (or with 'synced') by replaying each dispatch alone once the profile stops.
   */
  startProfiling(mode: ProfileMode = 'auto'): void {
    this.batch.flush(); // work recorded before the profile stays out of it
    this.profiler.start(mode);
  }

  async stopProfiling(): Promise<KernelProfile> {
    this.batch.flush();
    return this.profiler.stop();
  }

  private async settle(): Promise<void> {
    this.batch.synced();
    await this.errors.settle();
  }
}
