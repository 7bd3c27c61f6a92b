// Prints the shipped sizes of a build (raw and gzip) and writes them to target/sizes.json.
import { readdirSync, readFileSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, extname } from 'node:path';

const dir = process.argv[2] || 'dist';
const rows = [];
for (const f of readdirSync(dir)) {
  const p = join(dir, f);
  if (!statSync(p).isFile()) continue;
  const ext = extname(f).slice(1);
  if (!['wasm', 'js', 'css', 'html', 'svg'].includes(ext)) continue;
  const buf = readFileSync(p);
  rows.push({ file: f, kind: ext, raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length });
}
const total = (k) => rows.filter((r) => ['wasm', 'js', 'css'].includes(r.kind)).reduce((s, r) => s + r[k], 0);
for (const r of rows) console.log(`${r.file.padEnd(44)} ${String(r.raw).padStart(9)} B raw ${String(r.gzip).padStart(8)} B gzip`);
console.log(`${'wasm + js + css shipped'.padEnd(44)} ${String(total('raw')).padStart(9)} B raw ${String(total('gzip')).padStart(8)} B gzip`);
mkdirSync('target', { recursive: true });
writeFileSync('target/sizes.json', JSON.stringify({ rows, total_raw: total('raw'), total_gzip: total('gzip') }, null, 2));
