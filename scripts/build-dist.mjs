// The release build, split (`make dist` runs it, then scripts/finalize-dist.mjs): a reader can
// highlight once the main module is in; server sync, import and downloads, the Library and the
// shortcuts sheet come in their own wasm files, fetched on first use (src/ui/edge/split.rs).
// Trunk 0.21 cannot split a wasm (trunk-rs/trunk#1022), so this does what `trunk build
// --release` did, with the splitting step cargo-leptos has (`cargo leptos --split`):
//
// 1. cargo build --release for wasm32, with `--cfg marginalia_split` (the `on_first_use!`
//    functions become split points) and the linker's relocations kept (`--emit-relocs`: the
//    splitter needs them), in its own target directory (target/split: other RUSTFLAGS than
//    `trunk serve`'s, so neither rebuilds the other's);
// 2. tools/wasm-split (the `wasm_split_cli_support` library): the main module, one wasm file per
//    split point and per chunk shared between points, and the JavaScript that fetches them;
// 3. wasm-bindgen on the main module (keeping the exports the other pieces link to);
// 4. wasm-opt on each piece, with index.html's `data-wasm-opt` level and parameters (npm's
//    binaryen; the names are kept for finalize-dist.mjs, which orders and strips them);
// 5. DIST/: every piece named with the build's hash, the stylesheet, icon and copied files as
//    Trunk names them, and index.html with Trunk's loader, which finalize-dist.mjs then moves out,
//    pins and defers as before.
//
// Usage: node scripts/build-dist.mjs [DIST]
import { readFileSync, writeFileSync, readdirSync, mkdirSync, rmSync, copyFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join, dirname, basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, process.argv[2] || 'dist');
const work = join(root, 'target/split');
const run = (cmd, args, env = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
const hash16 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 16);
};

let html = readFileSync(join(root, 'index.html'), 'utf8');
const rust = html.match(/<link data-trunk rel="rust"[^>]*>/);
if (!rust) throw new Error('build-dist: index.html has no <link data-trunk rel="rust">');
const attr = (tag, name) => (tag.match(new RegExp(`\\s${name}="([^"]*)"`)) || [])[1];
const bin = attr(rust[0], 'data-bin') || 'marginalia';

// 1. The wasm, with split points and relocations. RUSTFLAGS replaces .cargo/config.toml's
//    rustflags, so `erase_components` is repeated here.
const rustflags = ['--cfg erase_components', '--cfg marginalia_split', '-Clink-arg=--emit-relocs'].join(' ');
run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '--bin', bin, '--target-dir', work],
  { RUSTFLAGS: rustflags });
const input = join(work, 'wasm32-unknown-unknown/release', `${bin}.wasm`);

// 2. Split.
const pieces = join(work, 'pieces');
rmSync(pieces, { recursive: true, force: true });
run('cargo', ['run', '--quiet', '-p', 'marginalia-wasm-split', '--', input, pieces, `${bin}.js`]);

// 3. wasm-bindgen on the main module.
const bound = join(work, 'bindgen');
rmSync(bound, { recursive: true, force: true });
run('wasm-bindgen', ['--target', 'web', '--no-typescript', '--keep-lld-exports', '--no-demangle',
  '--out-dir', bound, '--out-name', bin, join(pieces, 'main.wasm')]);
if (existsSync(join(bound, 'snippets'))) throw new Error('build-dist: wasm-bindgen wrote snippets/, which this does not copy');

// 4. wasm-opt on each piece.
const level = attr(rust[0], 'data-wasm-opt') || 'z';
const params = (attr(rust[0], 'data-wasm-opt-params') || '').split(/\s+/).filter(Boolean);
const wasmOpt = join(root, 'node_modules/.bin/wasm-opt');
const chunks = readdirSync(pieces).filter((f) => f.endsWith('.wasm') && f !== 'main.wasm').sort();
for (const file of [join(bound, `${bin}_bg.wasm`), ...chunks.map((f) => join(pieces, f))]) {
  execFileSync(wasmOpt, [`-O${level}`, ...params, file, '-o', file], { stdio: 'inherit' });
}

