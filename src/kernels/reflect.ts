// Bind group layouts and uniform packing derived from a kernel's WGSL by wgsl_reflect, so the TypeScript side cannot drift
// from the shader: every dispatch is checked against the shader's bindings and uniform struct before it is encoded.

import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';

export interface BindingInfo {
  name: string;
  binding: number;
  kind: 'uniform' | 'read' | 'read_write';
}

interface UniformField {
  name: string;
  offset: number;
  scalar: 'u32' | 'i32' | 'f32';
  count: number; // scalars in the field
  stride: number; // bytes between scalars: 4 for vectors, the array stride for arrays of scalars
}

export interface ShaderInterface {
  bindings: BindingInfo[];
  uniform: { name: string; size: number; fields: UniformField[] } | null;
  workgroupSize: [number, number, number];
}

type TypeLike = {
  name: string;
  size: number;
  isArray?: boolean;
  isStruct?: boolean;
  isTemplate?: boolean;
  format?: TypeLike | null;
  count?: number;
  stride?: number;
  members?: { name: string; offset: number; type: TypeLike }[];
};

const SCALAR_ALIASES: Record<string, 'u32' | 'i32' | 'f32'> = {
  u32: 'u32',
  i32: 'i32',
  f32: 'f32',
  vec2u: 'u32',
  vec3u: 'u32',
  vec4u: 'u32',
  vec2i: 'i32',
  vec3i: 'i32',
  vec4i: 'i32',
  vec2f: 'f32',
  vec3f: 'f32',
  vec4f: 'f32',
};

function fieldOf(name: string, offset: number, type: TypeLike, kernel: string): UniformField {
  if (type.isArray && type.format) {
    const inner = fieldOf(name, offset, type.format, kernel);
    const perElement = inner.count;
    // Arrays of vec4 are contiguous in scalars; arrays of scalars have a 16-byte stride in uniform memory.
    if (perElement === 1)
      return { name, offset, scalar: inner.scalar, count: type.count ?? 0, stride: type.stride ?? 16 };
    if (perElement === 4 && type.stride === 16)
      return { name, offset, scalar: inner.scalar, count: 4 * (type.count ?? 0), stride: 4 };
    throw new Error(`${kernel}: uniform field ${name} has an unsupported array type`);
  }
  const scalar = SCALAR_ALIASES[type.name] ?? (type.format ? SCALAR_ALIASES[type.format.name] : undefined);
  if (!scalar) throw new Error(`${kernel}: uniform field ${name} has unsupported type ${type.name}`);
  const lanes = /^vec(\d)/.exec(type.name);
  return { name, offset, scalar, count: lanes ? Number(lanes[1]) : 1, stride: 4 };
}

export function reflectShader(source: string, kernel: string): ShaderInterface {
  let reflect: WgslReflect;
  try {
    reflect = new WgslReflect(source);
  } catch (e) {
    throw new Error(`${kernel}: wgsl_reflect could not parse the kernel's WGSL: ${(e as Error).message}`, { cause: e });
  }
  const entry = reflect.entry.compute.find((e) => e.name === 'main');
  if (!entry) throw new Error(`${kernel}: WGSL has no @compute fn main`);
  const wg = (entry.workgroupSize ?? [1, 1, 1]) as number[];
  const groups = reflect.getBindGroups();
  if (groups.length > 1) throw new Error(`${kernel}: kernels must use bind group 0 only`);
  const bindings: BindingInfo[] = [];
  let uniform: ShaderInterface['uniform'] = null;
  for (const v of groups[0] ?? []) {
    if (!v) continue;
    if (v.resourceType === 0) {
      if (uniform) throw new Error(`${kernel}: at most one uniform buffer per kernel`);
      const type = v.type as unknown as TypeLike;
      uniform = {
        name: v.name,
        size: type.size,
        fields: (type.members ?? []).map((m) => fieldOf(m.name, m.offset, m.type, kernel)),
      };
      bindings.push({ name: v.name, binding: v.binding, kind: 'uniform' });
    } else if (v.resourceType === 1) {
      bindings.push({ name: v.name, binding: v.binding, kind: v.access === 'read_write' ? 'read_write' : 'read' });
    } else {
      throw new Error(`${kernel}: binding ${v.name} is not a buffer`);
    }
  }
  return { bindings, uniform, workgroupSize: [wg[0] ?? 1, wg[1] ?? 1, wg[2] ?? 1] };
}

export type UniformValues = Record<string, number | readonly number[]>;

/** Packs named values into the uniform struct's bytes; missing, unknown or oversized fields throw. */
export function packUniforms(shader: ShaderInterface, values: UniformValues, kernel: string): Uint32Array<ArrayBuffer> {
  const layout = shader.uniform;
  if (!layout) {
    if (Object.keys(values).length) throw new Error(`${kernel}: uniforms given but the shader declares none`);
    return new Uint32Array(new ArrayBuffer(0));
  }
  const words = new Uint32Array(new ArrayBuffer(Math.ceil(layout.size / 4) * 4));
  const f32 = new Float32Array(words.buffer);
  const i32 = new Int32Array(words.buffer);
  for (const key of Object.keys(values)) {
    if (!layout.fields.some((f) => f.name === key))
      throw new Error(`${kernel}: uniform '${key}' is not a field of the shader's struct`);
  }
  for (const field of layout.fields) {
    const value = values[field.name];
    if (value === undefined) throw new Error(`${kernel}: uniform field '${field.name}' was not given`);
    const list = typeof value === 'number' ? [value] : value;
    if (list.length > field.count)
      throw new Error(`${kernel}: uniform '${field.name}' holds ${field.count} values, got ${list.length}`);
    list.forEach((x, i) => {
      const word = (field.offset + i * field.stride) / 4;
      if (field.scalar === 'f32') f32[word] = x;
      else if (field.scalar === 'i32') i32[word] = x;
      else {
        if (!(x >= 0 && x <= 0xffffffff && Number.isInteger(x)))
          throw new Error(`${kernel}: uniform '${field.name}' needs u32 values, got ${x}`);
        words[word] = x;
      }
    });
  }
  return words;
}
