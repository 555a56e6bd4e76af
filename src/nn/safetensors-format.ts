// The safetensors checkpoint format (https://github.com/huggingface/safetensors): named tensors as bytes and back, and
// decoded tensors into engine tensors after checking their names and shapes. No Node imports, so a browser can load a
// checkpoint from fetched bytes; reading and writing files is in checkpoint-file.ts.
//
// Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON
//   { "__metadata__": { string: string }, name: { "dtype": "F32", "shape": [...], "data_offsets": [begin, end] }, ... }
// then the data section, which the offsets index (relative to its start), every value little-endian.

import '../devices.ts'; // registers the backends: this module makes tensors on the default device
import { tensor, type CreateOptions } from '../tensor/creation.ts';
import { formatShape, numel, sameShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';

export interface TensorValues {
  shape: number[];
  data: Float32Array;
}

export interface DecodedTensor extends TensorValues {
  /** The dtype stored in the file; `data` is float32 whatever it was. */
  dtype: string;
}

export interface DecodedSafetensors {
  tensors: Record<string, DecodedTensor>;
  metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';

/**
 * Bytes per element of each dtype we read, and how to read element i of a little-endian array starting at byte 0. A Map,
 * so that a dtype such as "constructor" from a hostile header cannot find an Object.prototype property.
 */
const DTYPES = new Map<string, { size: number; read: (view: DataView, i: number) => number }>([
  ['F32', { size: 4, read: (v, i) => v.getFloat32(4 * i, true) }],
  ['F64', { size: 8, read: (v, i) => v.getFloat64(8 * i, true) }],
  ['F16', { size: 2, read: (v, i) => halfToFloat(v.getUint16(2 * i, true)) }],
  ['BF16', { size: 2, read: (v, i) => bfloatToFloat(v.getUint16(2 * i, true)) }],
  ['I64', { size: 8, read: (v, i) => Number(v.getBigInt64(8 * i, true)) }],
  ['I32', { size: 4, read: (v, i) => v.getInt32(4 * i, true) }],
]);

/**
 * Integer tensors in PyTorch state dicts are bookkeeping counters (BatchNorm's num_batches_tracked, a 0-d int64); we
 * accept them as single values. Larger integer tensors would be indices or labels, which no layer here stores.
 */
const INTEGER_DTYPES = new Set(['I64', 'I32']);

/**
 * Serialises float32 tensors. Tensors are written in sorted name order and the header is padded with spaces so the data
 * section starts 8-byte aligned, as the reference implementation does (readers may then map the values in place).
 */
export function encodeSafetensors(
  tensors: Record<string, TensorValues>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string')
        throw new Error(`encodeSafetensors: metadata ${key} is a ${typeof value}; the format only stores strings`);
    }
    header[METADATA_KEY] = metadata;
  }
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY)
      throw new Error(`encodeSafetensors: ${METADATA_KEY} is reserved for metadata and cannot name a tensor`);
    const { shape, data } = tensors[name];
    if (shape.some((d) => !Number.isInteger(d) || d < 0))
      throw new Error(`encodeSafetensors: ${name} has invalid shape ${formatShape(shape)}`);
    if (data.length !== numel(shape))
      throw new Error(
        `encodeSafetensors: ${name} has ${data.length} values for shape ${formatShape(shape)} (${numel(shape)} elements)`,
      );
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + 4 * data.length] };
    offset += 4 * data.length;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of names) {
    for (const value of tensors[name].data) {
      view.setFloat32(at, value, true);
      at += 4;
    }
  }
  return bytes;
}

