// Dispatch grids for 1-D kernels, which may need more workgroups than one dimension allows.

/** Workgroup counts for `threads` invocations of a 1-D kernel, folded into y when x would pass the 65535 limit. */
export function grid1d(threads: number, workgroupSize: number): [number, number, number] {
  const groups = Math.ceil(threads / workgroupSize);
  if (groups <= 65535) return [groups, 1, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y, 1];
}

/** WGSL for the flat invocation index under grid1d; declare `@builtin(workgroup_id) wid` and `@builtin(num_workgroups) nwg`. */
export const flatIndexWgsl = (workgroupSize: number) => /* wgsl */ `
fn flat_index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * ${workgroupSize}u + lid;
}`;
