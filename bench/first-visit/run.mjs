// First visit: how soon a reader can highlight, Marginalia beside a JavaScript annotator (issue 34).
//
// Both pages hold the bundled article as HTML (Marginalia's release build prerenders it; the
// reference page has the same markup and stylesheet) and are served on loopback by a static
// server that compresses like a real host. Each load is a fresh browser context (a first visit:
// no HTTP cache, no service worker), the pages taking turns, under three conditions: a
// Slow-4G-like network (150 ms latency, 1.6 Mbps down, 750 kbps up), the CPU slowed 4×, and
// neither. The figure is navigation start → "can highlight", the same for both pages: an
// in-page probe (below) selects a fixed phrase in `#article`, then does the page's Highlight
// action, and the time is that of the frame after the first mark appeared.
//
// The reference: Recogito's text-annotator (npm @recogito/text-annotator, pinned in
// package.json), bundled with its stylesheet by esbuild (pinned too) into a static page with the
// same article (bench/first-visit/recogito-entry.js).
//
// Also: bytes before the first highlight is possible (gzip, and brotli) for both pages, with
// everything Marginalia loads after it (its service worker's copy of the build); and the repeat
// visit (a second tab of a profile whose service worker is in control).
//
// Writes target/bench/first-visit.json; figures only, nothing here fails on time.
//
// Environment:
//   BENCH_DIST          the build to measure (default: target/bench/dist, bench/run.sh's snapshot)
//   BENCH_FV_ROUNDS     loads of each page per condition (default 7, after one of each thrown away)
//   BENCH_FV_ONLY       a comma list of conditions to run (slow4g, cpu4, none) and/or "bytes"
//   BENCH_FV_APPS       name=dir,name=dir: other builds of the app (variants made for an
//                       experiment), loaded in turn with the first; each gets its median
//   BENCH_FV_NO_REPEAT  1: skip the repeat visits
//   BENCH_FV_TIMEOUT    ms a load may take to highlight before the run fails, with the probe's
//                       state and the requests the host answered (default 120000)
import { createServer } from 'node:http';
import { readFile, writeFile, mkdir, rm, readdir, copyFile, stat } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import { createHash } from 'node:crypto';
import { join, extname, normalize, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');
const OUT = join(ROOT, 'target/bench');
const DIST = process.env.BENCH_DIST || join(OUT, 'dist');
const ROUNDS = Number(process.env.BENCH_FV_ROUNDS || 7);
const ONLY = process.env.BENCH_FV_ONLY ? new Set(process.env.BENCH_FV_ONLY.split(',')) : null;
const REPEAT = process.env.BENCH_FV_NO_REPEAT !== '1';
const APPS = [['marginalia', DIST], ...(process.env.BENCH_FV_APPS || '').split(',').filter(Boolean).map((s) => s.split('='))];
/** The phrase selected and highlighted: in the bundled article's first paragraph, on the first
 * screen of a phone (Recogito draws only the highlights in view). */
const PHRASE = 'chief of army staff';
/** The probe's period: every tick it does the Highlight action on the selection made one tick
 * earlier, then selects the phrase again. 16 ms (a frame) leaves Recogito's selection handler
 * (debounced by 10 ms) time to see the selection before the action. */
const TICK_MS = 16;
/** A load that has not highlighted by then fails the run. */
const TIMEOUT_MS = Number(process.env.BENCH_FV_TIMEOUT || 120_000);
/** The conditions, as Chromium's DevTools protocol sets them (throughput in bytes per second). */
const CONDITIONS = {
  slow4g: { label: 'Slow-4G-like network (150 ms latency, 1.6 Mbps down, 750 kbps up)', cpu: 1,
    network: { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 } },
  cpu4: { label: 'CPU 4× slower', cpu: 4, network: null },
  none: { label: 'unthrottled', cpu: 1, network: null },
};
/** A phone-sized window (the article in one column, as a phone shows it). */
const VIEWPORT = { width: 412, height: 915 };
/** How a host compresses a file it has no precompressed copy of (nginx's gzip_comp_level 6 as
 * usually set, ngx_brotli's default quality 6). */
const ON_THE_FLY = { gzip: 6, br: 6 };
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'];

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const log = (...a) => console.error('  ', ...a);
const want = (what) => !ONLY || ONLY.has(what);

// ---- the reference page -------------------------------------------------------------------------
/**
 * Builds the Recogito page in `dir` from the app's build `dist`: the prerendered article of its
 * index.html (made an ordinary, selectable article: `#article`, no `inert`), the app's
 * stylesheet, and Recogito's bundle (JS and CSS, minified), with a .gz and a .br of each file
 * (the best a host can serve: gzip -9, brotli 11).
 */
async function buildReference(dist, dir) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const index = await readFile(join(dist, 'index.html'), 'utf8');
  const article = index.split('\n').map((l) => l.trim()).find((l) => l.startsWith('<div id="prerender"'));
  if (!article) throw new Error(`${dist}/index.html holds no prerendered article (make dist writes it)`);
  const css = index.match(/<link rel="stylesheet" href="\/([^"]+)"/)?.[1];
  if (!css) throw new Error(`no stylesheet link in ${dist}/index.html`);
  const title = index.match(/<title>([^<]*)<\/title>/)?.[1] ?? '';
  await copyFile(join(dist, css), join(dir, css));
  const result = await build({
    entryPoints: { recogito: join(HERE, 'recogito-entry.js') },
    bundle: true, minify: true, format: 'esm', target: 'es2020', legalComments: 'none',
    outdir: dir, entryNames: '[name]-[hash]', metafile: true, logLevel: 'warning',
    nodePaths: [join(ROOT, 'node_modules')],
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => p.split('/').pop());
  const js = outputs.find((f) => f.endsWith('.js'));
  const rcss = outputs.find((f) => f.endsWith('.css'));
  const body = article
    .replace(' id="prerender"', '').replace(' aria-hidden="true"', '').replace(' inert', '')
    .replace('<article class="doc">', '<article class="doc" id="article">');
  if (!body.includes('id="article"')) throw new Error('the prerendered article has no <article class="doc">');
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/${css}" />
    <link rel="stylesheet" href="/${rcss}" />
    <script type="module" src="/${js}"></script>
  </head>
  <body>
    ${body}
  </body>
</html>
`;
  await writeFile(join(dir, 'index.html'), html);
  await precompress(dir);
  return { js, css: rcss, app_css: css };
}

/** Writes NAME.gz (gzip -9) and NAME.br (brotli 11) beside every file of `dir`. */
async function precompress(dir) {
  for (const f of await readdir(dir)) {
    if (/\.(gz|br)$/.test(f)) continue;
    const raw = await readFile(join(dir, f));
    await writeFile(join(dir, `${f}.gz`), gzipSync(raw, { level: 9 }));
    await writeFile(join(dir, `${f}.br`), brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } }));
  }
}

// ---- the host ---------------------------------------------------------------------------------------
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8', '.png': 'image/png',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.wasm', '.css', '.svg', '.json', '.webmanifest', '.txt']);
/** What the host may answer with, in its order of preference: `['br', 'gzip']` or `['gzip']`. */
export const host = { encodings: ['br', 'gzip'], log: [] };

/**
 * A static server for `dir` that answers as a host does: the file compressed as the request
 * accepts (its .br or .gz copy when `dir` has one, else compressed on the fly, ON_THE_FLY),
 * `cache-control: no-cache` with an ETag (a revisit asks, and gets 304 when unchanged). Every
 * answer is logged in `host.log` (path, encoding, body bytes).
 */
export function serve(dir) {
  const files = new Map();
  const load = async (file) => {
    if (files.has(file)) return files.get(file);
    const raw = await readFile(file);
    const ext = extname(file);
    const etag = `"${createHash('sha256').update(raw).digest('hex').slice(0, 16)}"`;
    const entry = { raw, ext, etag, enc: {} };
    if (COMPRESSIBLE.has(ext)) {
      entry.enc.gzip = existsSync(`${file}.gz`) ? { body: await readFile(`${file}.gz`), pre: true }
        : { body: gzipSync(raw, { level: ON_THE_FLY.gzip }), pre: false };
      entry.enc.br = existsSync(`${file}.br`) ? { body: await readFile(`${file}.br`), pre: true }
        : { body: brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: ON_THE_FLY.br } }), pre: false };
    }
    files.set(file, entry);
    return entry;
  };
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
    let entry;
    try { entry = await load(file); } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const accept = String(req.headers['accept-encoding'] || '');
    const name = host.encodings.find((e) => new RegExp(`(^|[\\s,])${e}($|[\\s,;])`).test(accept) && entry.enc[e]);
    const headers = { 'content-type': TYPES[entry.ext] || 'application/octet-stream', 'cache-control': 'no-cache', etag: entry.etag, vary: 'accept-encoding' };
    if (req.headers['if-none-match'] === entry.etag) {
      host.log.push({ at: Date.now(), path, status: 304, bytes: 0 });
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const body = name ? entry.enc[name].body : entry.raw;
    if (name) headers['content-encoding'] = name;
    headers['content-length'] = body.length;
    host.log.push({ at: Date.now(), path, status: 200, encoding: name ?? 'identity', precompressed: name ? entry.enc[name].pre : null, bytes: body.length });
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- the probe (runs in every page before its scripts) ---------------------------------------------
/**
 * Every `tickMs`: if the phrase was selected in `#article` one tick earlier (the same element,
 * still in the page), do the Highlight action on it; then select it again. The action is the
 * same two events on both pages, each meaningful to one of them: the key `h` (Marginalia's
 * Highlight shortcut, the same as its toolbar's Highlight button) and Shift released (Recogito
 * creates its annotation when a keyboard selection ends; with a mouse, on pointer-up). Selecting
 * again every tick means an annotator that mounts after a selection still sees one. "Can
 * highlight" is the frame after the first mark appeared in `#article` (Marginalia's `<mark>`,
 * Recogito's `.r6o-annotation` span), in ms from navigation start.
 */
