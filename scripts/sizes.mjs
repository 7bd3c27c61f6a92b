// Prints the shipped sizes of a build (raw, gzip -9 and brotli 11) and writes them to
// target/sizes.json: every file, what a reader loads before the first highlight is possible, and
// the wasm loaded on first use (the split points of scripts/build-dist.mjs, listed in
// target/split/manifest.json; a build without one ships everything first).
import { readdirSync, readFileSync, statSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import { join, extname } from 'node:path';

const dir = process.argv[2] || 'dist';
const manifestPath = 'target/split/manifest.json';
const later = new Set();
if (existsSync(manifestPath)) {
  const { later: points } = JSON.parse(readFileSync(manifestPath, 'utf8'));
  for (const files of Object.values(points)) for (const f of files) later.add(f);
}
const rows = [];
for (const f of readdirSync(dir)) {
  const p = join(dir, f);
  if (!statSync(p).isFile()) continue;
  const ext = extname(f).slice(1);
  if (!['wasm', 'js', 'css', 'html', 'svg'].includes(ext)) continue;
  const buf = readFileSync(p);
  const brotli = brotliCompressSync(buf, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length;
  rows.push({ file: f, kind: ext, raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length, brotli, later: later.has(f) });
}
const shipped = (r) => ['wasm', 'js', 'css'].includes(r.kind) && r.file !== 'sw.js';
const sum = (pick, k) => rows.filter(pick).reduce((s, r) => s + r[k], 0);
const line = (name, raw, gzip, brotli) =>
  console.log(`${name.padEnd(44)} ${String(raw).padStart(9)} B raw ${String(gzip).padStart(8)} B gzip ${String(brotli).padStart(8)} B brotli`);
for (const r of rows) line(`${r.file}${r.later ? ' (on first use)' : ''}`, r.raw, r.gzip, r.brotli);
const total = (k) => sum((r) => ['wasm', 'js', 'css'].includes(r.kind), k);
const first = (k) => sum((r) => shipped(r) && !r.later, k);
const onUse = (k) => sum((r) => r.later, k);
line('wasm + js + css shipped', total('raw'), total('gzip'), total('brotli'));
line('  loaded first (app start)', first('raw'), first('gzip'), first('brotli'));
line('  loaded on first use', onUse('raw'), onUse('gzip'), onUse('brotli'));
mkdirSync('target', { recursive: true });
writeFileSync('target/sizes.json', JSON.stringify({
  rows, total_raw: total('raw'), total_gzip: total('gzip'), total_brotli: total('brotli'),
  first_gzip: first('gzip'), first_brotli: first('brotli'), later_gzip: onUse('gzip'), later_brotli: onUse('brotli'),
}, null, 2));
