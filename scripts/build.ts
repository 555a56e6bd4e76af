// `npm run build`: ES modules in dist/ (WGSL already inlined as TypeScript strings):
//   dist/browser/cavga-webgpu.js   the engine and CAVGA (src/browser.ts), what package.json's "browser" export points at
//   dist/node/index.js             src/index.ts for plain Node (no TypeScript loader), the "node" export; its
//                                  dependencies (webgpu, pngjs, wgsl_reflect) stay imports of the installed packages
//   dist/demo/                     the demo page (demo/), which imports the library by name through an import map
import { build, type BuildOptions } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
export const distDir = join(root, 'dist');

const common: BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
};

/** Builds the Node bundle; returns its path. */
export async function buildNode(): Promise<string> {
  const outfile = join(distDir, 'node/index.js');
  await build({
    ...common,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    entryPoints: [join(root, 'src/index.ts')],
    outfile,
  });
  return outfile;
}

/** Builds the browser bundle and the demo; returns the dist folder. Fails on any import that a browser cannot load (node:*, Node addons). */
export async function buildBrowser(): Promise<string> {
  await build({
    ...common,
    entryPoints: [join(root, 'src/browser.ts')],
    outfile: join(distDir, 'browser/cavga-webgpu.js'),
  });
  await build({
    ...common,
    entryPoints: [join(root, 'demo/demo.ts')],
    outfile: join(distDir, 'demo/demo.js'),
    external: ['cavga-webgpu'],
  });
  mkdirSync(join(distDir, 'demo'), { recursive: true });
  copyFileSync(join(root, 'demo/index.html'), join(distDir, 'demo/index.html'));
  return distDir;
}

if (process.argv[1] === import.meta.filename) {
  await buildBrowser();
  const node = await buildNode();
  console.log(`build: ${join(distDir, 'browser/cavga-webgpu.js')}, ${node} and ${join(distDir, 'demo/')}`);
}