export function probe({ phrase, tickMs }) {
  const B = (window.__fv = { ticks: 0, selections: 0, actions: 0, inserted: null, marked: null, started: null, done: null });
  // When the annotator has mounted (reported beside the figure): Marginalia's loader says so with
  // this event, the reference page with a performance mark.
  addEventListener('TrunkApplicationStarted', () => { B.started = performance.now(); });
  const MARK = '#article mark, #article .r6o-annotation';
  const found = () => {
    if (B.inserted != null) return true;
    if (!document.querySelector(MARK)) return false;
    B.inserted = performance.now();
    B.actionsToMark = B.actions;
    observer.disconnect();
    requestAnimationFrame(() => {
      const c = new MessageChannel();
      c.port1.onmessage = () => { B.marked = performance.now(); if (B.done) B.done(); };
      c.port2.postMessage(0);
    });
    return true;
  };
  const observer = new MutationObserver(() => { found(); });
  observer.observe(document, { childList: true, subtree: true });
  const rangeOf = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let text = '';
    while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
    const at = text.indexOf(phrase);
    if (at < 0) return null;
    const locate = (i) => { for (let k = nodes.length - 1; k >= 0; k--) if (nodes[k][1] <= i) return [nodes[k][0], i - nodes[k][1]]; return null; };
    const range = document.createRange();
    const [n0, o0] = locate(at);
    const [n1, o1] = locate(at + phrase.length - 1);
    range.setStart(n0, o0);
    range.setEnd(n1, o1 + 1);
    return range;
  };
  let armed = null;
  const tick = () => {
    if (found()) return;
    B.ticks += 1;
    const root = document.getElementById('article');
    const selection = getSelection();
    if (root && armed === root && root.isConnected && String(selection) === phrase && document.body) {
      B.actions += 1;
      document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'h', code: 'KeyH', bubbles: true, cancelable: true }));
      document.body.dispatchEvent(new KeyboardEvent('keyup', { key: 'Shift', code: 'ShiftLeft', bubbles: true, cancelable: true }));
      if (found()) return;
    }
    const range = root && rangeOf(root);
    if (range) {
      selection.removeAllRanges();
      selection.addRange(range);
      armed = root;
      B.selections += 1;
    }
    setTimeout(tick, tickMs);
  };
  setTimeout(tick, tickMs);
}

