// The contract between tensors and the two backends (WebGPU and the float64 reference).
//
// A backend stores flat arrays and runs a small set of primitives on them; shapes, broadcasting rules, autograd and every
// composite op live above this line. Each primitive's parameters carry the full geometry so a backend never infers shapes.

import type { Shape } from './shape.ts';

/** The devices a tensor can live on: 'cpu' is the float64 reference backend, 'webgpu' the WGSL kernels. */
export type DeviceName = 'cpu' | 'webgpu';

/** A flat array of elements owned by one backend. */
export interface Storage {
  readonly size: number;
  readonly backend: Backend;
}

export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'square'
  | 'reciprocal'
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'cos'
  | 'sin'
  // ops taking a scalar `alpha`
  | 'leakyRelu'
  | 'addScalar'
  | 'mulScalar'
  | 'powScalar'
  | 'rsubScalar';

export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'maximum'
  | 'minimum'
  | 'pow'
  // comparisons give 1 where true and 0 where false
  | 'gt'
  | 'ge'
  | 'lt'
  | 'le'
  | 'eq'
  | 'ne';

/** An element-wise expression over numbered operands: a tree of the ops above (built and compiled in expression.ts). */
export type Expr =
  | { kind: 'operand'; index: number }
  | { kind: 'constant'; value: number }
  | { kind: 'unary'; op: UnaryOp; x: Expr; alpha: number }
  | { kind: 'binary'; op: BinaryOp; a: Expr; b: Expr };

export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';

/** Operands read as if broadcast to `outShape` (stride 0 on broadcast dimensions). */
export interface BroadcastParams {
  outShape: Shape;
  strides: number[][]; // one stride list per operand, each of length outShape.length
}

export interface ReduceParams {
  inShape: Shape;
  axes: number[]; // sorted, unique; the output keeps the other dimensions in order
}

/** out[i0..ik] = x[offset + sum_j i_j * strides[j]]: permute, slice and expand in one primitive. */
export interface GatherParams {
  outShape: Shape;
  strides: number[];
  offset: number;
}

/** Constant padding; `before` and `after` per dimension, non-negative. */
export interface PadParams {
  inShape: Shape;
  before: number[];
  after: number[];
  value: number;
}

/** out[b] = op(a[b]) @ op(b[b]) for b < batch; op transposes when the flag is set. Operand b's batch stride may be 0. */
export interface MatmulParams {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean; // a is stored [k, m] per batch instead of [m, k]
  transB: boolean; // b is stored [n, k] per batch instead of [k, n]
  aBatchStride: number;
  bBatchStride: number;
}

/** Geometry of y = conv2d(x, w): x [n, cIn, h, w], w [cOut, cIn, kh, kw], y [n, cOut, oh, ow]. */
export interface Conv2dParams {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
}

/** Geometry of y = pool(x): x [n, c, h, w], y [n, c, oh, ow]. */
export interface Pool2dParams {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  countIncludePad: boolean; // average pooling only
}

/** Layout of an [n, c, ...] tensor for per-channel ops: `hw` elements per (image, channel) plane. */
export interface ChannelParams {
  n: number;
  c: number;
  hw: number;
}

/** Batch norm's per-channel layout and the epsilon added to each variance before its square root. */
/** A per-channel affine map, followed by a leaky ReLU with this slope (at least 0; 0 is ReLU) when one is given. */
export interface AffineParams extends ChannelParams {
  negativeSlope?: number | null;
}

export interface BatchNormParams extends AffineParams {
  eps: number;
}

/** Batch norm's running-statistics update over c channels. */
export interface RunningStatsParams {
  c: number;
  momentum: number;
  /** momentum * count / (count - 1): the batch's biased variance made unbiased. */
  varianceMomentum: number;
}

/** Counter-based random numbers: element i uses counter (offset + i) under key `seed`. */
export interface RandomParams {
  kind: 'uniform' | 'normal';
  size: number;
  seed: number; // up to 2^53, split into two 32-bit key words
  offset: number;
}

/** One Adam step with L2 weight decay: g' = g + wd p; m, v updated; p -= lr (m / bc1) / (sqrt(v / bc2) + eps). */
export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  biasCorrection1: number; // 1 - beta1^t
  biasCorrection2: number; // 1 - beta2^t
}

/** One SGD step as PyTorch: g' = g + wd p; buf = firstStep ? g' : momentum buf + (1 - dampening) g'; p -= lr (nesterov ? g' + momentum buf : buf). */
export interface SgdParams {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  firstStep: boolean;
}

export interface MemoryInfo {
  liveBytes: number; // bytes held by live storages
  peakBytes: number;
  liveStorages: number;
  pooledBytes: number; // bytes kept for reuse
  allocatedBytes: number; // bytes of device buffers that exist (live + pooled + waiting for submit)
}

/**
 * The primitives every backend computes, on its own storages. A backend implements them as a table (src/tensor/
 * backend-table.ts); autograd builds every other op from them.
 */
