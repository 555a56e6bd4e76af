// Writes a run's results: metrics as JSON and markdown, loss and ROC curves as PNG, and the self-contained HTML report.

import { join } from 'node:path';
import {
  encodePng,
  htmlReport,
  lossCurves,
  metricsJson,
  metricsMarkdown,
  metricsReport,
  rocCurves,
  sampleGrid,
  type LossSeries,
  type ReportSample,
} from '../anomaly/report/index.ts';
import type { CategoryEvaluation } from '../anomaly/evaluate.ts';
import type { BaselineMetrics } from '../anomaly/report/metrics.ts';
import { writeOutput } from './output-files.ts';
import { METRICS_LOG, readMetricsLog } from './run-folder.ts';

/** A category's pictures in one grid, as PNG (the run folder's <category>/samples.png). */
export const picturesPng = (evaluation: CategoryEvaluation): Uint8Array => encodePng(sampleGrid(evaluation.pictures));

/** Each picture alone and without a caption: the HTML report captions it. */
function reportSamples({ category, pictures }: CategoryEvaluation): ReportSample[] {
  return pictures.map((p) => ({
    category,
    score: p.score,
    label: p.label,
    defect: p.defect,
    png: encodePng(sampleGrid([p], { captions: false })),
  }));
}

/** Loss series of every category's metrics.jsonl (total and reconstruction). */
function lossSeries(out: string, categories: string[]): LossSeries[] {
  const series: LossSeries[] = [];
  for (const name of categories) {
    const rows = readMetricsLog(join(out, name, METRICS_LOG));
    if (!rows.length) continue;
    for (const term of ['total', 'reconstruction']) {
      series.push({ name: `${name} ${term}`, steps: rows.map((r) => r.step), values: rows.map((r) => r[term]) });
    }
  }
  return series;
}

/** Returns the metrics as a markdown table. */
export async function writeReport(
  out: string,
  title: string,
  config: Record<string, unknown>,
  evaluations: CategoryEvaluation[],
  categories: string[],
  baselines: BaselineMetrics[] = [],
): Promise<string> {
  const second = evaluations.map((e) => e.paperProtocol);
  const paper =
    evaluations.length && second.every((p) => p)
      ? { title: second[0]!.title, categories: second.map((p) => p!.metrics) }
      : undefined;
  const report = metricsReport(
    evaluations.map((e) => e.metrics),
    paper,
    baselines,
  );
  const markdown = metricsMarkdown(report);
  await writeOutput(join(out, 'metrics.json'), metricsJson(report));
  await writeOutput(join(out, 'metrics.md'), `${markdown}\n`);
  const series = lossSeries(out, categories);
  const losses = series.length ? encodePng(lossCurves(series, { smoothing: 0.9 })) : undefined;
  if (losses) await writeOutput(join(out, 'losses.png'), losses);
  const rocPng = encodePng(rocCurves(evaluations.map((e) => e.roc)));
  await writeOutput(join(out, 'roc.png'), rocPng);
  await writeOutput(
    join(out, 'report.html'),
    htmlReport({
      title,
      config,
      metrics: report,
      lossCurves: losses,
      rocCurves: [{ title: 'image ROC', png: rocPng }],
      samples: evaluations.flatMap(reportSamples),
    }),
  );
  return markdown;
}
