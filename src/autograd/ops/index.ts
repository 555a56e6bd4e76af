// Every differentiable op, in one namespace (reverse mode itself is in src/autograd/engine.ts).
export * from './view.ts';
export { expand, sum, sumTo } from './broadcast.ts';
export * from './elementwise.ts';
export * from './reduce.ts';
export * from './shape.ts';
export * from './matmul.ts';
export * from './conv.ts';
export * from './pool.ts';
export * from './copy.ts';
export * from './batchnorm.ts';
