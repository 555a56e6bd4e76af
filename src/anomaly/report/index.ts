// Evaluation metrics and the run report's pictures, HTML and progress display (issue 6, "Metrics and outputs").

export { auroc, roc, type RocCurve } from './roc.ts';
export * from './metrics.ts';
export * from './raster.ts';
export { encodePng } from './raster-png.ts';
export { drawText, fitText, textWidth } from './bitmap-font.ts';
export * from './colormap.ts';
export * from './image-grid.ts';
export * from './plots.ts';
export * from './html-report.ts';
export * from './progress.ts';