// ---- one load ---------------------------------------------------------------------------------------
/**
 * One visit of `url` in a fresh context under `condition`; with `revisit`, the profile has
 * opened the page once before (unthrottled) and its service worker controls the new tab.
 */
async function visit(browser, url, condition, { revisit = false, settle = 0, worker = false } = {}) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(probe, { phrase: PHRASE, tickMs: TICK_MS });
  let page = await context.newPage();
  let controlled = null;
  if (revisit) {
    await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
    controlled = await page.waitForFunction(() => navigator.serviceWorker?.controller?.state === 'activated',
      null, { timeout: 60_000, polling: 100 }).then(() => true, () => false);
    await page.close();
    page = await context.newPage();
  }
  const cdp = await context.newCDPSession(page);
  if (condition.cpu > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: condition.cpu });
  if (condition.network) {
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', condition.network);
  }
  host.log = [];
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
  try {
    await page.goto(url, { waitUntil: 'commit', timeout: 120_000 });
    const marked = page.evaluate(() => new Promise((resolve) => {
      const B = window.__fv;
      if (B.marked != null) resolve(); else B.done = resolve;
    }));
    let timer;
    const late = await Promise.race([marked, new Promise((resolve) => { timer = setTimeout(() => resolve('late'), TIMEOUT_MS); })]);
    clearTimeout(timer);
    if (late === 'late') {
      const state = await page.evaluate(() => JSON.stringify({ ...window.__fv, selection: String(getSelection()), article: !!document.getElementById('article') }));
      throw new Error(`no highlight within ${TIMEOUT_MS / 1000} s of loading ${url}: ${state} ${JSON.stringify(host.log.map((e) => [e.path, e.status]))}${errors.length ? ` (${errors.join('; ')})` : ''}`);
    }
    if (settle) {
      // Until a service worker (if the page has one) controls the page and then the host has had
      // nothing to send for a second (the worker's copy of the build comes after the highlight),
      // at most `settle` ms.
      const until = Date.now() + settle;
      if (worker) {
        await page.waitForFunction(() => navigator.serviceWorker?.controller?.state === 'activated', null,
          { timeout: settle, polling: 100 }).catch(() => {});
      }
      while (Date.now() < until && (!host.log.length || Date.now() - host.log.at(-1).at < 1000)) await page.waitForTimeout(100);
    }
    const run = await page.evaluate(() => {
      const B = window.__fv;
      const nav = performance.getEntriesByType('navigation')[0];
      const all = [nav, ...performance.getEntriesByType('resource')];
      const before = all.filter((e) => e.responseEnd <= B.inserted);
      const name = (e) => new URL(e.name).pathname;
      return {
        can_highlight: B.marked,
        mark_inserted: B.inserted,
        mounted: B.started ?? performance.getEntriesByName('annotator-mounted')[0]?.startTime ?? null,
        ticks: B.ticks,
        selections: B.selections,
        actions_to_mark: B.actionsToMark,
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
        response_end: nav.responseEnd,
        marks: document.querySelectorAll('#article mark, #article .r6o-annotation').length,
        before: before.map((e) => ({ path: name(e), encoded: e.encodedBodySize, transfer: e.transferSize, decoded: e.decodedBodySize, end: e.responseEnd })),
        after: all.filter((e) => e.responseEnd > B.inserted).map((e) => ({ path: name(e), encoded: e.encodedBodySize, end: e.responseEnd })),
        worker_in_control: !!navigator.serviceWorker?.controller,
      };
    });
    run.host = host.log.map(({ path, status, encoding, precompressed, bytes }) => ({ path, status, encoding, precompressed, bytes }));
    run.errors = errors;
    if (revisit) run.worker_was_in_control = controlled;
    return run;
  } finally {
    await context.close();
  }
}

