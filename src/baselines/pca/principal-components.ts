// The top k principal directions of a set of images without forming anything of pixels x pixels: randomized subspace
// iteration with a final Rayleigh-Ritz step (Halko, Martinsson and Tropp, "Finding structure with randomness", 2011,
// algorithms 4.4 and 5.1). Xc is the n x d matrix of centred training images, C = Xc^T Xc their scatter:
//
//   Y = Xc^T Omega                      Omega: n x l standard normal (seeded), l = k + OVERSAMPLING, at most n
//   ITERATIONS times: V = orth(Y), Y = Xc^T (Xc V) = C V
//   V = orth(Y); T = (Xc V)^T (Xc V) = V^T C V = E Theta E^T; the directions: V E, largest Theta first, the first k
//
// Every product with the images runs on the device, a batch of rows of Xc at a time (training-passes.ts); what is left
// is small and runs on the host in float64: orthonormalising the d x l basis (Gram-Schmidt, twice) and the l x l
// eigenproblem (Jacobi). When l = n the first Y spans every direction of the centred images, so the result is exact PCA
// (the snapshot method); otherwise each iteration shrinks what lies outside the top-k subspace by the eigenvalue ratio.

import { add, bmm, reshape, sub, sum } from '../../autograd/ops/index.ts';
import type { TrainingData } from '../../anomaly/batch.ts';
import { Generator, randn, tensor, zeros } from '../../tensor/creation.ts';
import { tidy } from '../../tensor/memory.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { symmetricEigen } from '../symmetric-eigen.ts';
import { accumulate, eachBatch } from '../training-passes.ts';

/** Extra directions carried along: the top k converge faster inside a larger subspace. */
export const OVERSAMPLING = 10;
/**
 * Power iterations. On the built-in weave and washer training images (64 x 64 x 3, k 32) the subspace after 2 holds all
 * but 0.02% of the variance that the converged one holds (3: 0.002%); each costs a pass over the images.
 */
export const ITERATIONS = 2;
/** Directions whose variance is below this share of the largest are numerically absent (fewer images than k, say). */
const RANK_TOLERANCE = 1e-6;

export interface PrincipalComponents {
  /** The mean image, d values. */
  mean: Float64Array;
  /** Orthonormal directions (d values each), largest variance first; fewer than k when the images span fewer. */
  components: Float64Array[];
  /** The variance along each direction (its eigenvalue of the covariance). */
  variances: Float64Array;
}

async function meanImage(data: TrainingData, d: number): Promise<Float64Array> {
  const total = new Float64Array(d);
  await eachBatch(data, d, async (images) => {
    const sums = tidy(() => sum(reshape(images, [images.shape[0], d]), 0));
    accumulate(total, await sums.data());
    sums.dispose();
  });
  return total.map((v) => v / data.count);
}

/**
 * One pass over the images with a basis `v` [d, l] (or, first, with the rows of Omega): Y = Xc^T (Xc V) on the device,
 * read back at the end, and T = (Xc V)^T (Xc V) accumulated on the host.
 */
async function pass(
  data: TrainingData,
  mean: Tensor,
  l: number,
  rows: (centred: Tensor, start: number) => Tensor,
): Promise<{ y: Float32Array; t: Float64Array }> {
  const d = mean.shape[1];
  let y = zeros([1, d, l]);
  const t = new Float64Array(l * l);
  await eachBatch(data, d, async (images, start) => {
    const [next, gram] = tidy(() => {
      const centred = reshape(sub(reshape(images, [images.shape[0], d]), mean), [1, images.shape[0], d]);
      const w = rows(centred, start); // [1, b, l]
      return [add(y, bmm(centred, w, true, false)), bmm(w, w, true, false)];
    });
    y.dispose();
    y = next;
    accumulate(t, await gram.data());
    gram.dispose();
  });
  const values = await y.data();
  y.dispose();
  return { y: Float32Array.from(values), t };
}

const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** Orthonormal columns spanning those of `y` (row-major d x l), in float64; numerically dependent columns are dropped. */
export function orthonormalColumns(y: ArrayLike<number>, d: number, l: number): Float64Array[] {
  const basis: Float64Array[] = [];
  for (let j = 0; j < l; j++) {
    const column = Float64Array.from({ length: d }, (_, i) => y[i * l + j]);
    const before = norm(column);
    for (let round = 0; round < 2; round++) {
      for (const q of basis) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i] * column[i];
        for (let i = 0; i < d; i++) column[i] -= dot * q[i];
      }
    }
    const after = norm(column);
    if (before > 0 && after > 1e-6 * before) basis.push(column.map((x) => x / after));
  }
  return basis;
}

/** Columns as a row-major d x l float32 tensor [1, d, l] on the default device. */
function basisTensor(columns: Float64Array[], d: number): Tensor {
  const l = columns.length;
  const values = new Float32Array(d * l);
  columns.forEach((column, j) => column.forEach((x, i) => (values[i * l + j] = x)));
  return tensor(values, [1, d, l]);
}

/** The top `k` principal components of the training images (d values each), by seeded randomized subspace iteration. */
export async function principalComponents(
  data: TrainingData,
  d: number,
  k: number,
  seed: number,
  iterations = ITERATIONS,
): Promise<PrincipalComponents> {
  if (data.count < 2) throw new Error(`PCA: needs at least 2 training images, got ${data.count}`);
  const mean = await meanImage(data, d);
  const meanTensor = tensor(Float32Array.from(mean), [1, d]);
  try {
    const l = Math.min(k + OVERSAMPLING, data.count);
    const generator = new Generator(seed);
    // Y = Xc^T Omega: Omega's rows are drawn batch by batch, in order, from one seeded stream.
    let { y } = await pass(data, meanTensor, l, (centred) => randn([1, centred.shape[1], l], { generator }));
    let columns = orthonormalColumns(y, d, l);
    let t: Float64Array = new Float64Array(0);
    for (let iteration = 0; iteration <= iterations; iteration++) {
      const v = basisTensor(columns, d);
      ({ y, t } = await pass(data, meanTensor, columns.length, (centred) => bmm(centred, v)));
      v.dispose();
      // The last pass gives T for the basis it used; Y is then not needed.
      if (iteration < iterations) columns = orthonormalColumns(y, d, columns.length);
    }
    const { values, vectors } = symmetricEigen(t, columns.length);
    const kept = [...values.keys()].filter((e) => e < k && values[e] > RANK_TOLERANCE * values[0]);
    const components = kept.map((e) => {
      const u = new Float64Array(d);
      columns.forEach((column, j) => {
        const w = vectors[e][j];
        for (let i = 0; i < d; i++) u[i] += w * column[i];
      });
      return u;
    });
    return { mean, components, variances: Float64Array.from(kept, (e) => values[e] / (data.count - 1)) };
  } finally {
    meanTensor.dispose();
  }
}
