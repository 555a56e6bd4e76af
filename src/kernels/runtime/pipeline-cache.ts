// Pipelines cached by kernel key, uniform buffers by content and bind groups by the buffers they bind, so a training
// step that repeats the same ops creates no WebGPU objects after the first. Every binding is checked against the
// kernel's WGSL (through wgsl_reflect) before anything is created.

import { packUniforms, reflectShader, type ShaderInterface, type UniformValues } from '../reflect.ts';
import { BufferUsage, ShaderStage } from './gpu-constants.ts';
import type { GpuStorage } from './storage.ts';

/** What a kernel file provides: a display name, a cache key (name plus variant flags) and its WGSL. */
export interface KernelSource {
  name: string;
  key: string;
  source: () => string;
}

interface Pipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  shader: ShaderInterface;
}

/** A kernel ready to dispatch: its pipeline and the bind group of its buffers and uniforms. */
export interface BoundKernel {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
}

// Bounds on the caches: distinct uniform contents grow with distinct shapes and scalars (a long run with changing
// learning rates keeps adding some), bind groups with distinct buffer combinations.
const MAX_CACHED_UNIFORMS = 8192;
const MAX_CACHED_BIND_GROUPS = 16384;

export class PipelineCache {
  private pipelines = new Map<string, Pipeline>();
  private uniforms = new Map<string, GPUBuffer>();
  private retiredUniforms: GPUBuffer[] = [];
  private bindGroups = new Map<string, GPUBindGroup>();
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;

  constructor(private readonly device: GPUDevice) {}

  /**
   * The pipeline and bind group for one dispatch. `bindings` maps the shader's buffer names to storages; `uniforms`
   * maps its uniform struct's field names to values. Both are checked against the WGSL.
   */
  bind(kernel: KernelSource, bindings: Record<string, GpuStorage>, uniforms: UniformValues): BoundKernel {
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
    let bindGroup = this.bindGroups.get(key);
    if (!bindGroup) {
      if (this.bindGroups.size >= MAX_CACHED_BIND_GROUPS) this.bindGroups.clear();
      bindGroup = this.device.createBindGroup({ layout: p.layout, entries, label: kernel.name });
      this.bindGroups.set(key, bindGroup);
    }
    return { pipeline: p.pipeline, bindGroup };
  }

  /** Called right after a submit: uniform buffers dropped from the cache before it can now be destroyed. */
  afterSubmit(): void {
    for (const b of this.retiredUniforms) b.destroy();
    this.retiredUniforms = [];
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
        visibility: ShaderStage.COMPUTE,
        buffer: { type: b.kind === 'uniform' ? 'uniform' : b.kind === 'read' ? 'read-only-storage' : 'storage' },
      })),
    });
    const module = this.device.createShaderModule({ code, label: kernel.name });
    const pipeline = this.device.createComputePipeline({
      label: kernel.name,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout], label: kernel.name }),
      compute: { module, entryPoint: 'main' },
    });
    p = { pipeline, layout, shader };
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
      usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
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
}
