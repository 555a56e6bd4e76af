// Eigenvalues and eigenvectors of a small symmetric matrix in float64, by the cyclic Jacobi method: each rotation zeroes
// one off-diagonal pair, and sweeps over all pairs repeat until the off-diagonal part is negligible (convergence is
// quadratic once it is small). Accurate to a few ulps of the largest eigenvalue, and simple; O(n^3) per sweep, so for
// the l x l matrices of the baselines (PCA's subspace, a colour covariance), never for anything of the size of an image.

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: Float64Array;
  /** vectors[i]: the unit eigenvector of values[i]. */
  vectors: Float64Array[];
}

const MAX_SWEEPS = 60;

/** The eigen-decomposition of the symmetric n x n matrix `matrix` (row-major; its upper and lower halves averaged). */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 1 || matrix.length !== n * n)
    throw new Error(`symmetricEigen: expected ${n} x ${n} = ${n * n} values, got ${matrix.length}`);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (matrix[i * n + j] + matrix[j * n + i]) / 2;
  if (!a.every(Number.isFinite)) throw new Error('symmetricEigen: the matrix has a non-finite value');
  const v = new Float64Array(n * n); // columns: the eigenvectors
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const total = a.reduce((s, x) => s + x * x, 0);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off <= 1e-30 * total) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // The rotation by angle phi in the (p, q) plane with tan(phi) = t zeroes a[p][q]; t is the smaller root.
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          // columns p and q of A, then of V
          const [akp, akq] = [a[k * n + p], a[k * n + q]];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
          const [vkp, vkq] = [v[k * n + p], v[k * n + q]];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
        for (let k = 0; k < n; k++) {
          // rows p and q of A
          const [apk, aqk] = [a[p * n + k], a[q * n + k]];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  return {
    values: Float64Array.from(order, (i) => a[i * n + i]),
    vectors: order.map((i) => Float64Array.from({ length: n }, (_, k) => v[k * n + i])),
  };
}
