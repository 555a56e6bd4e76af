// Model names -> kinds of detector (src/anomaly/detector.ts), and checkpoints -> detectors: everything `cavga train`,
// `cavga eval`, `cavga infer` and the browser build can build, load and take settings for. A new detector is one entry
// in DETECTORS.

import { DataError, oneLine } from './anomaly/data/errors.ts';
import type { Detector, DetectorInput, DetectorKind, SavedDetector } from './anomaly/detector.ts';
import type { SettingTable, Settings } from './anomaly/settings.ts';
import type { DecodedSafetensors } from './nn/safetensors-format.ts';
import { modelPresets, type ModelName } from './cavga/config.ts';
import { cavgaKind } from './cavga/detector.ts';
import { pcaKind } from './baselines/pca/detector.ts';
import { pixelGaussianKind } from './baselines/pixel-gaussian/detector.ts';

export const DETECTORS: Readonly<Record<string, DetectorKind>> = {
  // CAVGA's four variants and the paper's autoencoder baselines, built from CAVGA's parts.
  ...Object.fromEntries(Object.keys(modelPresets).map((name) => [name, cavgaKind(name as ModelName)])),
  // No learning at all: what a learned model must beat.
  'pixel-gaussian': pixelGaussianKind,
  pca: pcaKind,
};

/** The baselines every `cavga train` run fits and scores beside its model, on the same split, with their defaults. */
export const BASELINES = ['pixel-gaussian', 'pca'] as const;

export function detectorKind(name: string): DetectorKind {
  const kind = DETECTORS[name];
  if (!kind) throw new Error(`unknown model '${name}'; choose one of ${Object.keys(DETECTORS).join(', ')}`);
  return kind;
}

/** A new, untrained detector `name` (settings as its kind names them; undefined: the default), on the default device. */
export function createDetector(name: string, input: DetectorInput, values: Settings = {}): Detector {
  const kind = detectorKind(name);
  return kind.create(kind.configure(input, values).config);
}

/** Every setting some kind takes, as `table` picks them from each kind; kinds that share a setting share its spec. */
export function everySetting(table: (kind: DetectorKind) => SettingTable): SettingTable {
  const all: SettingTable = {};
  for (const kind of Object.values(DETECTORS))
    for (const [name, spec] of Object.entries(table(kind))) all[name] ??= spec;
  return all;
}

/** The detector a decoded checkpoint holds, whatever its kind; `source` names the file in errors. */
export function detectorFromCheckpoint(
  decoded: DecodedSafetensors,
  source: string,
): SavedDetector & { kind: DetectorKind } {
  let config: unknown;
  try {
    config = JSON.parse(decoded.metadata.config ?? '');
  } catch (e) {
    throw new DataError(`${source}: not a checkpoint of this project (its config: ${oneLine((e as Error).message)})`);
  }
  const kind = Object.values(DETECTORS).find((k) => k.reads(config));
  if (!kind) throw new DataError(`${source}: not a checkpoint of any detector of this project`);
  return { ...kind.fromCheckpoint(decoded, source), kind };
}
