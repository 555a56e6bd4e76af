// `npm run build`: the browser build in dist/ (ES modules, WGSL already inlined as TypeScript strings):
//   dist/browser/cavga-webgpu.js   the engine and CAVGA (src/browser.ts), what package.json's "browser" export points at
//   dist/demo/                     the demo page (demo/), which imports the library by name through an import map
// Node runs the TypeScript sources directly (package.json's "node" export), so it needs no build.
import { build, type BuildOptions } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
export const distDir = join(root, 'dist');

const common: BuildOptions = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', sourcemap: true, logLevel: 'warning' };

/** Builds both bundles; returns the dist folder. Fails on any import that a browser cannot load (node:*, Node addons). */
export async function buildBrowser(): Promise<string> {
  await build({ ...common, entryPoints: [join(root, 'src/browser.ts')], outfile: join(distDir, 'browser/cavga-webgpu.js') });
  await build({ ...common, entryPoints: [join(root, 'demo/demo.ts')], outfile: join(distDir, 'demo/demo.js'), external: ['cavga-webgpu'] });
  mkdirSync(join(distDir, 'demo'), { recursive: true });
  copyFileSync(join(root, 'demo/index.html'), join(distDir, 'demo/index.html'));
  return distDir;
}

if (process.argv[1] === import.meta.filename) {
  await buildBrowser();
  console.log(`build: ${join(distDir, 'browser/cavga-webgpu.js')} and ${join(distDir, 'demo/')}`);
}
