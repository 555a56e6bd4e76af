// Autograd's entry: every differentiable op, reverse mode, the recording switches, and (loaded here, so that whoever
// imports autograd has them) the Tensor methods.
import './tensor-methods.ts';

export * from './ops/index.ts';
export { grad, backward, type GradOptions } from './engine.ts';
export { noGrad, isGradEnabled, setGradEnabled } from './graph.ts';
