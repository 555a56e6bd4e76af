// WebGPU's flag values, as numbered by the WebGPU specification. Defined here rather than read from the globals
// GPUBufferUsage, GPUMapMode and GPUShaderStage: browsers have those, but in Node Dawn installs them only when init()
// loads it, and code (and tests) may run before that.

export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;

export const MapMode = {
  READ: 0x0001,
  WRITE: 0x0002,
} as const;

export const ShaderStage = {
  COMPUTE: 0x0004,
} as const;
