// Every differentiable op, in one namespace.
export * from './elementwise.ts';
export * from './reduce.ts';
export * from './shape.ts';
export * from './matmul.ts';
export * from './conv.ts';
export * from './pool.ts';
export * from './copy.ts';
export { fullLike, onesLike, zerosLike } from './constants.ts';
export { backward, grad } from '../engine.ts';
