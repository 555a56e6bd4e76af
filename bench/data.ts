// Host-side inputs and layout conversions. Both engines get the same values: generated here once per case, then uploaded
// to each (converted to tfjs's layout where it differs), outside the timed region.

/** Normal random values (mean 0, deviation `scale`), seeded: a mulberry32 stream through Box-Muller. Never all zeros. */
export function normal(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 2 ** 32; // in (0, 1): log() below stays finite
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform())) * scale;
    const a = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

/** Permutes a dense 4-d array: out[i_perm[0]][i_perm[1]]... = x[i0][i1][i2][i3], i.e. out's axis j is x's axis perm[j]. */
export function permute4(x: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const strides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  const [d0, d1, d2, d3] = perm.map((p) => shape[p]);
  const [s0, s1, s2, s3] = perm.map((p) => strides[p]);
  const out = new Float32Array(x.length);
  let o = 0;
  for (let a = 0; a < d0; a++)
    for (let b = 0; b < d1; b++)
      for (let c = 0; c < d2; c++)
        for (let d = 0; d < d3; d++) {
          out[o++] = x[a * s0 + b * s1 + c * s2 + d * s3];
        }
  return out;
}

/** The shape of x permuted by perm. */
export const permuted = (shape: readonly number[], perm: readonly number[]): number[] => perm.map((p) => shape[p]);

export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;
export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;
/**
 * Weights from PyTorch's layout to tfjs's: conv [cOut, cIn, kh, kw] to [kh, kw, cIn, cOut], and likewise transposed conv
 * [cIn, cOut, kh, kw] to [kh, kw, cOut, cIn].
 */
export const WEIGHT_TO_TFJS = [2, 3, 1, 0] as const;
/** tfjs's conv weight gradient [kh, kw, cIn, cOut] back to [cOut, cIn, kh, kw]. */
export const WEIGHT_FROM_TFJS = [3, 2, 0, 1] as const;
