// Up-sampling (nearest and bilinear) as two products with 1-d interpolation matrices built on the host:
// out = M_h x M_w^T. Interpolation is linear in x, so its gradient (and every higher one) is the transposed products.

import { matmul, permute } from '../../autograd/index.ts';
import { formatShape } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';

export type InterpolateMode = 'nearest' | 'bilinear';

/** Row i of the matrix holds the weights of input positions for output position i, following PyTorch's formulas. */
function interpolationMatrix(
  inSize: number,
  outSize: number,
  mode: InterpolateMode,
  alignCorners: boolean,
  scale: number | null,
): Float64Array {
  const m = new Float64Array(outSize * inSize);
  // PyTorch uses 1 / scale_factor when one was given, else the size ratio.
  const ratio = scale ? 1 / scale : inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    if (mode === 'nearest') {
      m[i * inSize + Math.min(Math.floor(i * ratio), inSize - 1)] = 1;
      continue;
    }
    const src = alignCorners
      ? outSize > 1
        ? (i * (inSize - 1)) / (outSize - 1)
        : 0
      : Math.max((i + 0.5) * ratio - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const frac = src - i0;
    m[i * inSize + i0] += 1 - frac;
    m[i * inSize + i1] += frac;
  }
  return m;
}

export interface InterpolateOptions {
  size?: number | readonly [number, number];
  scaleFactor?: number | readonly [number, number];
  mode?: InterpolateMode;
  alignCorners?: boolean;
}

/** PyTorch's F.interpolate for 4-d input [n, c, h, w]. */
export function interpolate(input: Tensor, options: InterpolateOptions): Tensor {
  const mode = options.mode ?? 'nearest';
  if (input.ndim !== 4)
    throw new Error(`interpolate: expected a 4-d input [n, c, h, w], got ${formatShape(input.shape)}`);
  if (mode !== 'nearest' && mode !== 'bilinear')
    throw new Error(`interpolate: mode '${mode}' is not supported (nearest, bilinear)`);
  if (mode === 'nearest' && options.alignCorners !== undefined)
    throw new Error('interpolate: align_corners only applies to bilinear mode');
  if ((options.size === undefined) === (options.scaleFactor === undefined))
    throw new Error('interpolate: give exactly one of size and scaleFactor');
  const [, , h, w] = input.shape;
  const scales =
    options.scaleFactor === undefined
      ? null
      : typeof options.scaleFactor === 'number'
        ? [options.scaleFactor, options.scaleFactor]
        : options.scaleFactor;
  const [outH, outW] =
    options.size !== undefined
      ? typeof options.size === 'number'
        ? [options.size, options.size]
        : options.size
      : [Math.floor(h * scales![0]), Math.floor(w * scales![1])];
  if (!(outH >= 1 && outW >= 1 && Number.isInteger(outH) && Number.isInteger(outW)))
    throw new Error(`interpolate: output size ${outH}x${outW} is invalid`);
  const alignCorners = options.alignCorners ?? false;
  const constant = (values: Float64Array, shape: number[]) => new Tensor(input.backend.upload(values), shape);
  const mh = interpolationMatrix(h, outH, mode, alignCorners, scales && scales[0]);
  const mw = interpolationMatrix(w, outW, mode, alignCorners, scales && scales[1]);
  // Transposed matrices so both products put the big operand on the left (its batch folds into the rows).
  const mwT = constant(transpose2d(mw, outW, w), [w, outW]);
  const mhT = constant(transpose2d(mh, outH, h), [h, outH]);
  const alongW = matmul(input, mwT); // [n, c, h, outW]
  const alongH = matmul(permute(alongW, [0, 1, 3, 2]), mhT); // [n, c, outW, outH]
  return permute(alongH, [0, 1, 3, 2]);
}

function transpose2d(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(m.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
  return t;
}
