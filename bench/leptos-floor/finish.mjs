// Finishes bench/leptos-floor as the app's dist/ is finished, and measures it: wasm-opt -Oz with
// the app's features (index.html), functions ordered for gzip and names stripped
// (scripts/wasm-order.mjs, as scripts/finalize-dist.mjs does), the glue minified with the same
// terser settings; then gzip -9 of wasm + js, written to target/bench/floor.json.
//   node bench/leptos-floor/finish.mjs <wasm-bindgen out dir> [stem] [out.json]
// bench/run.sh also finishes a copy of the domain's wasm harness (bench/wasm) this way, for the
// size of the domain without any UI (stem marginalia_bench_wasm, target/bench/domain-alone.json).
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { minify } from 'terser';
import { nameInLikenessOrder } from '../../scripts/wasm-order.mjs';

const [dir, stem = 'leptos-floor', outJson = 'target/bench/floor.json'] = process.argv.slice(2);
const FEATURES = ['--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue'];
const wasmOpt = (args) => execFileSync('node_modules/.bin/wasm-opt', [...FEATURES, ...args], { stdio: 'inherit' });
const wasm = join(dir, `${stem}_bg.wasm`);
const named = `${wasm}.named`;
wasmOpt(['-Oz', '-g', wasm, '-o', named]);
writeFileSync(named, nameInLikenessOrder(readFileSync(named)));
wasmOpt(['-ol', '2', '-s', '2', '--reorder-functions-by-name', '--strip-debug', '--strip-producers',
  '--strip-target-features', named, '-o', wasm]);
rmSync(named);
const glue = join(dir, `${stem}.js`);
const min = await minify(readFileSync(glue, 'utf8'), {
  module: true, ecma: 2020, compress: { passes: 2 }, mangle: true, format: { comments: false },
});
writeFileSync(glue, min.code);
const gz = (p) => gzipSync(readFileSync(p), { level: 9 }).length;
const out = { wasm_gzip: gz(wasm), js_gzip: gz(glue) };
out.total_gzip = out.wasm_gzip + out.js_gzip;
writeFileSync(outJson, JSON.stringify(out, null, 2));
console.log(`${stem}: wasm ${out.wasm_gzip} B + js ${out.js_gzip} B = ${out.total_gzip} B gzip`);
