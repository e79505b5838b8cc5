// Bundles the worklist's browser code into web/static/build/ (served by Flask; no CDN at run time).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const out = new URL('../static/build/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { 'task-form': 'src/task-form.js' },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['es2020'],
  outdir: out,
  loader: { '.svg': 'dataurl', '.woff': 'file', '.woff2': 'file' },
  logLevel: 'warning',
});
copyFileSync('node_modules/htmx.org/dist/htmx.min.js', `${out}htmx.min.js`);
console.log(`built ${out}`);
