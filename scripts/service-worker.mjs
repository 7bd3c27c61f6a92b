// Writes DIST/sw.js (from assets/sw.js): the list of the build's files and a version made from
// their bytes, so that a browser installs a new worker, with a new cache, whenever anything in
// the build changes. scripts/finalize-dist.mjs runs it last; it can also be run on its own.
// Usage: node scripts/service-worker.mjs DIST
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { minify } from 'terser';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SERVICE_WORKER = 'sw.js';

/** Writes `dir`/sw.js; returns the number of files it keeps and its version. */
export async function writeServiceWorker(dir) {
  const names = readdirSync(dir)
    .filter((f) => f !== SERVICE_WORKER && !f.startsWith('.') && statSync(join(dir, f)).isFile())
    .sort();
  const version = createHash('sha256');
  for (const f of names) version.update(f).update('\0').update(readFileSync(join(dir, f))).update('\0');
  const files = names.filter((f) => f !== 'index.html').map((f) => `/${f}`);
  const hex = version.digest('hex').slice(0, 16);
  const source = readFileSync(join(root, 'assets', SERVICE_WORKER), 'utf8')
    .replace("'__MARGINALIA_VERSION__'", JSON.stringify(hex))
    .replace('__MARGINALIA_FILES__', JSON.stringify(files));
  const { code } = await minify(source, { ecma: 2020, compress: { passes: 2 }, mangle: true, format: { comments: false } });
  writeFileSync(join(dir, SERVICE_WORKER), code);
  return { files: files.length + 1, version: hex };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2] || 'dist';
  const { files, version } = await writeServiceWorker(dir);
  console.log(`service-worker: ${join(dir, SERVICE_WORKER)} keeps ${files} files, version ${version}`);
}
