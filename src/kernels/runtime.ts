// The WebGPU runtime: pipelines cached by kernel key, uniforms cached by content, bind groups cached by buffers, all ops
// recorded into one command encoder (one open compute pass) and submitted in batches, errors turned into exceptions.

import type { Storage, Backend } from '../tensor/backend.ts';
import { BufferPool } from '../tensor/buffer-pool.ts';
import type { AdapterDescription } from './device.ts';
import { packUniforms, reflectShader, type ShaderInterface, type UniformValues } from './reflect.ts';

/** What a kernel file provides: a display name, a cache key (name plus variant flags) and its WGSL. */
export interface KernelSource {
  name: string;
  key: string;
  source: () => string;
}

export class GpuStorage implements Storage {
  released = false;
  constructor(
    readonly size: number,
    readonly buffer: GPUBuffer,
    readonly backend: Backend,
  ) {}
}

interface Pipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  shader: ShaderInterface;
  name: string;
}

const SUBMIT_EVERY = 32;
const MAX_CACHED_UNIFORMS = 8192;
const MAX_CACHED_BIND_GROUPS = 16384;

export class GpuRuntime {
  readonly pool: BufferPool;
  private pipelines = new Map<string, Pipeline>();
  private uniforms = new Map<string, GPUBuffer>();
  private retiredUniforms: GPUBuffer[] = [];
  private bindGroups = new Map<string, GPUBindGroup>();
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private batchOps: string[] = [];
  private errorChecks: Promise<void>[] = [];
  private failure: Error | null = null;
  /** Tests set this: every new storage is filled with NaN first, so elements a kernel fails to write show up. */
  poison = false;
  liveBytes = 0;
  peakBytes = 0;
  liveStorages = 0;
  dispatches = 0;
  /** Dispatches per kernel name, for profiling which ops a workload runs. */
  readonly dispatchesByKernel = new Map<string, number>();
  submits = 0;
  /** Submits since the last sync or read; warned about once when it grows large (see Backend.sync). */
  private unsynced = 0;
  private warnedUnsynced = false;

  constructor(
    readonly device: GPUDevice,
    readonly info: AdapterDescription,
    private backend: Backend,
  ) {
    this.pool = new BufferPool(device);
    device.lost.then((lost) => {
      this.lost = new Error(`WebGPU device lost (${lost.reason}): ${lost.message}`);
    });
    device.addEventListener('uncapturederror', (event) => {
      const e = (event as GPUUncapturedErrorEvent).error;
      this.failure ??= new Error(`WebGPU error outside any op: ${e.message}`);
    });
  }

  get maxBindingBytes(): number {
    return this.device.limits.maxStorageBufferBindingSize;
  }

  private lost: Error | null = null;

  /** Throws a pending error once (the device stays usable after a validation error), or always once the device is lost. */
  private throwIfFailed(): void {
    if (this.lost) throw this.lost;
    const failure = this.failure;
    this.failure = null;
    if (failure) throw failure;
  }

  alloc(size: number, label: string): GpuStorage {
    this.throwIfFailed();
    const bytes = Math.max(size, 1) * 4;
    if (bytes > this.maxBindingBytes) {
      throw new Error(
        `${label}: a tensor of ${size} elements (${bytes} bytes) exceeds this adapter's largest storage binding (${this.maxBindingBytes} bytes)`,
      );
    }
    const s = new GpuStorage(size, this.pool.acquire(bytes, label), this.backend);
    if (this.poison) this.device.queue.writeBuffer(s.buffer, 0, new Uint32Array(Math.max(size, 1)).fill(0x7fc00000));
    this.liveBytes += size * 4;
    this.liveStorages++;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
    return s;
  }

