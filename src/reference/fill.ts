// Constants and counter-based random draws. Element i of a draw is a pure function of (seed, offset + i), so any slice
// of a stream can be regenerated and the WebGPU backend produces the same bits.

import type { RandomParams } from '../tensor/backend.ts';
import { normalFromBits, splitSeed, threefry2x32, uniformFromBits } from '../tensor/random.ts';

export function fill(size: number, value: number): Float64Array {
  return new Float64Array(size).fill(value);
}

export function random(p: RandomParams): Float64Array {
  const [k0, k1] = splitSeed(p.seed);
  const out = new Float64Array(p.size);
  for (let i = 0; i < p.size; i++) {
    const counter = p.offset + i;
    // Low and high 32-bit words of the counter (exact: counters stay below 2^53).
    const [w0, w1] = threefry2x32(k0, k1, counter >>> 0, Math.floor(counter / 2 ** 32) >>> 0);
    out[i] = p.kind === 'uniform' ? uniformFromBits(w0) : normalFromBits(w0, w1);
  }
  return out;
}
