// The safetensors checkpoint format: round trips, a file assembled byte by byte from the format's specification, a clear
// error for each kind of corrupt file, shape checks before loading, and atomic saves.

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadSafetensors, saveSafetensors } from '../../src/nn/checkpoint-file.ts';
import {
  decodeSafetensors,
  encodeSafetensors,
  loadIntoTensors,
  type DecodedSafetensors,
} from '../../src/nn/safetensors-format.ts';
import { getBackend } from '../../src/devices.ts';
import { tensor } from '../../src/tensor/creation.ts';
import { randomValues } from '../helpers/backends.ts';

/** Float32 values whose bits a lossy path would change: signed zero, the smallest subnormal, the largest finite float. */
const awkward = new Float32Array([-0, 1.4e-45, 3.4028234663852886e38, -1 / 3, 0.1, 1e-38]);

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

/** A safetensors file from a hand-written header and data section, without the padding our encoder adds. */
function assemble(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

describe('safetensors bytes', () => {
  it('round trips names, shapes, bit-exact values and metadata', () => {
    const tensors = {
      'encoder.0.weight': { shape: [2, 3], data: awkward },
      'bn.num_batches_tracked': { shape: [], data: new Float32Array([7]) },
      empty: { shape: [0, 4], data: new Float32Array(0) },
      big: { shape: [10, 10, 3], data: randomValues(300, 5) },
    };
    const metadata = { format: 'pt', epoch: '12', note: 'ünïcode ✓' };
    const decoded = decodeSafetensors(encodeSafetensors(tensors, metadata), 'memory');
    expect(decoded.metadata).toEqual(metadata);
    expect(Object.keys(decoded.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, { shape, data }] of Object.entries(tensors)) {
      expect(decoded.tensors[name].shape).toEqual(shape);
      expect(decoded.tensors[name].dtype).toBe('F32');
      expect(bits(decoded.tensors[name].data)).toEqual(bits(data));
    }
  });

  it('writes sorted names, an 8-byte-aligned space-padded header, and no metadata entry when there is none', () => {
    const bytes = encodeSafetensors({
      b: { shape: [1], data: new Float32Array([2]) },
      a: { shape: [2], data: new Float32Array([1, 3]) },
    });
    const view = new DataView(bytes.buffer);
    const headerLength = Number(view.getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    expect(text).toBe(text.trimEnd().padEnd(headerLength, ' '));
    const header = JSON.parse(text);
    expect(Object.keys(header)).toEqual(['a', 'b']);
    expect(header.a).toEqual({ dtype: 'F32', shape: [2], data_offsets: [0, 8] });
    expect(header.b).toEqual({ dtype: 'F32', shape: [1], data_offsets: [8, 12] });
    const data = 8 + headerLength;
    expect([0, 4, 8].map((o) => view.getFloat32(data + o, true))).toEqual([1, 3, 2]);
    expect(bytes.length).toBe(data + 12);
    expect(decodeSafetensors(bytes, 'memory').metadata).toEqual({});
  });

  it('refuses what the format cannot store', () => {
    expect(() =>
      encodeSafetensors({ a: { shape: [1], data: new Float32Array(1) } }, { epoch: 3 as unknown as string }),
    ).toThrow(/metadata epoch is a number; the format only stores strings/);
    expect(() => encodeSafetensors({ a: { shape: [2, 2], data: new Float32Array(3) } })).toThrow(
      /a has 3 values for shape \[2, 2\]/,
    );
    expect(() => encodeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } })).toThrow(/reserved/);
  });

  it('decodes a file assembled from the specification: F32, F64, F16, BF16 and an I64 counter', () => {
    const data = new Uint8Array(56);
    const view = new DataView(data.buffer);
    [1.5, -2, 0.1, 3e-8].forEach((v, i) => view.setFloat32(4 * i, v, true)); // w: bytes 0..16
    [0.1, -1e10].forEach((v, i) => view.setFloat64(16 + 8 * i, v, true)); // d: bytes 16..32
    // h: bytes 32..40. Halves: 1, -2, 1/3 rounded (0x3555), the smallest subnormal 2^-24.
    [0x3c00, 0xc000, 0x3555, 0x0001].forEach((v, i) => view.setUint16(32 + 2 * i, v, true));
    view.setBigInt64(40, 12345n, true); // n: bytes 40..48, a 0-d int64 like PyTorch's num_batches_tracked
    [0x3fc0, 0xc2f7].forEach((v, i) => view.setUint16(48 + 2 * i, v, true)); // b: bytes 48..52, bfloat16 1.5 and -123.5
    const header =
      '{"__metadata__":{"format":"pt"},' +
      '"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},' +
      '"d":{"dtype":"F64","shape":[2],"data_offsets":[16,32]},' +
      '"h":{"dtype":"F16","shape":[4],"data_offsets":[32,40]},' +
      '"n":{"dtype":"I64","shape":[],"data_offsets":[40,48]},' +
      '"b":{"dtype":"BF16","shape":[1,2],"data_offsets":[48,52]}}';
    const { tensors, metadata } = decodeSafetensors(assemble(header, data), 'handmade.safetensors');
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.w).toMatchObject({ shape: [2, 2], dtype: 'F32' });
    expect(Array.from(tensors.w.data)).toEqual([1.5, -2, 0.1, 3e-8].map(Math.fround));
    expect(tensors.d).toMatchObject({ shape: [2], dtype: 'F64' });
    expect(Array.from(tensors.d.data)).toEqual([0.1, -1e10].map(Math.fround));
    expect(tensors.h).toMatchObject({ shape: [4], dtype: 'F16' });
    expect(Array.from(tensors.h.data)).toEqual([1, -2, 0.333251953125, 2 ** -24]);
    expect(tensors.n).toMatchObject({ shape: [], dtype: 'I64' });
    expect(Array.from(tensors.n.data)).toEqual([12345]);
    expect(tensors.b).toMatchObject({ shape: [1, 2], dtype: 'BF16' });
    expect(Array.from(tensors.b.data)).toEqual([1.5, -123.5]);
  });

  const entry = (fields: string) => `{"t":{${fields}}}`;
  const corrupt: [string, Uint8Array, RegExp][] = [
    ['a file shorter than 8 bytes', new Uint8Array(5), /5 bytes is shorter than the 8-byte header length/],
    [
      'a header length past the end of the file',
      (() => {
        const bytes = assemble('{}');
        new DataView(bytes.buffer).setBigUint64(0, 1000n, true);
        return bytes;
      })(),
      /header length 1000 runs past the end of the file \(10 bytes\)/,
    ],
    ['invalid JSON', assemble('{"t": {"dtype": "F32",'), /header is not valid UTF-8 JSON/],
    ['a header that is not an object', assemble('[1, 2]'), /header is not a JSON object/],
    ['metadata that is not a string', assemble('{"__metadata__":{"epoch":3}}'), /metadata epoch is not a string/],
    [
      'a missing dtype',
      assemble(entry('"shape":[1],"data_offsets":[0,4]'), new Uint8Array(4)),
      /tensor t has no dtype/,
    ],
    [
      'a missing shape',
      assemble(entry('"dtype":"F32","data_offsets":[0,4]'), new Uint8Array(4)),
      /tensor t has no shape/,
    ],
    [
      'missing data_offsets',
      assemble(entry('"dtype":"F32","shape":[1]'), new Uint8Array(4)),
      /tensor t has no data_offsets/,
    ],
    [
      'offsets past the data section',
      assemble(entry('"dtype":"F32","shape":[16],"data_offsets":[0,64]'), new Uint8Array(16)),
      /tensor t has data_offsets \[0, 64\] outside the data section of 16 bytes/,
    ],
    [
      'offsets in the wrong order',
      assemble(entry('"dtype":"F32","shape":[0],"data_offsets":[8,4]'), new Uint8Array(16)),
      /outside the data section/,
    ],
    [
      'overlapping tensors',
      assemble(
        '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}',
        new Uint8Array(12),
      ),
      /tensors a \[0, 8\] and b \[4, 12\] overlap/,
    ],
    [
      'a size that does not match the shape',
      assemble(entry('"dtype":"F32","shape":[3],"data_offsets":[0,8]'), new Uint8Array(8)),
      /tensor t has 8 bytes of data but shape \[3\] of F32 needs 12/,
    ],
    [
      'an unsupported dtype',
      assemble(entry('"dtype":"U8","shape":[4],"data_offsets":[0,4]'), new Uint8Array(4)),
      /tensor t has unsupported dtype U8/,
    ],
    [
      'a dtype named like an Object property',
      assemble(entry('"dtype":"constructor","shape":[1],"data_offsets":[0,4]'), new Uint8Array(4)),
      /unsupported dtype constructor/,
    ],
    [
      'an integer tensor that is not a single counter',
      assemble(entry('"dtype":"I64","shape":[2],"data_offsets":[0,16]'), new Uint8Array(16)),
      /tensor t has integer dtype I64 with shape \[2\]/,
    ],
  ];
  it.each(corrupt)('refuses %s with one error naming the file', (_, bytes, problem) => {
    expect(() => decodeSafetensors(bytes, 'bad.safetensors')).toThrow(/^Invalid safetensors file bad\.safetensors: /);
    expect(() => decodeSafetensors(bytes, 'bad.safetensors')).toThrow(problem);
  });
});

