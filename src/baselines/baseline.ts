// What the no-learning baselines share: fitted in one pass over normal training images, unsupervised, no test-time
// settings and no second protocol; a config of their kind's name, the input and their own settings (named as the
// settings are); and a kind that builds them from a config or a checkpoint (anomaly/detector.ts's contract).

import { DataError } from '../anomaly/data/errors.ts';
import type {
  DetectorAnalysis,
  DetectorInput,
  DetectorKind,
  OnePassDetector,
  SavedDetector,
} from '../anomaly/detector.ts';
import type { TrainingData } from '../anomaly/batch.ts';
import { withDefaults, type SettingTable, type Settings } from '../anomaly/settings.ts';
import { restoreCheckpoint, type TrainingState } from '../nn/checkpoint-state.ts';
import type { DecodedSafetensors } from '../nn/safetensors-format.ts';
import type { Tensor } from '../tensor/tensor.ts';

export interface BaselineConfig {
  /** The kind's name (src/detectors.ts): what a checkpoint's config is recognised by. */
  detector: string;
  imageSize: number;
  channels: 1 | 3;
  seed: number;
}

export abstract class Baseline<C extends BaselineConfig> implements OnePassDetector {
  readonly training = 'one-pass';
  readonly supervision = 'unsupervised';
  readonly scoring = {};
  readonly paperProtocol = null;
  /** Whether fit() ran (or a fitted checkpoint was loaded). */
  protected fitted = false;

  constructor(readonly config: C) {}

  get imageSize(): number {
    return this.config.imageSize;
  }
  get channels(): 1 | 3 {
    return this.config.channels;
  }
  get seed(): number {
    return this.config.seed;
  }

  abstract describe(): string;
  abstract get needsCalibration(): boolean;
  abstract fit(data: TrainingData): Promise<void>;
  abstract analyze(images: Tensor): DetectorAnalysis;
  abstract checkpointState(): TrainingState;
  /** Takes up the fitted (and calibrated) state a checkpoint's values say it has, once they are loaded. */
  abstract restored(decoded: DecodedSafetensors): void;

  setScoring(values: Settings): void {
    const given = Object.keys(values).filter((k) => values[k] !== undefined);
    if (given.length) throw new Error(`${this.config.detector}: no test-time settings (got ${given.join(', ')})`);
  }

  /** Throws unless fitted: an unfitted baseline's statistics are placeholders. */
  protected requireFitted(): void {
    if (!this.fitted) throw new Error(`${this.config.detector}: not fitted yet (fit it on normal training images)`);
  }
}

export interface BaselineDefinition<C extends BaselineConfig> {
  name: string;
  settings: SettingTable;
  /** The config's own fields from the settings (defaults filled in); throws, naming the setting, on a bad value. */
  ownConfig(values: Settings, input: DetectorInput): Omit<C, keyof BaselineConfig>;
  create(config: C): Baseline<C>;
}

/** A baseline's config for `input` and `values`; throws naming what does not fit. */
function configOf<C extends BaselineConfig>(d: BaselineDefinition<C>, input: DetectorInput, values: Settings): C {
  const { imageSize, channels, seed } = input;
  if (!Number.isInteger(imageSize) || imageSize < 8 || imageSize > 1024)
    throw new Error(`${d.name}: the image size must be a whole number from 8 to 1024, got ${imageSize}`);
  if (channels !== 1 && channels !== 3) throw new Error(`${d.name}: channels must be 1 or 3, got ${channels}`);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`${d.name}: the seed must be a whole number, got ${seed}`);
  const own = d.ownConfig(withDefaults(d.settings, values), input);
  return { ...own, detector: d.name, imageSize, channels, seed } as C;
}

/** The DetectorKind of a baseline. */
export function baselineKind<C extends BaselineConfig>(d: BaselineDefinition<C>): DetectorKind {
  return {
    training: 'one-pass',
    settings: d.settings,
    scoringSettings: {},
    configure: (input, values) => {
      const config = configOf(d, input, values);
      return {
        config,
        imageSize: config.imageSize,
        channels: config.channels,
        supervision: 'unsupervised',
        seed: config.seed,
      };
    },
    create: (config) => d.create(configOf(d, config as C, config as unknown as Settings)),
    reads: (config) => (config as Partial<BaselineConfig> | null)?.detector === d.name,
    fromCheckpoint: (decoded: DecodedSafetensors, source: string): SavedDetector => {
      let config: C;
      try {
        const saved = JSON.parse(decoded.metadata.config ?? '') as C;
        config = configOf(d, saved, saved as unknown as Settings);
      } catch (e) {
        throw new DataError(`${source}: not a ${d.name} checkpoint of this project (${(e as Error).message})`);
      }
      const detector = d.create(config);
      const { step } = restoreCheckpoint(decoded, detector.checkpointState(), source);
      detector.restored(decoded);
      return { detector, step };
    },
  };
}
