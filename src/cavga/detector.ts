// CAVGA as a Detector (anomaly/detector.ts): the model, its trainer (two Adams, the noise generator), the scoring in use
// and which scoring its per-pixel calibration was computed for. The autoencoder baselines are CAVGA configs too.

import type { DetectorKind, DetectorSpec, PaperProtocol, StepDetector, Supervision } from '../anomaly/detector.ts';
import type { Batch } from '../anomaly/batch.ts';
import type { TrainingProgress } from '../anomaly/lr-schedule.ts';
import type { Settings } from '../anomaly/settings.ts';
import type { DecodedSafetensors } from '../nn/safetensors-format.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { calibrate } from './calibration.ts';
import {
  cavgaConfig,
  paperScoring,
  requireFlatLatentFor,
  sameScoring,
  validateScoring,
  type ModelName,
  type Scoring,
} from './config.ts';
import { analyze, type Analysis } from './inference.ts';
import type { Cavga } from './models/cavga.ts';
import { modelFromCheckpoint, newTrainer, trainingState, type SavedConfig } from './saved-model.ts';
import { cavgaSavedConfig, cavgaScoringSettings, cavgaSettings, cavgaWhyNot, scoringOf } from './settings.ts';
import type { CavgaTrainer } from './trainer.ts';

/** What the second table of a CAVGA report is. */
export const PAPER_PROTOCOL_TITLE =
  "The paper's test protocol on the same models (image score mean |x - x_hat|, map 1 - A; A_a when weakly supervised)";

export class CavgaDetector implements StepDetector {
  readonly training = 'steps';
  readonly model: Cavga;
  private scoringInUse: Scoring;
  /** The scoring the model's calibration buffers hold statistics for; null: none yet, or training made them stale. */
  private calibratedFor: Scoring | null;

  /** A detector of `saved`: a new model, or the one `trainer` holds (restored from a checkpoint). */
  constructor(
    readonly saved: SavedConfig,
    readonly trainer: CavgaTrainer = newTrainer(saved),
  ) {
    this.model = trainer.model;
    this.scoringInUse = scoringOf({}, saved.cavga); // the config's own scoring fields
    const calibrated = this.model.calibration.calibrated && (this.model.latentCalibration?.calibrated ?? true);
    this.calibratedFor = calibrated ? this.scoringInUse : null;
  }

  get config(): SavedConfig {
    return this.saved;
  }
  get imageSize(): number {
    return this.saved.cavga.imageSize;
  }
  get channels(): 1 | 3 {
    return this.saved.cavga.channels;
  }
  get supervision(): Supervision {
    return this.saved.cavga.supervision;
  }
  get seed(): number {
    return this.saved.seed;
  }

  static fromCheckpoint(decoded: DecodedSafetensors, source: string): { detector: CavgaDetector; step: number } {
    const { saved, trainer, step } = modelFromCheckpoint(decoded, source);
    return { detector: new CavgaDetector(saved, trainer), step };
  }

  describe(): string {
    const c = this.config.cavga;
    return `${c.backbone} ${c.supervision} CAVGA, ${c.imageSize}x${c.imageSize}x${c.channels}, width ${c.width}, latent ${c.latentChannels}`;
  }

  get scoring(): Scoring {
    return this.scoringInUse;
  }

  setScoring(values: Settings): void {
    const scoring = scoringOf(values, this.scoringInUse);
    validateScoring(scoring);
    requireFlatLatentFor(scoring, this.model.config);
    this.scoringInUse = scoring;
  }

  step(batch: Batch, progress?: TrainingProgress) {
    this.calibratedFor = null;
    return this.trainer.step(batch, progress);
  }

  get needsCalibration(): boolean {
    const s = this.scoringInUse;
    const uses = s.standardize || s.imageScore === 'error-latent';
    return uses && !(this.calibratedFor && sameScoring(this.calibratedFor, s));
  }

  async calibrate(batches: Iterable<Tensor>): Promise<number> {
    const used = await calibrate(this.model, batches, this.scoringInUse);
    this.calibratedFor = this.scoringInUse;
    return used;
  }

  analyze(images: Tensor): Analysis {
    if (this.needsCalibration) {
      throw new Error(
        'CAVGA: standardised scoring needs the model calibrated on normal images for this scoring (calibrate; cavga train does it after training)',
      );
    }
    return analyze(this.model, images, this.scoringInUse);
  }

  async scoreScale(): Promise<string | null> {
    if (!this.scoringInUse.standardize) return null;
    return this.model.calibration.describeScale('reconstruction errors');
  }

  /** The paper's protocol, for models trained with CAVGA's attention and scored otherwise. */
  get paperProtocol(): PaperProtocol | null {
    const paper = paperScoring(this.scoringInUse);
    if (!this.model.config.attentionLoss || sameScoring(paper, this.scoringInUse)) return null;
    return { title: PAPER_PROTOCOL_TITLE, analyze: (images) => analyze(this.model, images, paper) };
  }

  checkpointState() {
    return trainingState(this.trainer);
  }
}

/** One of the CAVGA presets (config.ts's modelPresets) as a kind of detector. */
export function cavgaKind(model: ModelName): DetectorKind {
  return {
    training: 'steps',
    settings: cavgaSettings,
    scoringSettings: cavgaScoringSettings,
    whyNot: (setting) => cavgaWhyNot(model, setting),
    configure: (input, values): DetectorSpec => {
      const saved = cavgaSavedConfig(model, input, values);
      const { imageSize, channels, supervision } = saved.cavga;
      return { config: saved, imageSize, channels, supervision, seed: saved.seed };
    },
    create: (config) => {
      const saved = config as SavedConfig;
      return new CavgaDetector({ cavga: cavgaConfig(saved.cavga), seed: saved.seed });
    },
    // Checkpoints of every CAVGA preset (and those written before detectors had kinds) carry the CAVGA config.
    reads: (config) => typeof config === 'object' && config !== null && 'cavga' in config,
    fromCheckpoint: CavgaDetector.fromCheckpoint,
  };
}
