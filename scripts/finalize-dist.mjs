// Finishes a release build in place (`make dist` runs it after scripts/build-dist.mjs, which
// writes what `trunk build --release` would, split):
//
// 1. Shrinks what is shipped: orders the wasm's functions for gzip (scripts/wasm-order.mjs; Trunk's
//    wasm-opt -Oz keeps the name section for it, `-g` in index.html) and strips its names with
//    npm binaryen's wasm-opt, minifies the wasm-bindgen JS glue (Trunk copies it unminified) with
//    terser and the stylesheet with csso (whitespace and comments only: `restructure: false` never
//    reorders or merges rules), then recomputes every `integrity` attribute in index.html.
// 2. Makes the build run under a strict Content Security Policy:
//      default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'
//    (connect-src allows https: and the loopback addresses: the sync server, issue 31)
//    Trunk writes its loader as an inline <script>; this moves every inline script into a hashed
//    file next to it, adds the CSP meta tag, and refuses to finish if inline styles or handlers remain.
// Last, it writes a brotli (quality 11) and a gzip (-9) copy beside each file, NAME.br and
// NAME.gz, for hosts that serve precompressed files (nginx's brotli_static and gzip_static,
// Caddy's `precompressed`, …): smaller than what a host compresses on the fly, so a reader on a
// slow network can highlight sooner (bench/first-visit; figures in docs/performance.md).
// Running it twice on the same dist/ changes nothing the second time.
//
// Usage: node scripts/finalize-dist.mjs DIST [PRERENDER.html]
import { readFileSync, writeFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minify as minifyJs } from 'terser';
import { minify as minifyCss } from 'csso';
import { hasNameSection, nameInLikenessOrder } from './wasm-order.mjs';
import { writeServiceWorker, SERVICE_WORKER } from './service-worker.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The wasm features the release build is optimised with (the same list as index.html's
// data-wasm-opt-params).
const WASM_FEATURES = ['--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue'];

const dir = process.argv[2] || 'dist';
const indexPath = join(dir, 'index.html');
// The precompressed copies of an earlier run are made again at the end, from the final files.
const PRECOMPRESSED = /\.(br|gz)$/;
for (const f of readdirSync(dir)) if (PRECOMPRESSED.test(f)) rmSync(join(dir, f));
let html = readFileSync(indexPath, 'utf8');

export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "img-src 'self' data: blob:; connect-src 'self' https: http://127.0.0.1:* http://localhost:*; object-src 'none'; base-uri 'none'; form-action 'none'";

// 3. The bundled article as static HTML (argv[3], from examples/prerender.rs), painted before the
//    app loads. A five-line script (assets/prerender-guard.js) hides it when the address names
//    another document; it runs inline, before the first paint, allowed by its hash in the CSP
//    (a separate file would hold the first paint back by a request).
const prerenderPath = process.argv[3];
const guard = readFileSync(join(root, 'assets/prerender-guard.js'), 'utf8').trim();
const guardHash = `'sha384-${createHash('sha384').update(guard).digest('base64')}'`;
let prerendered = false;
if (prerenderPath && !html.includes('id="prerender"')) {
  const body = readFileSync(prerenderPath, 'utf8').trim();
  if (!body.startsWith('<div id="prerender"')) {
    console.error(`finalize-dist: ${prerenderPath} does not hold the prerendered page`);
    process.exit(1);
  }
  html = html.replace(/<body>/, `<body>\n    ${body}`);
  prerendered = true;
}

// 4. With the article prerendered, the app starts once the article's first frame is out, and
//    its JS glue is fetched then rather than preloaded: Trunk's loader imports the glue at once
//    and its `modulepreload` has it fetched and compiled early, and that work and the wasm's
//    compile compete with the first frame on a 2-core machine (a trace: the frame presented ~30
//    ms after its commit instead of ~19). In 41 loads of each, taking turns with the static
//    page (BENCH_PAINT_VARIANTS in bench/browser.mjs): as Trunk writes it 112 ms; deferred but
//    preloaded 116; not preloaded but not deferred 120; both 100, the same as the page with no
//    scripts at all (static page 76). The wasm is still preloaded (a fetch, no compile). A page
//    opened in the background (no frames) starts at once.
const AFTER_FIRST_FRAME = "await new Promise((go) => document.visibilityState === 'hidden' ? go()" +
  " : requestAnimationFrame(() => { const c = new MessageChannel(); c.port1.onmessage = go; c.port2.postMessage(0); }));";
const TRUNK_IMPORT = /import init, \* as bindings from '([^']+)';/;
const TRUNK_WASM = /module_or_path: '([^']+\.wasm)'/;
const WASM_SRI = '__marginalia_wasm_integrity__';
let deferred = null;
let pinnedWasm = null;
// If it cannot start, assets/start-failed.js says so over the (still readable) article.
const START_FAILED = readFileSync(join(root, 'assets/start-failed.js'), 'utf8');
// 5. Once the app has started, and the browser is idle, the service worker (assets/sw.js, written
//    last by scripts/service-worker.mjs) is registered: the app opens again without a network.
const REGISTER_WORKER = "if ('serviceWorker' in navigator) (window.requestIdleCallback || setTimeout)(() => " +
  `navigator.serviceWorker.register('/${SERVICE_WORKER}').catch(() => {}));`;
