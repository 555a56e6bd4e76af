// Debian's Chromium, headless, with WebGPU on the CPU (SwiftShader), driven by playwright-core (which never downloads a
// browser here). Found on this machine (Chromium 156, no GPU):
//   --enable-unsafe-webgpu        the one flag WebGPU needs: without it headless Linux Chromium offers no adapter at all
//                                 ("No available adapters"); with it, navigator.gpu gives SwiftShader's fallback adapter
//                                 (vendor google, architecture swiftshader). --use-angle=swiftshader,
//                                 --use-webgpu-adapter=swiftshader and --enable-features=Vulkan change nothing.
//   --enable-unsafe-swiftshader   not needed for WebGPU (same adapter without it); allows SwiftShader for WebGL, should a
//                                 page use it
//   --no-sandbox                  the sandbox cannot start as root (CI containers)
//   --disable-background-networking --disable-component-update --disable-sync   no network traffic of its own
// WebGPU also needs a secure context: serve pages from 127.0.0.1 (about:blank and file: pages have no navigator.gpu).

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH}: no Chromium here. Run \`npm run setup\` (as root on Debian it installs the chromium package), or set CHROMIUM_PATH to a Chromium or Chrome binary`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
}
