// Batched matmul out[b] = op(a[b]) @ op(b[b]), tiled in workgroup memory.
//
// Each workgroup computes a 64 x 64 block of one batch's output; its 8 x 8 invocations own 8 x 8 outputs each. Per step
// of KT along k, the workgroup copies a 64 x KT slice of A and a KT x 64 slice of B into workgroup memory (each element
// read from global memory once per workgroup instead of once per output) and every invocation does 8 x 8 x KT FMAs from
// it, reading 8 values of A and 8 of B per k. The slices are stored k-major as vec4s, so those reads are two vec4s each.
// Elements past m, n or k load as 0 and outputs past m or n are not stored, so any shape works.
//
// Measured on lavapipe (512^3, a busy 2-core machine, so +-30%): 8 x 8 outputs per invocation ran about 2x faster than
// 4 x 4 (7-9 vs 3.5-4.5 GFLOP/s): each workgroup-memory read there is a per-lane gather, so FMAs per read decide the
// speed. A KT of 8 or 32 was slower than 16; 128 x 128 tiles were no faster at 512 and waste more on small matrices.
// On CPU adapters a subgroup (within one row of invocations) reads A's 8 values once and broadcasts them (shared-loads.ts).
//
// The transpose flags pick a load order at compile time: consecutive invocations walk whichever axis is contiguous in
// memory, so neighbouring invocations read neighbouring addresses for all four layouts.

import type { MatmulParams } from '../../tensor/backend.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import { cached } from './common.ts';
import { laneParameter, sharedLoadHeader, sharedLoadSubgroup, sharedLoads } from './shared-loads.ts';

const TILE = 64; // outputs per workgroup along m and n
const KT = 16; // k per step
const PER = 8; // outputs per invocation along m and n
const SIDE = TILE / PER; // invocations per side
const SLOTS = TILE / 4; // vec4 slots per k in a slice