  upload(data: Float32Array, label: string): GpuStorage {
    const s = this.alloc(data.length, label);
    if (data.length) this.device.queue.writeBuffer(s.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return s;
  }

  /**
   * Returns a storage's buffer to the pool. Safe right after dispatching a kernel that reads it: the pool hands the
   * buffer out again only after the next submit, and submits run in order.
   */
  release(s: GpuStorage): void {
    if (s.released) return;
    s.released = true;
    this.liveBytes -= s.size * 4;
    this.liveStorages--;
    this.pool.release(s.buffer);
  }

  private pipelineFor(kernel: KernelSource): Pipeline {
    let p = this.pipelines.get(kernel.key);
    if (p) return p;
    const code = kernel.source();
    const shader = reflectShader(code, kernel.name);
    const layout = this.device.createBindGroupLayout({
      label: kernel.name,
      entries: shader.bindings.map((b) => ({
        binding: b.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: b.kind === 'uniform' ? 'uniform' : b.kind === 'read' ? 'read-only-storage' : 'storage' },
      })),
    });
    const module = this.device.createShaderModule({ code, label: kernel.name });
    const pipeline = this.device.createComputePipeline({
      label: kernel.name,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout], label: kernel.name }),
      compute: { module, entryPoint: 'main' },
    });
    p = { pipeline, layout, shader, name: kernel.name };
    this.pipelines.set(kernel.key, p);
    return p;
  }

  private uniformBuffer(words: Uint32Array<ArrayBuffer>): GPUBuffer {
    const key = words.join(',');
    let buffer = this.uniforms.get(key);
    if (buffer) return buffer;
    if (this.uniforms.size >= MAX_CACHED_UNIFORMS) {
      // Buffers still referenced by unsubmitted commands are destroyed only after the next submit.
      this.retiredUniforms.push(...this.uniforms.values());
      this.uniforms.clear();
      this.bindGroups.clear();
    }
    buffer = this.device.createBuffer({
      size: Math.max(16, Math.ceil(words.byteLength / 16) * 16),
      usage: 0x40 /* UNIFORM */ | 0x08 /* COPY_DST */,
    });
    this.device.queue.writeBuffer(buffer, 0, words);
    this.uniforms.set(key, buffer);
    return buffer;
  }

  private idOf(buffer: GPUBuffer): number {
    let id = this.bufferIds.get(buffer);
    if (id === undefined) {
      id = this.nextBufferId++;
      this.bufferIds.set(buffer, id);
    }
    return id;
  }

  private beginBatch(): GPUComputePassEncoder {
    if (!this.encoder) {
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('validation');
      this.encoder = this.device.createCommandEncoder();
    }
    this.pass ??= this.encoder.beginComputePass();
    return this.pass;
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
    this.throwIfFailed();
    const pass = this.beginBatch(); // first, so pipeline creation errors land in this batch's error scope
    const p = this.pipelineFor(kernel);
    const words = packUniforms(p.shader, uniforms, kernel.name);
    const given = new Set(Object.keys(bindings));
    const entries: GPUBindGroupEntry[] = [];
    const written = new Set<GpuStorage>();
    let key = kernel.key;
    for (const b of p.shader.bindings) {
      if (b.kind === 'uniform') {
        const buffer = this.uniformBuffer(words);
        entries.push({ binding: b.binding, resource: { buffer } });
        key += `|u${this.idOf(buffer)}`;
        continue;
      }
      const s = bindings[b.name];
      if (!s) throw new Error(`${kernel.name}: no buffer given for the shader's binding '${b.name}'`);
      if (s.released) throw new Error(`${kernel.name}: buffer '${b.name}' belongs to a disposed tensor`);
      given.delete(b.name);
      if (b.kind === 'read_write') written.add(s);
      entries.push({ binding: b.binding, resource: { buffer: s.buffer, size: Math.max(s.size, 1) * 4 } });
      key += `|${this.idOf(s.buffer)}:${s.size}`;
    }
    if (given.size)
      throw new Error(`${kernel.name}: buffers given that the shader does not declare: ${[...given].join(', ')}`);
    for (const b of p.shader.bindings) {
      if (b.kind === 'read' && written.has(bindings[b.name]))
        throw new Error(`${kernel.name}: '${b.name}' is both read and written`);
    }
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (workgroups.some((w) => w > max))
      throw new Error(`${kernel.name}: dispatch ${workgroups.join('x')} exceeds ${max} workgroups per dimension`);
    if (workgroups.some((w) => w === 0)) return;
    this.batchOps.push(kernel.name);

    let bindGroup = this.bindGroups.get(key);
    if (!bindGroup) {
      if (this.bindGroups.size >= MAX_CACHED_BIND_GROUPS) this.bindGroups.clear();
      bindGroup = this.device.createBindGroup({ layout: p.layout, entries, label: kernel.name });
      this.bindGroups.set(key, bindGroup);
    }
    pass.setPipeline(p.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    this.dispatches++;
    this.dispatchesByKernel.set(kernel.name, (this.dispatchesByKernel.get(kernel.name) ?? 0) + 1);
    if (this.batchOps.length >= SUBMIT_EVERY) this.flush();
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.pass?.end();
    this.pass = null;
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.submits++;
    if (++this.unsynced === 2000 && !this.warnedUnsynced) {
      this.warnedUnsynced = true;
      console.warn(
        'webgpu: 2000 submits without waiting for the device; await sync() (or read a value) now and then in long loops, or Dawn may run out of memory and crash',
      );
    }
    const ops = this.batchOps;
    this.batchOps = [];
    const validation = this.device.popErrorScope();
    const memory = this.device.popErrorScope();
    const check = Promise.all([validation, memory]).then(([v, m]) => {
      const error = v ?? m;
      if (error && !this.failure) {
        const kind = error === m ? 'out of memory' : 'validation error';
        const unique = [...new Set(ops)].join(', ');
        this.failure = new Error(`WebGPU ${kind} in a batch of ops (${unique}): ${error.message}`);
      }
    });
    this.errorChecks.push(check);
    this.pool.afterSubmit();
    for (const b of this.retiredUniforms) b.destroy();
    this.retiredUniforms = [];
  }

  /** Waits until the device has finished all submitted work, and surfaces any error it raised. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.checkErrors();
  }

  private async checkErrors(): Promise<void> {
    this.unsynced = 0;
    const checks = this.errorChecks;
    this.errorChecks = [];
    await Promise.all(checks);
    this.throwIfFailed();
  }

  async read(s: GpuStorage, label: string): Promise<Float32Array> {
    this.throwIfFailed();
    if (s.released) throw new Error(`${label}: the tensor was disposed`);
    const bytes = s.size * 4;
    if (bytes === 0) return new Float32Array(0);
    const staging = this.device.createBuffer({
      size: bytes,
      usage: 0x01 /* MAP_READ */ | 0x08 /* COPY_DST */,
      label: `read ${label}`,
    });
    this.beginBatch();
    this.pass?.end();
    this.pass = null;
    this.encoder!.copyBufferToBuffer(s.buffer, 0, staging, 0, bytes);
    this.batchOps.push(`read(${label})`);
    this.flush();
    await this.checkErrors();
    await staging.mapAsync(0x0001 /* GPUMapMode.READ */);
    const out = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    return out;
  }
}

/** Workgroup counts for `threads` invocations of a 1-D kernel, folded into y when x would pass the 65535 limit. */
export function grid1d(threads: number, workgroupSize: number): [number, number, number] {
  const groups = Math.ceil(threads / workgroupSize);
  if (groups <= 65535) return [groups, 1, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y, 1];
}

/** WGSL for the flat invocation index under grid1d; declare `@builtin(workgroup_id) wid` and `@builtin(num_workgroups) nwg`. */
export const flatIndexWgsl = (workgroupSize: number) => /* wgsl */ `
fn flat_index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * ${workgroupSize}u + lid;
}`;