describe('loadIntoTensors', () => {
  const decoded: DecodedSafetensors = decodeSafetensors(
    encodeSafetensors({
      'conv.weight': { shape: [2, 1, 2, 2], data: randomValues(8) },
      'conv.bias': { shape: [2], data: new Float32Array([0.5, -0.5]) },
    }),
    'model.safetensors',
  );
  const expected = { 'conv.weight': [2, 1, 2, 2], 'conv.bias': [2] };

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('creates tensors with the expected shapes and values', async () => {
    const tensors = loadIntoTensors(decoded, expected, 'model.safetensors', { device: 'cpu' });
    expect(tensors['conv.weight'].shape).toEqual([2, 1, 2, 2]);
    expect(tensors['conv.weight'].device).toBe('cpu');
    expect(Array.from(await tensors['conv.weight'].data())).toEqual(Array.from(randomValues(8)));
    expect(Array.from(await tensors['conv.bias'].data())).toEqual([0.5, -0.5]);
  });

  it('refuses a wrong shape, naming the tensor and both shapes, before creating any tensor', () => {
    const upload = vi.spyOn(getBackend('cpu'), 'upload');
    expect(() =>
      loadIntoTensors(decoded, { ...expected, 'conv.bias': [3] }, 'model.safetensors', { device: 'cpu' }),
    ).toThrow(/Checkpoint model\.safetensors does not match: conv\.bias expects shape \[3\], found \[2\]/);
    expect(upload).not.toHaveBeenCalled();
  });

  it('refuses missing tensors and lists unexpected extra names', () => {
    const upload = vi.spyOn(getBackend('cpu'), 'upload');
    expect(() =>
      loadIntoTensors(decoded, { 'conv.weight': [2, 1, 2, 2], 'fc.weight': [4, 2] }, 'model.safetensors', {
        device: 'cpu',
      }),
    ).toThrow(/missing fc\.weight; unexpected conv\.bias/);
    expect(upload).not.toHaveBeenCalled();
  });

  it('refuses non-finite values, naming the tensor', () => {
    const nan = decodeSafetensors(
      encodeSafetensors({ w: { shape: [2], data: new Float32Array([1, NaN]) } }),
      'nan.safetensors',
    );
    expect(() => loadIntoTensors(nan, { w: [2] }, 'nan.safetensors', { device: 'cpu' })).toThrow(
      /w holds NaN or infinite values/,
    );
  });
});

