// The PyTorch-style Tensor methods (x.add(y), x.sum(1), loss.backward()), attached to Tensor.prototype as tfjs chains
// its ops: the tensor layer knows nothing of autograd, and each method is a shortcut to the functional op of the same
// name. src/autograd/index.ts loads this file, so any code that imports autograd has the methods.

import { Tensor } from '../tensor/tensor.ts';
import { backward } from './engine.ts';
import { expand, sum } from './ops/broadcast.ts';
import { clone, detach } from './ops/copy.ts';
import * as ew from './ops/elementwise.ts';
import { matmul } from './ops/matmul.ts';
import { max, mean, min, variance } from './ops/reduce.ts';
import { permute, transpose } from './ops/shape.ts';
import { flatten, reshape, squeeze, unsqueeze } from './ops/view.ts';

export interface TensorMethods {
  /** Accumulates the gradient of this tensor into `.grad` of every leaf that requires grad. */
  backward(gradient?: Tensor, options?: { createGraph?: boolean }): void;
  detach(): Tensor;
  clone(): Tensor;

  add(other: Tensor | number): Tensor;
  sub(other: Tensor | number): Tensor;
  mul(other: Tensor | number): Tensor;
  div(other: Tensor | number): Tensor;
  pow(exponent: Tensor | number): Tensor;
  maximum(other: Tensor): Tensor;
  minimum(other: Tensor): Tensor;
  gt(other: Tensor | number): Tensor;
  ge(other: Tensor | number): Tensor;
  lt(other: Tensor | number): Tensor;
  le(other: Tensor | number): Tensor;
  eq(other: Tensor | number): Tensor;
  ne(other: Tensor | number): Tensor;
  neg(): Tensor;
  abs(): Tensor;
  sign(): Tensor;
  exp(): Tensor;
  log(): Tensor;
  sqrt(): Tensor;
  rsqrt(): Tensor;
  square(): Tensor;
  reciprocal(): Tensor;
  relu(): Tensor;
  leakyRelu(negativeSlope?: number): Tensor;
  sigmoid(): Tensor;
  tanh(): Tensor;
  clamp(min?: number, max?: number): Tensor;

  sum(dim?: number | number[], keepdim?: boolean): Tensor;
  mean(dim?: number | number[], keepdim?: boolean): Tensor;
  max(dim?: number | number[], keepdim?: boolean): Tensor;
  min(dim?: number | number[], keepdim?: boolean): Tensor;
  var(dim?: number | number[], options?: { correction?: number; keepdim?: boolean }): Tensor;

  reshape(...shape: number[] | [number[]]): Tensor;
  view(...shape: number[] | [number[]]): Tensor;
  flatten(startDim?: number, endDim?: number): Tensor;
  unsqueeze(dim: number): Tensor;
  squeeze(dim?: number): Tensor;
  permute(...dims: number[] | [number[]]): Tensor;
  transpose(dim0: number, dim1: number): Tensor;
  expand(...shape: number[] | [number[]]): Tensor;
  matmul(other: Tensor): Tensor;
}

declare module '../tensor/tensor.ts' {
  // The methods are listed in TensorMethods so that the implementations below are checked against them.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends TensorMethods {}
}

/** reshape(2, 3) and reshape([2, 3]) alike. */
function flatArgs(args: number[] | [number[]]): number[] {
  return Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
}

const methods: TensorMethods & ThisType<Tensor> = {
  backward(gradient, options = {}) {
    backward(this, gradient, options);
  },
  detach() {
    return detach(this);
  },
  clone() {
    return clone(this);
  },

  add(other) {
    return ew.add(this, other);
  },
  sub(other) {
    return ew.sub(this, other);
  },
  mul(other) {
    return ew.mul(this, other);
  },
  div(other) {
    return ew.div(this, other);
  },
  pow(exponent) {
    return ew.pow(this, exponent);
  },
  maximum(other) {
    return ew.maximum(this, other);
  },
  minimum(other) {
    return ew.minimum(this, other);
  },
  gt(other) {
    return ew.gt(this, other);
  },
  ge(other) {
    return ew.ge(this, other);
  },
  lt(other) {
    return ew.lt(this, other);
  },
  le(other) {
    return ew.le(this, other);
  },
  eq(other) {
    return ew.eq(this, other);
  },
  ne(other) {
    return ew.ne(this, other);
  },
  neg() {
    return ew.neg(this);
  },
  abs() {
    return ew.abs(this);
  },
  sign() {
    return ew.sign(this);
  },
  exp() {
    return ew.exp(this);
  },
  log() {
    return ew.log(this);
  },
  sqrt() {
    return ew.sqrt(this);
  },
  rsqrt() {
    return ew.rsqrt(this);
  },
  square() {
    return ew.square(this);
  },
  reciprocal() {
    return ew.reciprocal(this);
  },
  relu() {
    return ew.relu(this);
  },
  leakyRelu(negativeSlope = 0.01) {
    return ew.leakyRelu(this, negativeSlope);
  },
  sigmoid() {
    return ew.sigmoid(this);
  },
  tanh() {
    return ew.tanh(this);
  },
  clamp(lower, upper) {
    return ew.clamp(this, lower, upper);
  },

  sum(dim, keepdim = false) {
    return sum(this, dim, keepdim);
  },
  mean(dim, keepdim = false) {
    return mean(this, dim, keepdim);
  },
  max(dim, keepdim = false) {
    return max(this, dim, keepdim);
  },
  min(dim, keepdim = false) {
    return min(this, dim, keepdim);
  },
  var(dim, options = {}) {
    return variance(this, dim, options);
  },

  reshape(...shape) {
    return reshape(this, flatArgs(shape));
  },
  view(...shape) {
    return reshape(this, flatArgs(shape));
  },
  flatten(startDim = 0, endDim = -1) {
    return flatten(this, startDim, endDim);
  },
  unsqueeze(dim) {
    return unsqueeze(this, dim);
  },
  squeeze(dim) {
    return squeeze(this, dim);
  },
  permute(...dims) {
    return permute(this, flatArgs(dims));
  },
  transpose(dim0, dim1) {
    return transpose(this, dim0, dim1);
  },
  expand(...shape) {
    return expand(this, flatArgs(shape));
  },
  matmul(other) {
    return matmul(this, other);
  },
};

// Defined like class methods: not enumerable, so they do not show up among a tensor's keys.
for (const [name, method] of Object.entries(methods))
  Object.defineProperty(Tensor.prototype, name, { value: method, writable: true, configurable: true });