export interface Primitives {
  fill(size: number, value: number): Storage;
  random(p: RandomParams): Storage;
  unary(op: UnaryOp, x: Storage, alpha: number): Storage;
  binary(op: BinaryOp, a: Storage, b: Storage, p: BroadcastParams): Storage;
  where(cond: Storage, a: Storage, b: Storage, p: BroadcastParams): Storage;
  /**
   * A chain of element-wise ops in one pass (src/tensor/expression.ts): operand k of `expr` is inputs[k], each read
   * through p.strides[k]. `name` names the chain in errors and profiles.
   */
  elementwise(name: string, expr: Expr, inputs: Storage[], p: BroadcastParams): Storage;
  reduce(op: ReduceOp, x: Storage, p: ReduceParams): Storage;
  gather(x: Storage, p: GatherParams): Storage;
  pad(x: Storage, p: PadParams): Storage;
  matmul(a: Storage, b: Storage, p: MatmulParams): Storage;
  /** y = conv2d(x, w), plus bias[c] ([cOut]) on every output when one is given. */
  conv2d(x: Storage, w: Storage, p: Conv2dParams, bias?: Storage | null): Storage;
  /**
   * dL/dx [n, cIn, h, w] from dL/dy [n, cOut, oh, ow]; also conv_transpose2d's forward, whose bias ([cIn]) is added to
   * every output when one is given.
   */
  conv2dGradInput(gy: Storage, w: Storage, p: Conv2dParams, bias?: Storage | null): Storage;
  /** dL/dw [cOut, cIn, kh, kw] from x and dL/dy. */
  conv2dGradWeight(x: Storage, gy: Storage, p: Conv2dParams): Storage;
  /** Max pooling; `indices` holds, per output, the flat index (y * w + x) of the chosen input in its plane. */
  maxPool2d(x: Storage, p: Pool2dParams): { values: Storage; indices: Storage };
  /** Adjoint of maxPool2dGather: sums gy [n, c, oh, ow] into the chosen input positions, giving [n, c, h, w]. */
  maxPool2dScatter(gy: Storage, indices: Storage, p: Pool2dParams): Storage;
  /** Reads x [n, c, h, w] at the chosen positions, giving [n, c, oh, ow]. */
  maxPool2dGather(x: Storage, indices: Storage, p: Pool2dParams): Storage;
  avgPool2d(x: Storage, p: Pool2dParams): Storage;
  /** Adjoint of avgPool2d: [n, c, oh, ow] to [n, c, h, w]. */
  avgPool2dGrad(gy: Storage, p: Pool2dParams): Storage;
  /**
   * Per-channel mean and biased variance of x [n, c, ...], two-pass (no E[x^2] - E[x]^2 cancellation), and the affine
   * map that normalises x: scale = weight / sqrt(variance + eps), shift = bias - mean * scale (a null weight counts as
   * 1, a null bias as 0).
   */
  batchNormStats(
    x: Storage,
    weight: Storage | null,
    bias: Storage | null,
    p: BatchNormParams,
  ): { mean: Storage; variance: Storage; scale: Storage; shift: Storage };
  /**
   * Running statistics after a batch, as PyTorch updates them: running = (1 - momentum) running + momentum batch for
   * the mean, and (1 - momentum) running + varianceMomentum batch for the variance; `count` (a layer's batches seen,
   * one value), when given, comes back one larger. New storages; the inputs are left as they are.
   */
  batchNormRunningStats(
    runningMean: Storage,
    runningVar: Storage,
    mean: Storage,
    variance: Storage,
    count: Storage | null,
    p: RunningStatsParams,
  ): { mean: Storage; variance: Storage; count: Storage | null };
  /** y = x * scale[c] + shift[c]. */
  channelAffine(x: Storage, scale: Storage, shift: Storage, p: AffineParams): Storage;
  /**
   * Per-channel sums of g and of g * xhat, xhat = (x - mean[c]) / sqrt(variance[c] + eps): one pass. With a negative
   * slope, g is first taken back through the leaky ReLU whose output y is (g where y > 0, else slope * g), and that
   * gradient is returned as `g` too; otherwise `y` is null and so is the returned `g`.
   */
  batchNormBackwardSums(
    g: Storage,
    x: Storage,
    y: Storage | null,
    mean: Storage,
    variance: Storage,
    p: BatchNormParams,
  ): { sumG: Storage; sumGXhat: Storage; g: Storage | null };
  /** gx = scale[c] (g - sumG[c] / m - xhat sumGXhat[c] / m), xhat as above, m = n * hw. */
  batchNormBackwardInput(
    g: Storage,
    x: Storage,
    mean: Storage,
    variance: Storage,
    scale: Storage,
    sumG: Storage,
    sumGXhat: Storage,
    p: BatchNormParams,
  ): Storage;
  /**
   * Fused optimiser updates: new storages for the parameters and their state (inputs are left as they are). Adam takes
   * a list of parameters (element k of each list belongs to parameter k), updated in as few dispatches as the adapter's
   * bindings allow.
   */
  adam(
    params: Storage[],
    grads: Storage[],
    ms: Storage[],
    vs: Storage[],
    p: AdamParams,
  ): { params: Storage[]; ms: Storage[]; vs: Storage[] };
  /**
   * The same update written into the parameters' and states' own storages: for storages nothing else holds (the
   * optimiser checks), so the buffers stay the same from step to step and twice as many parameters fit a dispatch.
   */
  adamInPlace(params: Storage[], grads: Storage[], ms: Storage[], vs: Storage[], p: AdamParams): void;
  sgd(param: Storage, grad: Storage, buf: Storage, p: SgdParams): { param: Storage; buf: Storage };
}

/** A backend: storage management and the primitives. */
export interface Backend extends Primitives {
  readonly name: DeviceName;
  upload(data: ArrayLike<number>): Storage;
  /** Values as float32 (webgpu) or float64 (cpu). */
  read(s: Storage): Promise<Float32Array | Float64Array>;
  /** Several storages' values, waiting for the device once. */
  readMany(storages: Storage[]): Promise<(Float32Array | Float64Array)[]>;
  release(s: Storage): void;
  memory(): MemoryInfo;
  /**
   * Waits until the device has finished the work recorded so far (no readback). Long loops of ops must await this now
   * and then: Dawn processes its completions only when JavaScript yields, and crashes when many steps pile up.
   */
  sync(): Promise<void>;
}