const deferStart = (body) => {
  if (!prerendered || !TRUNK_IMPORT.test(body)) return body;
  let start = body.replace(TRUNK_IMPORT, (_, glue) => {
    deferred = glue;
    return `${AFTER_FIRST_FRAME}\nconst bindings = await import('${glue}');\nconst init = bindings.default;`;
  });
  // The wasm is fetched with its integrity (filled in below, once its bytes are final): a
  // preload's `integrity` is ignored for a fetch (Chromium says so in the console), so without
  // this an altered wasm would run.
  start = start.replace(TRUNK_WASM, (_, wasm) => {
    pinnedWasm = wasm;
    return `module_or_path: fetch('${wasm}', { integrity: '${WASM_SRI}' })`;
  });
  return `${START_FAILED}\ntry {\n${start}\n${REGISTER_WORKER}\n} catch (error) {\n  startFailed(error);\n}\n`;
};

let moved = 0;
html = html.replace(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/g, (whole, attrs = '', body) => {
  // Left inline: scripts with a file, and (when run again) the guard and the import map, allowed by their hashes.
  if (/\ssrc=/.test(attrs) || body.trim() === '' || body.trim() === guard || /type="importmap"/.test(attrs)) return whole;
  body = deferStart(body);
  const hash = createHash('sha384').update(body).digest();
  const name = `boot-${hash.toString('hex').slice(0, 16)}.js`;
  writeFileSync(join(dir, name), body);
  moved += 1;
  const type = /type="module"/.test(attrs) ? ' type="module"' : '';
  // The integrity value is set below, once the file has been minified.
  return `<script${type} src="/${name}" integrity=""></script>`;
});

if (prerendered) html = html.replace(/\s*<link rel="modulepreload"[^>]*>/g, '');
if (prerendered && !deferred) {
  console.error("finalize-dist: Trunk's loader (import init, * as bindings from '…') was not found: " +
    'the app would start before the prerendered article is painted');
  process.exit(1);
}

// The guard goes in after the inline scripts were moved out (it is meant to stay inline).
if (prerendered) html = html.replace('</head>', `  <script>${guard}</script>\n  </head>`);
let csp = prerendered ? CSP.replace("'wasm-unsafe-eval'", `'wasm-unsafe-eval' ${guardHash}`) : CSP;

let pinned = 0;
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

let before = 0;
let after = 0;
let ordered = 0;
for (const f of readdirSync(dir)) {
  const p = join(dir, f);
  if (f === SERVICE_WORKER) continue; // written last, minified then
  if (f.endsWith('.wasm')) {
    const wasm = readFileSync(p);
    if (!hasNameSection(wasm)) {
      // Already finished, or built without names (Cargo.toml's `strip`, index.html's `-g`).
      console.warn(`finalize-dist: ${f} has no name section: left in its order`);
      continue;
    }
    const named = `${p}.named`;
    writeFileSync(named, nameInLikenessOrder(wasm));
    // -ol 2 -s 2: write with -Oz's encoding (StackIR) without running the optimiser again.
    execFileSync(join(root, 'node_modules/.bin/wasm-opt'), [...WASM_FEATURES, '-ol', '2', '-s', '2',
      '--reorder-functions-by-name', '--strip-debug', '--strip-producers', '--strip-target-features',
      named, '-o', p], { stdio: 'inherit' });
    rmSync(named);
    ordered += 1;
    continue;
  }
  const src = readFileSync(p, 'utf8');
  let out;
  if (f.endsWith('.js')) {
    // An ES module (the glue keeps its exports; `import * as bindings` in the loader sees them all).
    const r = await minifyJs(src, {
      module: true,
      ecma: 2020,
      compress: { passes: 2 },
      mangle: true,
      format: { comments: false },
    });
    out = r.code;
  } else if (f.endsWith('.css')) {
    out = minifyCss(src, { restructure: false, comments: false }).css;
  } else {
    continue;
  }
  if (out.length < src.length) {
    writeFileSync(p, out);
    before += Buffer.byteLength(src);
    after += Buffer.byteLength(out);
  }
}