// ---- the benchmarks -----------------------------------------------------------------------------------
async function main() {
  const refDir = join(OUT, 'first-visit/recogito');
  const ref = await buildReference(DIST, refDir);
  log(`reference page: ${refDir} (${ref.js}, ${ref.css}; the app's ${ref.app_css})`);
  const servers = [];
  const pages = [];
  for (const [name, dir] of APPS) {
    const s = await serve(dir);
    servers.push(s);
    pages.push({ name, url: `http://127.0.0.1:${s.address().port}/`, app: true });
  }
  const refServer = await serve(refDir);
  servers.push(refServer);
  pages.push({ name: 'recogito', url: `http://127.0.0.1:${refServer.address().port}/`, app: false });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
  const result = { rounds: ROUNDS, phrase: PHRASE, tick_ms: TICK_MS, viewport: VIEWPORT, on_the_fly: ON_THE_FLY,
    chromium: browser.version(), apps: Object.fromEntries(APPS), reference: { package: '@recogito/text-annotator', version: pkgVersion('@recogito/text-annotator'), bundler: `esbuild ${pkgVersion('esbuild')}`, ...ref }, conditions: {} };
  const started = Date.now();
  try {
    for (const [key, condition] of Object.entries(CONDITIONS)) {
      if (!want(key)) continue;
      const specs = [...pages.map((p) => ({ ...p })), ...(REPEAT ? [{ ...pages[0], name: `${pages[0].name} repeat`, revisit: true }] : [])];
      log(`${condition.label}: ${specs.map((s) => s.name).join(', ')} (${ROUNDS} loads each, taking turns, the order swapped every round, after one of each thrown away)`);
      const runs = specs.map(() => []);
      for (const spec of specs) await visit(browser, spec.url, condition, spec);
      for (let r = 0; r < ROUNDS; r++) {
        const order = [...specs.keys()];
        if (r % 2) order.reverse();
        for (const i of order) runs[i].push(await visit(browser, specs[i].url, condition, specs[i]));
      }
      const out = {};
      specs.forEach((spec, i) => {
        const rs = runs[i];
        out[spec.name] = {
          can_highlight_ms: median(rs.map((x) => x.can_highlight)),
          min_ms: Math.min(...rs.map((x) => x.can_highlight)),
          max_ms: Math.max(...rs.map((x) => x.can_highlight)),
          fcp_ms: median(rs.map((x) => x.fcp)),
          mounted_ms: median(rs.map((x) => x.mounted)),
          response_end_ms: median(rs.map((x) => x.response_end)),
          actions_to_mark: median(rs.map((x) => x.actions_to_mark)),
          ...(spec.revisit ? { worker_in_control: rs.filter((x) => x.worker_was_in_control && x.worker_in_control).length } : {}),
          runs: rs.map(({ host: _h, before, after, ...x }) => ({ ...x, bytes_before: before.reduce((s, e) => s + e.encoded, 0), requests_before: before.length })),
        };
        log(`  ${spec.name.padEnd(24)} can highlight ${out[spec.name].can_highlight_ms.toFixed(0)} ms (median; ${out[spec.name].min_ms.toFixed(0)}–${out[spec.name].max_ms.toFixed(0)}), first paint ${out[spec.name].fcp_ms?.toFixed(0)} ms` +
          (spec.revisit ? `, worker in control in ${out[spec.name].worker_in_control} of ${rs.length}` : ''));
      });
      const reference = out.recogito.can_highlight_ms;
      for (const p of pages.filter((p) => p.app)) out[p.name].ratio = out[p.name].can_highlight_ms / reference;
      result.conditions[key] = { label: condition.label, cpu: condition.cpu, network: condition.network, pages: out };
      log(`  ${pages.filter((p) => p.app).map((p) => `${p.name} ${out[p.name].ratio.toFixed(2)}×`).join(', ')} the reference`);
    }

    // Bytes: one unthrottled first visit of each page per encoding the host offers, waiting for
    // what comes after the highlight (the service worker's copy of the build).
    if (want('bytes')) {
      log('bytes: one first visit of each page with a gzip-only host and with a brotli host');
      result.bytes = {};
      for (const [label, encodings] of [['gzip', ['gzip']], ['brotli', ['br', 'gzip']]]) {
        host.encodings = encodings;
        for (const p of pages) {
          const run = await visit(browser, p.url, CONDITIONS.none, { settle: p.app ? 15_000 : 2000, worker: p.app });
          const before = run.before.reduce((s, e) => s + e.encoded, 0);
          const served = run.host.reduce((s, e) => s + e.bytes, 0);
          const b = (result.bytes[p.name] ??= {});
          b[label] = {
            before, later: served - before, served,
            files_before: run.before.map((e) => ({ path: e.path, bytes: e.encoded })),
            served_files: run.host,
          };
          log(`  ${p.name.padEnd(12)} ${label.padEnd(7)} before the first highlight ${(before / 1024).toFixed(1)} KB (${run.before.length} requests), later ${((served - before) / 1024).toFixed(1)} KB`);
        }
      }
      host.encodings = ['br', 'gzip'];
    }
  } finally {
    await browser.close();
    for (const s of servers) s.close();
  }
  result.seconds = (Date.now() - started) / 1000;
  await writeFile(join(OUT, 'first-visit.json'), JSON.stringify(result, null, 1) + '\n');
  log(`written: target/bench/first-visit.json (${result.seconds.toFixed(0)} s)`);
}

function pkgVersion(name) {
  try { return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return null; }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