const kernel = cached((shape: string): KernelSource => {
  // shape: the transpose flags, then the subgroup size that shares A's reads (0: none, see shared-loads.ts).
  const [flags, subgroupText] = shape.split(':');
  const subgroup = Number(subgroupText);
  const [transA, transB] = [flags[0] === 'T', flags[1] === 'T'];
  // A's 8 values at kk, the same for every invocation of a row ty (a subgroup lies within one row).
  const readA = subgroup
    ? sharedLoads(subgroup, PER, 'av', (i) => `tileA[kk * SLOTS + 2u * ty + (${i}) / 4u][(${i}) % 4u]`)
    : [
        'let a0 = tileA[kk * SLOTS + 2u * ty];',
        'let a1 = tileA[kk * SLOTS + 2u * ty + 1u];',
        `let av = array<f32, ${PER}>(a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w);`,
      ];
  // The (k, vec4 slot) that load step `s` fills; the slot runs along m (A) or n (B).
  const order = (slotContiguous: boolean) =>
    slotContiguous ? 'let kk = s / SLOTS; let slot = s % SLOTS;' : 'let kk = s % KT; let slot = s / KT;';
  return {
    name: 'matmul',
    key: `matmul:${shape}`,
    source: () => /* wgsl */ `
${sharedLoadHeader(subgroup)}
const SIDE = ${SIDE}u;
const SLOTS = ${SLOTS}u;
const KT = ${KT}u;
const THREADS = ${SIDE * SIDE}u;
struct Params { m: u32, n: u32, k: u32, aBatchStride: u32, bBatchStride: u32, tilesM: u32, tilesN: u32, groups: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> tileA: array<vec4<f32>, ${KT * SLOTS}>; // [kk][slot]: rows 4 slot .. 4 slot + 3 of A at k0 + kk
var<workgroup> tileB: array<vec4<f32>, ${KT * SLOTS}>; // [kk][slot]: columns 4 slot .. 4 slot + 3 of B at k0 + kk

// A[row, col] of this batch, 0 outside the matrix.
fn read_a(base: u32, row: u32, col: u32) -> f32 {
  let ok = row < params.m && col < params.k;
  let at = ${transA ? 'col * params.m + row' : 'row * params.k + col'};
  return select(0.0, a[select(0u, base + at, ok)], ok);
}

fn read_b(base: u32, row: u32, col: u32) -> f32 {
  let ok = row < params.k && col < params.n;
  let at = ${transB ? 'col * params.k + row' : 'row * params.n + col'};
  return select(0.0, b[select(0u, base + at, ok)], ok);
}

@compute @workgroup_size(${SIDE * SIDE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32${laneParameter(subgroup)}) {
  let g = wid.y * nwg.x + wid.x;
  if (g >= params.groups) { return; }
  let col0 = (g % params.tilesN) * ${TILE}u;
  let row0 = ((g / params.tilesN) % params.tilesM) * ${TILE}u;
  let batch = g / (params.tilesN * params.tilesM);
  let aBase = batch * params.aBatchStride;
  let bBase = batch * params.bBatchStride;
  let tx = t % SIDE;
  let ty = t / SIDE;

  var acc: array<array<vec4<f32>, 2>, ${PER}>; // acc[i][j / 4][j % 4]: output (row0 + 8 ty + i, col0 + 8 tx + j)
  for (var k0 = 0u; k0 < params.k; k0 += KT) {
    for (var s = t; s < KT * SLOTS; s += THREADS) {
      ${order(transA)}
      let row = row0 + 4u * slot;
      let col = k0 + kk;
      tileA[kk * SLOTS + slot] = vec4<f32>(read_a(aBase, row, col), read_a(aBase, row + 1u, col), read_a(aBase, row + 2u, col), read_a(aBase, row + 3u, col));
    }
    for (var s = t; s < KT * SLOTS; s += THREADS) {
      ${order(!transB)}
      let row = k0 + kk;
      let col = col0 + 4u * slot;
      tileB[kk * SLOTS + slot] = vec4<f32>(read_b(bBase, row, col), read_b(bBase, row, col + 1u), read_b(bBase, row, col + 2u), read_b(bBase, row, col + 3u));
    }
    workgroupBarrier();
    for (var kk = 0u; kk < KT; kk += 1u) {
      ${readA.join('\n      ')}
      let b0 = tileB[kk * SLOTS + 2u * tx];
      let b1 = tileB[kk * SLOTS + 2u * tx + 1u];
      for (var i = 0u; i < ${PER}u; i += 1u) {
        let ai = vec4<f32>(av[i]);
        acc[i][0] = fma(ai, b0, acc[i][0]);
        acc[i][1] = fma(ai, b1, acc[i][1]);
      }
    }
    workgroupBarrier();
  }

  let outBase = batch * params.m * params.n;
  for (var i = 0u; i < ${PER}u; i += 1u) {
    let row = row0 + ${PER}u * ty + i;
    if (row >= params.m) { break; }
    for (var j = 0u; j < ${PER}u; j += 1u) {
      let col = col0 + ${PER}u * tx + j;
      if (col < params.n) { out[outBase + row * params.n + col] = acc[i][j / 4u][j % 4u]; }
    }
  }
}`,
  };
});

export function matmul(rt: GpuRuntime, a: GpuStorage, b: GpuStorage, p: MatmulParams): GpuStorage {
  const out = rt.alloc(p.batch * p.m * p.n, 'matmul');
  const tilesM = Math.ceil(p.m / TILE);
  const tilesN = Math.ceil(p.n / TILE);
  const groups = tilesM * tilesN * p.batch;
  const uniforms = {
    m: p.m,
    n: p.n,
    k: p.k,
    aBatchStride: p.aBatchStride,
    bBatchStride: p.bBatchStride,
    tilesM,
    tilesN,
    groups,
  };
  // Invocations of one row ty are SIDE consecutive indices, so subgroups of a size dividing SIDE lie within a row.
  const over = sharedLoadSubgroup(rt);
  const subgroup = over && SIDE % over === 0 ? over : 0;
  const flags = `${p.transA ? 'T' : 'N'}${p.transB ? 'T' : 'N'}`;
  rt.dispatch(kernel(`${flags}:${subgroup}`), { a, b, out }, uniforms, grid1d(groups, 1));
  return out;
}