// The wasm's hash goes into the loader that fetches it (before the loader's own hash is taken);
// its preload keeps no `integrity` (ignored there, and a warning in the console), and the
// loader's fetch, the same request, uses what was preloaded.
if (prerendered && !pinnedWasm) {
  console.error("finalize-dist: Trunk's loader (module_or_path: '….wasm') was not found: the wasm would not be pinned");
  process.exit(1);
}
if (pinnedWasm) {
  const wasmSri = sri(readFileSync(join(dir, pinnedWasm.replace(/^\//, ''))));
  for (const f of readdirSync(dir).filter((f) => /^boot-.*\.js$/.test(f))) {
    const p = join(dir, f);
    const src = readFileSync(p, 'utf8');
    if (src.includes(WASM_SRI)) writeFileSync(p, src.replace(WASM_SRI, wasmSri));
  }
  pinned += 1;
}
// The split build's loader (split-HASH.js, scripts/build-dist.mjs) fetches each wasm file loaded
// on first use with the hash of its final bytes, and is itself pinned in the import map below.
const splitLoaders = readdirSync(dir).filter((f) => /^split-[0-9a-f]{16}\.js$/.test(f));
for (const f of splitLoaders) {
  const p = join(dir, f);
  let fetches = 0;
  const src = readFileSync(p, 'utf8').replace(/fetch\(new URL\((["'])\.\/([^"']+\.wasm)\1,\s*import\.meta\.url\)\)/g, (_, q, wasm) => {
    fetches += 1;
    return `fetch(new URL(${q}./${wasm}${q},import.meta.url),{integrity:${q}${sri(readFileSync(join(dir, wasm)))}${q}})`;
  });
  if (!fetches && !/integrity:/.test(src)) {
    console.error(`finalize-dist: ${f} fetches no wasm file the way it is expected to (fetch(new URL("./….wasm", import.meta.url)))`);
    process.exit(1);
  }
  writeFileSync(p, src);
  pinned += fetches;
}
html = html.replace(/<link rel="preload"[^>]*>/g, (tag) => (/\.wasm"/.test(tag) ? tag.replace(/\sintegrity="[^"]*"/, '') : tag));

// Every local file index.html pins with `integrity` gets the hash of its bytes as they are now.
html = html.replace(/<(?:link|script)\b[^>]*>/g, (tag) => {
  const ref = tag.match(/\s(?:href|src)="\/([^"/?#]+)"/);
  if (!ref || !/\sintegrity="/.test(tag)) return tag;
  const file = join(dir, ref[1]);
  if (!existsSync(file)) return tag;
  pinned += 1;
  return tag.replace(/\sintegrity="[^"]*"/, ` integrity="${sri(readFileSync(file))}"`);
});

// The glue, imported by the loader rather than preloaded, stays pinned: an import map's
// `integrity` (Chromium 127+, Firefox 138+; others ignore it), inline and allowed by its hash.
let importMap = '';
if (deferred) {
  const glueFile = join(dir, deferred.replace(/^\//, ''));
  const integrity = { [deferred]: sri(readFileSync(glueFile)) };
  for (const f of splitLoaders) integrity[`/${f}`] = sri(readFileSync(join(dir, f)));
  importMap = JSON.stringify({ integrity });
  html = html.replace(/<script type="module"/, `<script type="importmap">${importMap}</script>\n  <script type="module"`);
  const mapHash = `'sha384-${createHash('sha384').update(importMap).digest('base64')}'`;
  csp = csp.replace("'wasm-unsafe-eval'", `'wasm-unsafe-eval' ${mapHash}`);
  pinned += 1;
}

const addCsp = !html.includes('http-equiv="Content-Security-Policy"');
if (addCsp) {
  html = html.replace(/<meta charset="utf-8"\s*\/?>/i, (m) => `${m}\n    <meta http-equiv="Content-Security-Policy" content="${csp}" />`);
}
const problems = [];
const allowedInline = html.replace(`<script>${guard}</script>`, '').replace(/<script type="importmap">[^<]*<\/script>/, '');
if (/<script(?![^>]*\ssrc=)[^>]*>\s*\S/.test(allowedInline)) problems.push('an inline <script> remains');
if (/\sstyle="/.test(html)) problems.push('an inline style attribute remains');
if (/<style[\s>]/.test(html)) problems.push('an inline <style> element remains');
if (/\son[a-z]+="/.test(html)) problems.push('an inline event handler remains');
if (problems.length) {
  console.error(`finalize-dist: ${problems.join('; ')} in ${indexPath}`);
  process.exit(1);
}
writeFileSync(indexPath, html);
// The worker is registered by the loader of a prerendered page (this run's or an earlier run's).
const worker = html.includes('id="prerender"') ? await writeServiceWorker(dir) : null;
// Last, once every file is final (the worker lists none of these copies).
let brotli = 0;
let precompressed = 0;
for (const f of readdirSync(dir)) {
  if (PRECOMPRESSED.test(f) || !/\.(html|js|css|wasm|svg|webmanifest|json)$/.test(f)) continue;
  const raw = readFileSync(join(dir, f));
  const br = brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } });
  writeFileSync(join(dir, `${f}.br`), br);
  writeFileSync(join(dir, `${f}.gz`), gzipSync(raw, { level: 9 }));
  if (/\.(js|css|wasm)$/.test(f)) brotli += br.length;
  precompressed += 1;
}
console.log(
  `finalize-dist: ${ordered} wasm ordered for gzip and stripped, js+css minified ${before} -> ${after} B, ` +
    `${pinned} integrity hash(es) recomputed, ` +
    `${addCsp ? 'CSP meta added' : 'CSP meta kept'}, ${moved} inline script(s) moved to files` +
    `${prerendered ? ', bundled article prerendered, app started after its first frame' : ''}` +
    `${worker ? `, service worker keeps ${worker.files} files (version ${worker.version})` : ''}` +
    `, ${precompressed} files precompressed (.br, .gz; wasm + js + css ${brotli} B brotli)`,
);
