// Fuzzing the safetensors decoder and the checkpoint loader behind it: thousands of mutated files, each decoded or
// refused with one line naming the file, never a crash, a hang or a half-made result.

import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, loadIntoTensors } from '../../src/nn/safetensors-format.ts';
import { numel } from '../../src/tensor/shape.ts';
import { editJson, fuzz, fuzzInputs, type Mutator } from '../helpers/fuzz.ts';
import { randomValues } from '../helpers/backends.ts';

const NAME = 'fuzz.safetensors';

const valid = encodeSafetensors(
  {
    'encoder.0.weight': { shape: [4, 3, 2, 2], data: randomValues(48, 1) },
    'encoder.1.running_var': { shape: [4], data: Float32Array.from([1, 2, 3, 4]) },
    'encoder.1.num_batches_tracked': { shape: [], data: Float32Array.from([7]) },
    empty: { shape: [0, 3], data: new Float32Array(0) },
  },
  { config: '{"imageSize":64}', step: '12' },
);

/** A file with the non-F32 dtypes the decoder reads, assembled by hand. */
function mixedDtypes(): Uint8Array {
  const header = JSON.stringify({
    h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
    b: { dtype: 'BF16', shape: [1], data_offsets: [4, 6] },
    n: { dtype: 'I64', shape: [], data_offsets: [6, 14] },
    d: { dtype: 'F64', shape: [1], data_offsets: [14, 22] },
  });
  const json = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + json.length + 22);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  const data = 8 + json.length;
  view.setUint16(data, 0x3c00, true); // 1.0
  view.setUint16(data + 2, 0xc000, true); // -2.0
  view.setUint16(data + 4, 0x3f80, true); // 1.0
  view.setBigInt64(data + 6, 5n, true);
  view.setFloat64(data + 14, 0.25, true);
  return bytes;
}

/** The header of a safetensors file as text, and a function that puts an edited header back. */
function splitHeader(bytes: Uint8Array): { text: string; rebuild: (text: string) => Uint8Array } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + length));
  const data = bytes.subarray(8 + length);
  return {
    text,
    rebuild: (edited) => {
      const json = new TextEncoder().encode(edited);
      const out = new Uint8Array(8 + json.length + data.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(data, 8 + json.length);
      return out;
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const BAD_DIMENSIONS: unknown[] = [-1, 2 ** 40, 2 ** 53, 1.5, 'x', null, [2], 1e308];
const BAD_VALUES: unknown[] = [...BAD_DIMENSIONS, 'F32', {}, [], true, 0];

/** Edits of one tensor entry of the header: huge or negative dimensions, bad offsets, unknown or hostile dtypes. */
const headerEdit: Mutator = (bytes, rng) => {
  let split: ReturnType<typeof splitHeader>;
  try {
    split = splitHeader(bytes);
    if (!isObject(JSON.parse(split.text))) return bytes;
  } catch {
    return bytes; // an earlier mutation broke the header already
  }
  const edited = editJson(split.text, (header) => {
    const names = Object.keys(header);
    const name = rng.pick(names);
    const entry = isObject(header[name]) ? header[name] : (header[name] = {});
    switch (rng.int(8)) {
      case 0:
        if (Array.isArray(entry.shape) && entry.shape.length)
          entry.shape[rng.int(entry.shape.length)] = rng.pick(BAD_DIMENSIONS);
        else entry.shape = [rng.pick(BAD_DIMENSIONS)];
        break;
      case 1:
        entry.data_offsets = [rng.int(64), rng.pick([2 ** 53, 2 ** 31, -4, rng.int(64)])];
        break;
      case 2:
        entry.dtype = rng.pick(['XYZ', 'constructor', '__proto__', 'toString', 'U8', 'F32 ', '']);
        break;
      case 3:
        header[rng.pick(['__proto__', 'constructor', '__metadata__', 'hasOwnProperty'])] = entry;
        break;
      case 4:
        header[name] = rng.pick(BAD_VALUES);
        break;
      case 5:
        delete entry[rng.pick(['dtype', 'shape', 'data_offsets'])];
        break;
      case 6:
        entry.shape = Array.from({ length: 1 + rng.int(40) }, () => 2 + rng.int(3));
        break;
      default:
        header.__metadata__ = rng.pick([{ step: 3 }, 'text', [], { a: { b: 'c' } }, null]);
    }
  });
  return split.rebuild(edited);
};

/** The 8-byte header length set to something wrong: huge, zero, off by one, past the end. */
const lengthEdit: Mutator = (bytes, rng) => {
  const out = bytes.slice();
  if (out.length < 8) return out;
  const view = new DataView(out.buffer);
  const length = view.getBigUint64(0, true);
  view.setBigUint64(
    0,
    rng.pick([0n, 1n, length - 1n, length + 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(out.length)]),
    true,
  );
  return out;
};

describe('safetensors fuzzing', () => {
  it('decodes or refuses 3,000 mutated files with one line naming the file; decoded files are consistent', () => {
    const outcome = fuzz(
      fuzzInputs([valid, mixedDtypes()], 3000, [headerEdit, headerEdit, lengthEdit], 11),
      (bytes) => decodeSafetensors(bytes, NAME),
      {
        names: new RegExp(`^Invalid safetensors file ${NAME}: `),
        check: (decoded) => {
          for (const [name, t] of Object.entries(decoded.tensors)) {
            expect(
              t.shape.every((d) => Number.isSafeInteger(d) && d >= 0),
              name,
            ).toBe(true);
            expect(t.data.length, name).toBe(numel(t.shape));
          }
          expect(Object.values(decoded.metadata).every((v) => typeof v === 'string')).toBe(true);
        },
      },
    );
    expect(outcome.refused).toBeGreaterThan(1500);
    expect(outcome.accepted).toBeGreaterThan(10); // bit flips inside the data section keep a file valid
    expect(outcome.slowestMs).toBeLessThan(1000);
  });

  it('loads a decoded checkpoint into tensors or refuses it whole with one line (NaN, shapes, names)', () => {
    const expected = Object.fromEntries(
      Object.entries(decodeSafetensors(valid, NAME).tensors).map(([name, t]) => [name, t.shape]),
    );
    let loaded = 0;
    const outcome = fuzz(
      fuzzInputs([valid], 1000, [headerEdit, lengthEdit], 12),
      (bytes) => loadIntoTensors(decodeSafetensors(bytes, NAME), expected, NAME),
      {
        names: new RegExp(`^(Invalid safetensors file|Checkpoint) ${NAME}`),
        check: (tensors) => {
          expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected).sort());
          for (const t of Object.values(tensors)) t.dispose();
          loaded++;
        },
      },
    );
    expect(outcome.refused).toBeGreaterThan(500);
    expect(loaded).toBe(outcome.accepted);
  });
});
