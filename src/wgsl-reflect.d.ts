// wgsl_reflect's package.json points Node at a CommonJS file under "type": "module"; its ES module build is imported directly.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
