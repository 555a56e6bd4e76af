// Training checkpoints: a model's state dict under its PyTorch names (so the file is also a plain state dict), optimiser
// state under `optim.<name>.`, and in `__metadata__` the config, step, optimiser step counts and random-generator states.
// Everything is checked before anything is applied: a mismatched file changes nothing. No files here (decoded safetensors
// in, tensors and metadata out), so browsers restore checkpoints with the same code; checkpoint.ts reads and writes files.

import { type Generator } from '../tensor/creation.ts';
import { tidy } from '../tensor/memory.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Module } from './module.ts';
import type { Optimizer } from './optim/optimizer.ts';
import { loadIntoTensors, type DecodedSafetensors } from './safetensors-format.ts';

const FORMAT = 'cavga-webgpu-checkpoint/1';

export interface TrainingState {
  model: Module;
  optimizers?: Record<string, Optimizer<object>>;
  generators?: Record<string, Generator>;
  step?: number;
  /** Saved as JSON; returned by loadCheckpoint for the caller to compare or reuse. */
  config?: unknown;
  /** More `__metadata__` entries, each saved as JSON under its own name (what data a model trained on, say). */
  metadata?: Record<string, unknown>;
}

const RESERVED = ['format', 'step', 'config', 'optimizers', 'generators'];

/** The tensors and metadata of a checkpoint of `state`, as saveSafetensors (or encodeSafetensors) takes them. */
export function checkpointContents(state: TrainingState): {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
} {
  const tensors: Record<string, Tensor> = { ...state.model.stateDict() };
  const optimizerSteps: Record<string, number> = {};
  for (const [name, opt] of Object.entries(state.optimizers ?? {})) {
    const saved = opt.stateDict();
    optimizerSteps[name] = saved.step;
    for (const [key, t] of Object.entries(saved.tensors)) tensors[`optim.${name}.${key}`] = t;
  }
  const generators = Object.fromEntries(Object.entries(state.generators ?? {}).map(([k, g]) => [k, g.getState()]));
  const extra = Object.entries(state.metadata ?? {});
  const clash = extra.find(([key]) => RESERVED.includes(key));
  if (clash) throw new Error(`checkpoint metadata: '${clash[0]}' is the checkpoint's own entry`);
  return {
    tensors,
    metadata: {
      ...Object.fromEntries(extra.map(([key, value]) => [key, JSON.stringify(value)])),
      format: FORMAT,
      step: String(state.step ?? 0),
      config: JSON.stringify(state.config ?? null),
      optimizers: JSON.stringify(optimizerSteps),
      generators: JSON.stringify(generators),
    },
  };
}

export interface LoadedCheckpoint {
  step: number;
  config: unknown;
}

/**
 * Restores a decoded checkpoint into `state` (model tensors, optimiser state, generator states); `path` names it in
 * errors. A file with other names or shapes is refused with one error naming the tensors and the expected and found shapes.
 */
export function restoreCheckpoint(decoded: DecodedSafetensors, state: TrainingState, path: string): LoadedCheckpoint {
  const meta = decoded.metadata;
  if (meta.format !== FORMAT)
    throw new Error(
      `Checkpoint ${path} is not a training checkpoint of this project (format '${meta.format ?? 'none'}')`,
    );
  const parse = (key: string) => {
    try {
      return JSON.parse(meta[key] ?? 'null');
    } catch {
      throw new Error(`Checkpoint ${path}: metadata '${key}' is not valid JSON`);
    }
  };
  const optimizerSteps = (parse('optimizers') ?? {}) as Record<string, number>;
  const generatorStates = (parse('generators') ?? {}) as Record<string, { seed: number; offset: number }>;

  // Expected names and shapes: the model's, plus whatever optimiser state the file has for known parameters.
  const expected: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(state.model.stateDict())) expected[name] = t.shape;
  for (const [name, opt] of Object.entries(state.optimizers ?? {})) {
    if (!(name in optimizerSteps)) throw new Error(`Checkpoint ${path} has no state for optimiser '${name}'`);
    const prefix = `optim.${name}.`;
    for (const key of Object.keys(decoded.tensors).filter((k) => k.startsWith(prefix))) {
      const m = /^state\.(\d+)\.(\d+)\./.exec(key.slice(prefix.length));
      const p = m && opt.groups[Number(m[1])]?.params[Number(m[2])];
      if (!p) throw new Error(`Checkpoint ${path}: ${key} does not name a parameter of optimiser '${name}'`);
      expected[key] = p.shape;
    }
  }
  for (const name of Object.keys(state.generators ?? {})) {
    if (!generatorStates[name]) throw new Error(`Checkpoint ${path} has no state for random generator '${name}'`);
  }
  const device = state.model.parameters()[0]?.backend;
  tidy(() => {
    const tensors = loadIntoTensors(decoded, expected, path, { device });
    const modelPart = Object.fromEntries(Object.keys(state.model.stateDict()).map((k) => [k, tensors[k]]));
    state.model.loadStateDict(modelPart);
    for (const [name, opt] of Object.entries(state.optimizers ?? {})) {
      const prefix = `optim.${name}.`;
      const own = Object.fromEntries(
        Object.entries(tensors)
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, t]) => [k.slice(prefix.length), t]),
      );
      opt.loadStateDict({ step: optimizerSteps[name], tensors: own });
    }
  });
  for (const [name, g] of Object.entries(state.generators ?? {})) g.setState(generatorStates[name]);
  return { step: Number(meta.step ?? 0), config: parse('config') };
}
