// The contract every anomaly detector implements, so that training, calibration, evaluation, reports, checkpoints, the
// command line and the browser handle CAVGA, its autoencoder baselines and the no-learning baselines alike. A detector
// takes images [n, channels, imageSize, imageSize] with values in [-1, 1] (data/image.ts's preprocess) and gives each
// an anomaly score and an anomaly map. src/detectors.ts names every kind; a new detector is a class implementing
// StepDetector or OnePassDetector, a DetectorKind that builds it, and one entry there.
//
// Life of a detector: DetectorKind.configure checks settings and gives a DetectorSpec; create() builds it untrained;
// training by steps (trainLoop, checkpointing as it goes) or one fit over the training set; calibrate() on normal
// training images where `needsCalibration` says its scoring wants it; then analyze() on any images. checkpointState()
// and `config` are everything a checkpoint needs, and DetectorKind.fromCheckpoint rebuilds the detector from one.

import type { TrainingState } from '../nn/checkpoint-state.ts';
import type { DecodedSafetensors } from '../nn/safetensors-format.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Batch, TrainingData } from './batch.ts';
import type { TrainingProgress } from './lr-schedule.ts';
import type { SettingTable, Settings } from './settings.ts';

/** 'weakly': training batches carry labels, and the training set holds a few labelled anomalous images. */
export type Supervision = 'unsupervised' | 'weakly';

/** Every loss term of one training step, as device scalars ('total' among them). */
export type StepLosses = Record<string, Tensor>;

/** What a detector gives for a batch of n images; the caller disposes the tensors. */
export interface DetectorAnalysis {
  /** [n]: higher is more anomalous. */
  score: Tensor;
  /** [n, 1, s, s] in [0, 1]: higher is more anomalous; pixels above 0.5 count as anomalous (IoU). */
  map: Tensor;
  /** [n, c, s, s] in [-1, 1]: what the detector expected the image to be, where it reconstructs (pictures show it). */
  reconstruction: Tensor | null;
  /** [n, 1, s, s] in [0, 1]: an attention map to show beside the anomaly map (CAVGA's Grad-CAM), where there is one. */
  attention: Tensor | null;
}

/** A second test protocol on the same trained detector, which evaluations report as a second metrics table. */
export interface PaperProtocol {
  /** The table's heading: what the protocol scores and maps. */
  title: string;
  analyze(images: Tensor): DetectorAnalysis;
}

/** What a detector is before it is built: the JSON that builds it, and what the data given to it must be. */
export interface DetectorSpec {
  /** JSON that rebuilds the detector (DetectorKind.create); checkpoints keep it in their metadata. */
  readonly config: object;
  readonly imageSize: number;
  readonly channels: 1 | 3;
  readonly supervision: Supervision;
  /** Seeds its initial state, and the data splits it trains on (an evaluation must split the data the same way). */
  readonly seed: number;
}

interface DetectorBase extends DetectorSpec {
  /** One line for people: what it is and its main settings. */
  describe(): string;
  /** The test-time choices in use, as JSON (reports show them). */
  readonly scoring: object;
  /**
   * Changes the test-time choices: values named as its kind's scoringSettings, undefined keeping a choice as it is.
   * Throws, naming the choice, when they do not fit together; nothing changes then.
   */
  setScoring(values: Settings): void;
  /**
   * Scores and maps images [n, c, s, s] in [-1, 1], in evaluation mode and recording no graph for the caller. Throws
   * while `needsCalibration` holds.
   */
  analyze(images: Tensor): DetectorAnalysis;
  /** Whether the scoring in use needs calibrate() first: statistics of normal images it has not computed yet. */
  readonly needsCalibration: boolean;
  /**
   * Computes the scoring's statistics from normal images, batches [n, c, s, s] that `batches` yields (each disposed
   * once used); returns how many images it used. Absent where no scoring of the detector needs one.
   */
  calibrate?(batches: Iterable<Tensor>): Promise<number>;
  /** One line on how to read its scores (`cavga infer` prints it), where there is something to say. */
  scoreScale?(): Promise<string | null>;
  /** The same detector under another test protocol (its paper's), or null: none, or it is the scoring in use. */
  readonly paperProtocol: PaperProtocol | null;
  /** Its module (weights, buffers, statistics) and any optimisers and random generators: what a checkpoint holds. */
  checkpointState(): TrainingState;
}

/** Learns by many gradient steps (CAVGA, the autoencoders); trainLoop drives it and checkpoints between steps. */
export interface StepDetector extends DetectorBase {
  readonly training: 'steps';
  /**
   * One training step on a batch (with labels when weakly supervised); returns the loss terms, which the caller reads
   * and disposes. Training makes any calibration stale: `needsCalibration` holds again afterwards if the scoring uses one.
   * `progress` says where the step is in its run (a learning-rate schedule follows it); without it, step 0 of 1.
   */
  step(batch: Batch, progress?: TrainingProgress): StepLosses;
}

/** Fitted in one pass over the training images (the no-learning baselines): no steps, no losses. */
export interface OnePassDetector extends DetectorBase {
  readonly training: 'one-pass';
  /** Fits to all of `data`, replacing any earlier fit; disposes the batches it reads. */
  fit(data: TrainingData): Promise<void>;
}

export type Detector = StepDetector | OnePassDetector;

/** A detector restored from a checkpoint, and the training step it was saved at (a one-pass fit counts as step 1). */
export interface SavedDetector {
  detector: Detector;
  step: number;
}

/** What every kind takes besides its own settings. */
export interface DetectorInput {
  imageSize: number;
  channels: 1 | 3;
  seed: number;
}

/** How to make one kind of detector: its settings, a config from them, a detector from a config or a checkpoint. */
export interface DetectorKind {
  readonly training: 'steps' | 'one-pass';
  /** Settings at creation, test-time ones included (`cavga train`'s options beyond those every kind takes). */
  readonly settings: SettingTable;
  /** Test-time settings a trained detector takes (`cavga eval`'s options; setScoring's names). */
  readonly scoringSettings: SettingTable;
  /**
   * Why one of `settings` does nothing for this kind (kinds that share a table may each use only part of it, e.g. a
   * model without a discriminator has no adversarial weight), or null when it applies; absent: every one applies.
   */
  whyNot?(setting: string): string | null;
  /**
   * A checked spec for `input` and `values` (named as `settings`; undefined: the default). Throws, naming the setting,
   * on values that do not fit. Allocates nothing, so it can run before a device exists.
   */
  configure(input: DetectorInput, values: Settings): DetectorSpec;
  /** A new, untrained detector of a spec's config, on the default device. */
  create(config: object): Detector;
  /** Whether a checkpoint's config (its metadata `config`, parsed) is this kind's. */
  reads(config: unknown): boolean;
  /** The detector a checkpoint of this kind holds; `source` names the file in errors. */
  fromCheckpoint(decoded: DecodedSafetensors, source: string): SavedDetector;
}

/** Everything a checkpoint of `detector` at `step` holds (nn/checkpoint.ts's saveCheckpoint writes it). */
export function detectorCheckpoint(detector: Detector, step: number): TrainingState {
  return { ...detector.checkpointState(), step, config: detector.config };
}