describe('safetensors files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safetensors-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves and loads through a new folder, preserving names, shapes, values and metadata, leaving no temporary file', async () => {
    const path = join(dir, 'runs', 'epoch-3', 'model.safetensors');
    const tensors = {
      'encoder.0.weight': tensor(awkward, [3, 2], { device: 'cpu' }),
      'encoder.1.num_batches_tracked': tensor([42], [], { device: 'cpu' }),
    };
    await saveSafetensors(path, tensors, { epoch: '3' });
    expect(await readdir(join(dir, 'runs', 'epoch-3'))).toEqual(['model.safetensors']);
    const loaded = await loadSafetensors(path);
    expect(loaded.metadata).toEqual({ epoch: '3' });
    expect(loaded.tensors['encoder.0.weight'].shape).toEqual([3, 2]);
    expect(bits(loaded.tensors['encoder.0.weight'].data)).toEqual(bits(awkward));
    expect(loaded.tensors['encoder.1.num_batches_tracked']).toMatchObject({ shape: [], data: new Float32Array([42]) });
  });

  it('names a missing file', async () => {
    await expect(loadSafetensors(join(dir, 'nope.safetensors'))).rejects.toThrow(
      /loadSafetensors: cannot read .*nope\.safetensors/,
    );
  });

  it('names a corrupt file', async () => {
    const path = join(dir, 'short.safetensors');
    await writeFile(path, new Uint8Array(3));
    await expect(loadSafetensors(path)).rejects.toThrow(`Invalid safetensors file ${path}: 3 bytes`);
  });

  it('leaves no temporary file when the target is a directory', async () => {
    const path = join(dir, 'model.safetensors');
    await mkdir(path);
    await expect(saveSafetensors(path, { w: tensor([1, 2], [2], { device: 'cpu' }) })).rejects.toThrow(
      /saveSafetensors: could not write .*model\.safetensors/,
    );
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('leaves the previous file untouched when a save fails', async () => {
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(path, { w: tensor([1, 2], [2], { device: 'cpu' }) });
    const before = await readFile(path);
    // A directory where the temporary file should go makes the write itself fail, after encoding succeeded.
    await mkdir(`${path}.tmp-${process.pid}`);
    await expect(saveSafetensors(path, { w: tensor([3, 4, 5], [3], { device: 'cpu' }) })).rejects.toThrow(
      /could not write/,
    );
    expect(await readFile(path)).toEqual(before);
    // A tensor that cannot be read fails before anything is written.
    const disposed = tensor([6], [1], { device: 'cpu' });
    disposed.dispose();
    await expect(saveSafetensors(path, { w: disposed })).rejects.toThrow(/used after dispose/);
    expect(await readFile(path)).toEqual(before);
  });
});
