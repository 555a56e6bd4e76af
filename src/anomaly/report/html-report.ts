// The run's report as one self-contained HTML file: every picture is embedded as a base64 PNG data URI and the CSS is
// inline, so the file can be mailed or archived alone and opens offline without a single external request.

import { describeSample } from './image-grid.ts';
import { BASELINES_TITLE, baselineRows, metricsRows, type MetricsReport } from './metrics.ts';

export interface ReportFigure {
  title: string;
  png: Uint8Array;
}

export interface ReportSample {
  category?: string;
  score: number;
  label: number;
  defect?: string;
  /** The sample's row of tiles, typically encodePng(sampleGrid([sample], { captions: false })). */
  png: Uint8Array;
}

export interface HtmlReportInput {
  title: string;
  config: Record<string, unknown>;
  metrics: MetricsReport;
  lossCurves?: Uint8Array;
  rocCurves?: ReportFigure[];
  samples?: ReportSample[];
}

const CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.mean td { font-weight: bold; background: #f4f4f4; }
code { font-size: 0.9em; } .figures { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; } figcaption { font-size: 0.9em; color: #555; } figure.anomalous figcaption { color: #b00; }
img { image-rendering: pixelated; max-width: 100%; }
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function image(png: Uint8Array, alt: string): string {
  return `<img alt="${escapeHtml(alt)}" src="data:image/png;base64,${Buffer.from(png).toString('base64')}">`;
}

function table([header, ...rows]: string[][]): string {
  const body = rows.map((cells, r) => {
    const tds = cells.map((c, i) => `<td${i > 0 ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('');
    return `<tr${r === rows.length - 1 ? ' class="mean"' : ''}>${tds}</tr>`;
  });
  return `<table><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${body.join('')}</table>`;
}

function configTable(config: Record<string, unknown>): string {
  const rows = Object.entries(config).map(([key, value]) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return `<tr><td>${escapeHtml(key)}</td><td><code>${escapeHtml(text ?? String(value))}</code></td></tr>`;
  });
  return `<table>${rows.join('')}</table>`;
}

function samplesSection(samples: ReportSample[]): string {
  // Group by category in first-seen order, as the metrics table lists them.
  const groups = new Map<string, ReportSample[]>();
  for (const s of samples) {
    const key = s.category ?? '';
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups]
    .map(([category, members]) => {
      const figures = members.map((s) => {
        const caption = describeSample(s);
        const kind = s.label > 0.5 ? 'anomalous' : 'normal';
        return `<figure class="${kind}">${image(s.png, caption)}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
      });
      return `${category ? `<h3>${escapeHtml(category)}</h3>` : ''}<div class="figures">${figures.join('')}</div>`;
    })
    .join('\n');
}

export function htmlReport(input: HtmlReportInput): string {
  const parts = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(input.title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${escapeHtml(input.title)}</h1>`,
    '<h2>Metrics</h2>',
    table(metricsRows(input.metrics)),
    ...(input.metrics.paperProtocol
      ? [`<h3>${escapeHtml(input.metrics.paperProtocol.title)}</h3>`, table(metricsRows(input.metrics.paperProtocol))]
      : []),
    ...(input.metrics.baselines ? [`<h3>${escapeHtml(BASELINES_TITLE)}</h3>`, table(baselineRows(input.metrics))] : []),
    '<p>IoU: mean over anomalous images of the IoU of map &gt; 0.5 and mask; pooled: over all test pixels. ' +
      'Detection accuracy: scores min-max normalised over the test set, threshold 0.5, mean of the accuracy on ' +
      'normal and on anomalous images.</p>',
    '<h2>Configuration</h2>',
    configTable(input.config),
  ];
  if (input.lossCurves) parts.push('<h2>Training</h2>', image(input.lossCurves, 'loss curves'));
  if (input.rocCurves?.length) {
    const figures = input.rocCurves.map(
      (f) => `<figure>${image(f.png, f.title)}<figcaption>${escapeHtml(f.title)}</figcaption></figure>`,
    );
    parts.push('<h2>ROC curves</h2>', `<div class="figures">${figures.join('')}</div>`);
  }
  if (input.samples?.length) parts.push('<h2>Test images</h2>', samplesSection(input.samples));
  parts.push('</body></html>\n');
  return parts.join('\n');
}
