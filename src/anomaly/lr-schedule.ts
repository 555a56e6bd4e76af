// The learning rate over a run: constant, or a cosine decay from the configured rate to 0 over the run's steps
// (Loshchilov & Hutter's SGDR without restarts). The factor depends only on the step and the run's length, so a run
// resumed at step s continues the same curve.

export const LR_SCHEDULES = ['constant', 'cosine'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/** Where a training step is in its run: `step` steps done before it, of `steps` in all. */
export interface TrainingProgress {
  step: number;
  steps: number;
}

/** The factor on the configured learning rate at `step` (0-based) of a run of `steps`: 1 at step 0. */
export function lrFactor(schedule: LrSchedule, { step, steps }: TrainingProgress): number {
  if (schedule === 'constant') return 1;
  return 0.5 * (1 + Math.cos((Math.PI * Math.min(step, steps)) / Math.max(1, steps)));
}
