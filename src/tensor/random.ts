// Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"): a counter-based generator
// built from 32-bit add, rotate and xor only, so WGSL and JavaScript produce the same bits. Element i of a draw uses
// counter (offset + i, 0) under the key split from the seed; uniforms keep the top 24 bits, exact in float32 and float64.

const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24];
const PARITY = 0x1bd11bda;

export function splitSeed(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`random: seed must be a non-negative safe integer, got ${seed}`);
  return [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
}

const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;

/** Returns the two output words for counter (c0, c1) under key (k0, k1). */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number): [number, number] {
  const k2 = (k0 ^ k1 ^ PARITY) >>> 0;
  const ks = [k0, k1, k2];
  let x0 = (c0 + k0) >>> 0;
  let x1 = (c1 + k1) >>> 0;
  for (let block = 0; block < 5; block++) {
    for (let r = 0; r < 4; r++) {
      x0 = (x0 + x1) >>> 0;
      x1 = rotl(x1, ROTATIONS[(block % 2) * 4 + r]) ^ x0;
    }
    const s = block + 1;
    x0 = (x0 + ks[s % 3]) >>> 0;
    x1 = (x1 + ks[(s + 1) % 3] + s) >>> 0;
  }
  return [x0, x1];
}

const INV_2_24 = 1 / 16777216;

/** Uniform in [0, 1) and standard normal (Box-Muller, cosine branch) from the two words. */
export function uniformFromBits(w0: number): number {
  return (w0 >>> 8) * INV_2_24;
}

export function normalFromBits(w0: number, w1: number): number {
  const u1 = ((w0 >>> 8) + 1) * INV_2_24; // (0, 1]: log stays finite
  const u2 = (w1 >>> 8) * INV_2_24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** WGSL twin of the functions above; `threefry` takes key and counter words. */
export const threefryWgsl = /* wgsl */ `
fn rotl32(x: u32, r: u32) -> u32 { return (x << r) | (x >> (32u - r)); }
fn threefry(k0: u32, k1: u32, c0: u32, c1: u32) -> vec2<u32> {
  let rot = array<u32, 8>(13u, 15u, 26u, 6u, 17u, 29u, 16u, 24u);
  let ks = array<u32, 3>(k0, k1, k0 ^ k1 ^ 0x1bd11bdau);
  var x0 = c0 + k0;
  var x1 = c1 + k1;
  for (var blk = 0u; blk < 5u; blk += 1u) {
    for (var r = 0u; r < 4u; r += 1u) {
      x0 = x0 + x1;
      x1 = rotl32(x1, rot[(blk % 2u) * 4u + r]) ^ x0;
    }
    let s = blk + 1u;
    x0 = x0 + ks[s % 3u];
    x1 = x1 + ks[(s + 1u) % 3u] + s;
  }
  return vec2<u32>(x0, x1);
}
fn uniform_from_bits(w0: u32) -> f32 { return f32(w0 >> 8u) * (1.0 / 16777216.0); }
fn normal_from_bits(w0: u32, w1: u32) -> f32 {
  let u1 = f32((w0 >> 8u) + 1u) * (1.0 / 16777216.0);
  let u2 = f32(w1 >> 8u) * (1.0 / 16777216.0);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
`;