// 5. DIST/.
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
let glue = readFileSync(join(bound, `${bin}.js`), 'utf8');
let loader = readFileSync(join(pieces, '__wasm_split.js'), 'utf8');
const mainWasm = readFileSync(join(bound, `${bin}_bg.wasm`));
const chunkBytes = chunks.map((f) => readFileSync(join(pieces, f)));
const h = hash16(glue, loader, mainWasm, ...chunkBytes);
const names = {
  glue: `${bin}-${h}.js`,
  wasm: `${bin}-${h}_bg.wasm`,
  loader: `split-${h}.js`,
};
const replaceAll = (text, from, to, what) => {
  if (!text.includes(from)) throw new Error(`build-dist: ${what} does not name ${from}`);
  return text.split(from).join(to);
};
// (Only where it is imported: the wasm's imports keep the module name the splitter gave them.)
glue = replaceAll(glue, 'from "./__wasm_split.js"', `from "./${names.loader}"`, `${bin}.js`);
glue = glue.split(`${bin}_bg.wasm`).join(names.wasm);
loader = replaceAll(loader, `./${bin}.js`, `./${names.glue}`, '__wasm_split.js');
for (const [i, f] of chunks.entries()) {
  const named = `${basename(f, '.wasm')}-${h}.wasm`;
  loader = replaceAll(loader, `"./${f}"`, `"./${named}"`, '__wasm_split.js');
  writeFileSync(join(dist, named), chunkBytes[i]);
}
writeFileSync(join(dist, names.glue), glue);
writeFileSync(join(dist, names.loader), loader);
writeFileSync(join(dist, names.wasm), mainWasm);

// The other assets, as Trunk writes them: a stylesheet and the icon under hashed names (their
// `integrity` is filled in by finalize-dist.mjs), copied files under their own.
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const hashed = (href) => {
  const bytes = readFileSync(join(root, href));
  const ext = extname(href);
  const name = `${basename(href, ext)}-${hash16(bytes)}${ext}`;
  writeFileSync(join(dist, name), bytes);
  return { name, bytes };
};
html = html.replace(/<link data-trunk rel="(css|icon|copy-file)"[^>]*>/g, (tag, rel) => {
  const href = attr(tag, 'href');
  if (rel === 'copy-file') {
    copyFileSync(join(root, href), join(dist, basename(href)));
    return '';
  }
  const { name, bytes } = hashed(href);
  if (rel === 'css') return `<link rel="stylesheet" href="/${name}" integrity="${sri(bytes)}"/>`;
  const type = attr(tag, 'type');
  return `<link rel="icon" href="/${name}"${type ? ` type="${type}"` : ''} integrity="${sri(bytes)}"/>`;
});
html = html.replace(rust[0], `<link rel="modulepreload" href="/${names.glue}" crossorigin="anonymous" integrity="${sri(glue)}">` +
  `<link rel="preload" href="/${names.wasm}" crossorigin="anonymous" integrity="${sri(mainWasm)}" as="fetch" type="application/wasm">`);
html = html.replace('</head>', `<script type="module">
import init, * as bindings from '/${names.glue}';
const wasm = await init({ module_or_path: '/${names.wasm}' });
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent("TrunkApplicationStarted", {detail: {wasm}}));
</script>
</head>`);
if (/data-trunk/.test(html)) throw new Error('build-dist: index.html has a data-trunk link this does not handle');
writeFileSync(join(dist, 'index.html'), html);
// Which file each split point needs, for the sizes (scripts/sizes.mjs) and the benchmark.
const manifest = JSON.parse(readFileSync(join(pieces, 'manifest.json'), 'utf8'));
for (const files of Object.values(manifest)) for (const [i, f] of files.entries()) files[i] = `${f}-${h}.wasm`;
writeFileSync(join(work, 'manifest.json'), JSON.stringify({ main: [names.glue, names.wasm, names.loader], later: manifest }, null, 2));
console.log(`build-dist: ${dist}: main module ${mainWasm.length} B, ${chunks.length} wasm file(s) loaded on first use`);
