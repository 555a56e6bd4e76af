// Prints the WebGPU adapter the engine will use and its main limits.
import { init, formatAdapter, releaseWebGPU } from '../src/index.ts';

const gpu = await init();
const { info } = gpu.rt;
console.log(`adapter: ${formatAdapter(info)}`);
for (const key of [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupsPerDimension',
]) {
  console.log(`  ${key}: ${info.limits[key]}`);
}
await releaseWebGPU();
