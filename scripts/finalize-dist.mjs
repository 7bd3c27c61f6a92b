// Makes the release build run under a strict Content Security Policy:
//   default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'
// Trunk writes its loader as an inline <script>; this moves every inline script into a hashed file
// next to it, adds the CSP meta tag, and refuses to finish if inline styles or handlers remain.
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const dir = process.argv[2] || 'dist';
const indexPath = join(dir, 'index.html');
let html = readFileSync(indexPath, 'utf8');

export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

let moved = 0;
html = html.replace(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/g, (whole, attrs = '', body) => {
  if (/\ssrc=/.test(attrs) || body.trim() === '') return whole;
  const hash = createHash('sha384').update(body).digest();
  const name = `boot-${hash.toString('hex').slice(0, 16)}.js`;
  writeFileSync(join(dir, name), body);
  moved += 1;
  const type = /type="module"/.test(attrs) ? ' type="module"' : '';
  return `<script${type} src="/${name}" integrity="sha384-${hash.toString('base64')}"></script>`;
});

if (!html.includes('http-equiv="Content-Security-Policy"')) {
  html = html.replace(/<meta charset="utf-8"\s*\/?>/i, (m) => `${m}\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`);
}
const problems = [];
if (/<script(?![^>]*\ssrc=)[^>]*>\s*\S/.test(html)) problems.push('an inline <script> remains');
if (/\sstyle="/.test(html)) problems.push('an inline style attribute remains');
if (/<style[\s>]/.test(html)) problems.push('an inline <style> element remains');
if (/\son[a-z]+="/.test(html)) problems.push('an inline event handler remains');
if (problems.length) {
  console.error(`finalize-dist: ${problems.join('; ')} in ${indexPath}`);
  process.exit(1);
}
writeFileSync(indexPath, html);
console.log(`finalize-dist: CSP meta added, ${moved} inline script(s) moved to files`);