/**
 * Parses a safetensors file into float32 arrays. `source` (a path or URL) names the file in errors. Every malformed
 * header is refused with one error saying what is wrong, rather than producing garbage values.
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): DecodedSafetensors {
  function fail(problem: string): never {
    throw new Error(`Invalid safetensors file ${source}: ${problem}`);
  }
  if (bytes.length < 8) fail(`${bytes.length} bytes is shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8))
    fail(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`);
  const dataStart = 8 + Number(headerLength);
  const dataLength = bytes.length - dataStart;

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) fail('header is not a JSON object');

  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isObject(entry)) fail(`${METADATA_KEY} is not an object`);
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value !== 'string') fail(`metadata ${key} is not a string`);
        metadata[key] = value;
      }
      continue;
    }
    if (!isObject(entry)) fail(`tensor ${name} is not described by an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string') fail(`tensor ${name} has no dtype`);
    if (!isCounts(shape)) fail(`tensor ${name} has no shape (a list of non-negative integers)`);
    if (!isCounts(offsets) || offsets.length !== 2)
      fail(`tensor ${name} has no data_offsets ([begin, end] byte offsets)`);
    const kind = DTYPES.get(dtype);
    if (!kind) fail(`tensor ${name} has unsupported dtype ${dtype} (supported: ${[...DTYPES.keys()].join(', ')})`);
    const size = numel(shape);
    if (INTEGER_DTYPES.has(dtype) && size !== 1) {
      fail(
        `tensor ${name} has integer dtype ${dtype} with shape ${formatShape(shape)}; integers are only accepted for single-value counters like num_batches_tracked`,
      );
    }
    const [begin, end] = offsets;
    if (begin > end || end > dataLength)
      fail(`tensor ${name} has data_offsets [${begin}, ${end}] outside the data section of ${dataLength} bytes`);
    if (end - begin !== size * kind.size)
      fail(
        `tensor ${name} has ${end - begin} bytes of data but shape ${formatShape(shape)} of ${dtype} needs ${size * kind.size}`,
      );
    entries.push({ name, dtype, shape, begin, end });
  }

  // Overlapping tensors would alias each other's bytes: a sign of a corrupt or hand-crafted file.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < byOffset.length; i++) {
    const [prev, next] = [byOffset[i - 1], byOffset[i]];
    if (next.begin < prev.end)
      fail(`tensors ${prev.name} [${prev.begin}, ${prev.end}] and ${next.name} [${next.begin}, ${next.end}] overlap`);
  }

  const tensors = Object.fromEntries(
    entries.map(({ name, dtype, shape, begin, end }) => {
      const values = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
      const { read } = DTYPES.get(dtype)!;
      const data = new Float32Array(numel(shape));
      for (let i = 0; i < data.length; i++) data[i] = read(values, i);
      return [name, { shape, dtype, data }];
    }),
  );
  return { tensors, metadata };
}

/**
 * Makes tensors from a decoded checkpoint. `expected` gives every name the caller needs and its shape; all of them are
 * checked, along with finiteness, before any tensor is created, so a mismatched checkpoint is refused as a whole (one
 * error listing missing names, wrong shapes and unexpected extra names) instead of being half loaded.
 */
export function loadIntoTensors(
  decoded: DecodedSafetensors,
  expected: Record<string, number[]>,
  source: string,
  options: Pick<CreateOptions, 'device'> = {},
): Record<string, Tensor> {
  const problems: string[] = [];
  const missing = Object.keys(expected).filter((name) => !Object.hasOwn(decoded.tensors, name));
  if (missing.length) problems.push(`missing ${missing.join(', ')}`);
  for (const [name, shape] of Object.entries(expected)) {
    if (!Object.hasOwn(decoded.tensors, name)) continue;
    const found = decoded.tensors[name];
    if (!sameShape(found.shape, shape))
      problems.push(`${name} expects shape ${formatShape(shape)}, found ${formatShape(found.shape)}`);
    else if (!found.data.every(Number.isFinite)) problems.push(`${name} holds NaN or infinite values`);
  }
  const unexpected = Object.keys(decoded.tensors).filter((name) => !Object.hasOwn(expected, name));
  if (unexpected.length) problems.push(`unexpected ${unexpected.join(', ')}`);
  if (problems.length) throw new Error(`Checkpoint ${source} does not match: ${problems.join('; ')}`);

  return Object.fromEntries(
    Object.keys(expected).map((name) => {
      const { data, shape } = decoded.tensors[name];
      return [name, tensor(data, shape, options)];
    }),
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A list of non-negative integers, as shapes and byte offsets are. */
function isCounts(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => Number.isSafeInteger(v) && v >= 0);
}

/** IEEE half precision to a number; every half is exactly representable in float32. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

// bfloat16 is the upper half of a float32.
const bfloatScratch = new DataView(new ArrayBuffer(4));

function bfloatToFloat(bits: number): number {
  bfloatScratch.setUint32(0, bits << 16);
  return bfloatScratch.getFloat32(0);
}
