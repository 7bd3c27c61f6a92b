// Browser benchmarks of the release build in headless Chromium, each beside its reference in the
// same run: first paint (app vs static HTML; 1 MB document vs plain DOM calls), creating one
// highlight with 10,000 annotations (mouse-up → next frame, which paragraphs re-rendered), saving
// (the app's `marginalia:save` and `marginalia:save-committed` measures, vs one JSON.stringify of
// them all + one setItem), heap and stored size (IndexedDB records, what is left in localStorage,
// navigator.storage.estimate()), and the domain's re-anchoring in WebAssembly. Writes
// target/bench/browser.json; figures only, nothing here fails on time.
//
// Annotations live in IndexedDB (database `marginalia`, one record per annotation): the harness
// seeds the database directly from a same-origin page before the app runs (`preloaded`), so
// that a load measures reading the records, not the app's one-off migration from the old
// localStorage key. Document texts and the library stay in localStorage.
//
// Inputs come from `examples/gen_fixtures.rs` (target/bench/fixtures/), the app from the snapshot
// of dist/ that bench/run.sh takes (target/bench/dist/), the wasm harness from bench/wasm/.
import { createServer } from 'node:http';
import { readFile, writeFile, mkdir, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, extname, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'target/bench');
const DIST = process.env.BENCH_DIST || join(OUT, 'dist');
const FIX = join(OUT, 'fixtures');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 7);
/** Loads of each page for the bundled article's paint: its ratio sits near its 1.5× line and one
 * load moves by ±30 % on this machine (7 loads gave 1.41×–1.90× in full runs of the same code),
 * so this figure takes more loads than the others (about 1 s a pair). */
const PAINT_ROUNDS = Number(process.env.BENCH_PAINT_ROUNDS || 21);
/** Highlights created in the page with 10,000 (at most one per phrase in PHRASES, 8). */
const CLICKS = Number(process.env.BENCH_CLICKS || 8);
/** For working on one figure: `BENCH_ONLY=ten_k` (or a comma list of bundled_paint, ten_k, wasm,
 * big) runs just those sections and writes target/bench/browser.only.json, not browser.json. */
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const want = (section) => !ONLY || ONLY.has(section);
/** `BENCH_TRACE=1`: a Chrome trace of each highlight click, target/bench/trace-click-N.json
 * (open in chrome://tracing or Perfetto). Tracing slows the page: figures from such a run are
 * for finding where the time goes, not for the table. */
const TRACE = !!process.env.BENCH_TRACE;
/** `BENCH_PROFILE=1`: a V8 CPU profile (50 µs samples) of each click to its frame,
 * target/bench/click-N.cpuprofile, and of the load with 10,000 (load-10k.cpuprofile) and the import of 10,008 (import-10k.cpuprofile); with `BENCH_DIST` pointing at a `trunk build --release`
 * output (names kept), the wasm functions are named. */
const PROFILE = !!process.env.BENCH_PROFILE;
/** `BENCH_PAINT_VARIANTS=/a.html,/b.html`: other pages of the dist (variants of index.html, made
 * by hand for an experiment) loaded in turn with the app and the static page in the bundled
 * paint section, each with its median and ratio to the static page. */
const VARIANTS = (process.env.BENCH_PAINT_VARIANTS || '').split(',').filter(Boolean);
const BUNDLED_ID = 'pakistan-army-chief-iran';
const BIG_ID = 'bench-1mb';
/** Where earlier builds kept a document's annotations (the app migrates it to IndexedDB on start). */
const DOC_KEY = (id) => `marginalia/v1/doc/${id}`;
const TEXT_KEY = (id) => `marginalia/v1/text/${id}`;
/** A scratch key for the save reference's setItem (removed afterwards). */
const SCRATCH_KEY = 'marginalia-bench/scratch';
/** The app's database (src/domain/storage.rs: DB_NAME, DB_VERSION, the stores). */
const DB = { name: 'marginalia', version: 1, records: 'annotations', meta: 'meta', setAside: 'set-aside', metaValue: '{"version":1}' };
/** Chromium's (and Firefox's) localStorage quota per origin, in UTF-16 code units (5 MiB). */
const QUOTA_UNITS = 5 * 1024 * 1024;
/** Safari's, in characters once text is not Latin-1. */
const SAFARI_UNITS = 2.6e6;
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'];

const median = (xs) => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const log = (...a) => console.error('  ', ...a);

// ---- pages ------------------------------------------------------------------------------------
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const distIndex = readFileSync(join(DIST, 'index.html'), 'utf8');
const cssHref = distIndex.match(/<link rel="stylesheet" href="([^"]+)"/)?.[1];
if (!cssHref) throw new Error(`no stylesheet link in ${DIST}/index.html`);
const bundled = JSON.parse(readFileSync(join(FIX, 'bundled-article.json'), 'utf8'));
const big = JSON.parse(readFileSync(join(FIX, 'big-article.json'), 'utf8'));

const PAGES = {
  'blank.html': '<!doctype html><meta charset="utf-8"><title>blank</title>',
  // The bundled article as a plain static page: the same stylesheet and the app's article markup.
  'static.html': `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(bundled.title)}</title><link rel="stylesheet" href="${cssHref}"></head>
<body><div class="layout"><main class="reading"><article class="doc" id="article">
<h1 id="doc-title">${esc(bundled.title)}</h1>
${bundled.paragraphs.map((p, i) => `<p data-block="${i}">${esc(p)}</p>`).join('\n')}
${bundled.source ? `<footer><cite>${esc(bundled.source)}</cite></footer>` : ''}
</article></main></div></body></html>`,
  // The 1 MB document's stored text rendered by plain DOM calls (read from the same key the app reads).
  'plain-dom.html': `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>plain DOM</title><link rel="stylesheet" href="${cssHref}"><script src="plain-dom.js" defer></script></head>
<body></body></html>`,
  'plain-dom.js': `const stored = JSON.parse(localStorage.getItem(${JSON.stringify(TEXT_KEY(BIG_ID))}));
const layout = document.createElement('div'); layout.className = 'layout';
const main = document.createElement('main'); main.className = 'reading';
const article = document.createElement('article'); article.className = 'doc'; article.id = 'article';
const h1 = document.createElement('h1'); h1.textContent = ${JSON.stringify(big.title)}; article.append(h1);
stored.text.split(/\\n\\s*\\n/).forEach((t, i) => {
  const p = document.createElement('p'); p.dataset.block = String(i); p.textContent = t.trim(); article.append(p);
});
main.append(article); layout.append(main); document.body.append(layout);
`,
  // The domain compiled to wasm (bench/wasm): re-anchoring and encoding timed in the page.
  'harness.html': `<!doctype html><meta charset="utf-8"><title>harness</title>
<script type="module">
import init, { reanchor, encode, search } from '/bench/wasm/pkg/marginalia_bench_wasm.js';
window.harness = init().then(() => ({ reanchor, encode, search }));
window.benchSearch = async (envUrl, query, reps) => {
  const h = await window.harness;
  const env = await fetch(envUrl).then((r) => r.text());
  return JSON.parse(h.search(env, query, reps));
};
window.benchReanchor = async (textUrl, envUrl, reps) => {
  const h = await window.harness;
  const [text, env] = await Promise.all([fetch(textUrl).then((r) => r.text()), fetch(envUrl).then((r) => r.text())]);
  return JSON.parse(h.reanchor(text, env, reps));
};
window.benchEncode = async (envUrl, reps) => {
  const h = await window.harness;
  const env = await fetch(envUrl).then((r) => r.text());
  const wasm = JSON.parse(h.encode(env, reps));
  // The same annotations through one JSON.stringify, in the same page.
  const obj = JSON.parse(env);
  const times = [];
  for (let i = 0; i < reps; i++) { const t = performance.now(); JSON.stringify(obj); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  return { ...wasm, stringify_ms: times[times.length >> 1] };
};
</script>`,
};

// ---- server: the app at /, the bench files at /bench/ ------------------------------------------
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.txt': 'text/plain; charset=utf-8',
};
function serve() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = path.startsWith('/bench/') ? join(OUT, path.slice('/bench/'.length))
      : join(DIST, path.endsWith('/') ? path + 'index.html' : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- in-page instrumentation (before any page script) ------------------------------------------
/**
 * Runs in every page of a context before its scripts. `opts.marks`: also time the first
 * highlight (`#article mark`) shown, for loads with stored annotations (the app reads them from
 * IndexedDB after the article is painted).
 */
function instrument(opts) {
  const B = (window.__bench = { longtasks: [], events: [], storage: [], logStorage: false, h1: null, painted: null, marked: null });
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) B.longtasks.push([e.startTime, e.duration]); })
      .observe({ type: 'longtask', buffered: true });
  } catch { B.noLongtasks = true; }
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) B.events.push({ name: e.name, start: e.startTime, duration: e.duration });
    }).observe({ type: 'event', durationThreshold: 16, buffered: true });
  } catch { /* no Event Timing */ }
  B.measures = [];
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) B.measures.push([e.name, e.startTime, e.duration]); })
      .observe({ type: 'measure' });
  } catch { /* no User Timing observer */ }
  addEventListener('TrunkApplicationStarted', (e) => { B.wasm = e.detail && e.detail.wasm; B.started = performance.now(); });
  // "Painted": the frame after the article's title is in the document has been produced.
  const mo = new MutationObserver(() => {
    if (B.h1 || !document.querySelector('#article h1')) return;
    B.h1 = performance.now();
    mo.disconnect();
    requestAnimationFrame(() => {
      B.raf = performance.now();
      const ch = new MessageChannel();
      ch.port1.onmessage = () => { B.painted = performance.now(); };
      ch.port2.postMessage(0);
    });
  });
  mo.observe(document, { childList: true, subtree: true });
  // "Highlights shown": the frame after the first `mark` is in the article has been produced.
  if (opts && opts.marks) {
    const mm = new MutationObserver(() => {
      if (B.marksAt || !document.querySelector('#article mark')) return;
      B.marksAt = performance.now();
      B.marksFirst = document.querySelectorAll('#article mark').length;
      mm.disconnect();
      requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => { B.marked = performance.now(); };
        ch.port2.postMessage(0);
      });
    });
    mm.observe(document, { childList: true, subtree: true });
  }
  // The app's database as it is (never created here: `null` if there is none), for the harness's
  // reads; defined here, as the app's Content-Security-Policy allows no eval.
  B.openDb = (D) => new Promise((resolve, reject) => {
    const open = indexedDB.open(D.name);
    open.onupgradeneeded = () => { open.transaction.abort(); };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => (open.error && open.error.name === 'AbortError' ? resolve(null) : reject(open.error));
  });
  // localStorage writes while `logStorage` is on (a save should write none: annotations are in
  // IndexedDB now). Not timed.
  const S = Storage.prototype;
  const set = S.setItem;
  const remove = S.removeItem;
  S.setItem = function (k, v) {
    if (B.logStorage) B.storage.push({ op: 'set', key: k, len: String(v).length });
    return set.call(this, k, v);
  };
  S.removeItem = function (k) {
    if (B.logStorage) B.storage.push({ op: 'remove', key: k });
    return remove.call(this, k);
  };
}

/** A fresh context (no caches, no storage); `marks`: the pages time the first highlight shown. */
async function newContext(browser, { marks = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(instrument, { marks });
  return context;
}

/**
 * A page of `context` with localStorage filled and documents' annotations in IndexedDB (same
 * origin, from a blank page), ready to navigate to the app: `{ page, seed }`. The same page goes
 * on to the app: a page closed right after writing megabytes may not have handed them to the
 * browser yet.
 *
 * `docs`: `[docId, envelope]`, the envelope an earlier build's localStorage value
 * (`{"version":1,"doc","annotations":[…]}`, as the fixtures are): each annotation becomes one
 * record as the app writes it (key `[docId, id]`, value its JSON text), with the document's meta
 * record, all in one transaction. `seed`: navigator.storage.estimate() before and after, and how
 * long the transaction took.
 */
async function preloaded(context, base, entries, docs = []) {
  const page = await context.newPage();
  if (!entries.length && !docs.length) return { page, seed: null };
  await page.goto(`${base}/bench/pages/blank.html`);
  const seed = await page.evaluate(async ([entries, docs, D]) => {
    localStorage.clear();
    for (const [k, v] of entries) {
      try { localStorage.setItem(k, v); } catch (e) { return { failed: `localStorage ${k}: ${e.name}` }; }
    }
    if (!entries.every(([k, v]) => localStorage.getItem(k)?.length === v.length)) return { failed: 'localStorage: not all values read back' };
    if (!docs.length) return {};
    const estimate = async () => {
      try {
        const e = await navigator.storage.estimate();
        return { usage: e.usage, quota: e.quota, indexeddb: e.usageDetails?.indexedDB ?? null };
      } catch (e) { return { error: String(e) }; }
    };
    const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
    const before = await estimate();
    let db;
    try {
      const open = indexedDB.open(D.name, D.version);
      open.onupgradeneeded = () => {
        for (const s of [D.records, D.meta, D.setAside]) if (!open.result.objectStoreNames.contains(s)) open.result.createObjectStore(s);
      };
      open.onblocked = () => {};
      db = await req(open);
    } catch (e) { return { failed: `IndexedDB open: ${e && e.name}: ${e && e.message}` }; }
    const t0 = performance.now();
    let records = 0;
    try {
      const tx = db.transaction([D.records, D.meta, D.setAside], 'readwrite');
      const done = new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onabort = () => reject(tx.error); });
      const store = tx.objectStore(D.records);
      const meta = tx.objectStore(D.meta);
      store.clear(); meta.clear(); tx.objectStore(D.setAside).clear();
      for (const [doc, envelope] of docs) {
        const parsed = JSON.parse(envelope);
        if (parsed.doc !== doc) throw new Error(`the fixture is for "${parsed.doc}", not "${doc}"`);
        for (const a of parsed.annotations) { store.put(JSON.stringify(a), [doc, a.id]); records++; }
        meta.put(D.metaValue, doc);
      }
      await done;
    } catch (e) { db.close(); return { failed: `IndexedDB write: ${e && e.name}: ${e && e.message}` }; }
    const seed_ms = performance.now() - t0;
    const tx = db.transaction([D.records], 'readonly');
    const counts = {};
    for (const [doc] of docs) counts[doc] = await req(tx.objectStore(D.records).count(IDBKeyRange.bound([doc], [doc, []])));
    db.close();
    const after = await estimate();
    if (docs.some(([doc, envelope]) => counts[doc] !== JSON.parse(envelope).annotations.length)) return { failed: `IndexedDB: read back ${JSON.stringify(counts)}` };
    return { records, counts, seed_ms, estimate_before: before, estimate_after: after };
  }, [entries, docs, DB]);
  if (seed.failed) throw new Error(`could not preload (${seed.failed})`);
  return { page, seed: docs.length ? seed : null };
}

/**
 * Opens `url` and waits for the article to be painted (and with `marks`, for the stored
 * annotations' highlights, which the app shows after reading IndexedDB); returns the timings (ms
 * from navigation start). The page's context must come from `newContext(…, { marks: true })`.
 */
async function paintOnce(page, url, settleMs = 0, { marks = false } = {}) {
  await page.goto(url, { waitUntil: 'load', timeout: 180_000 });
  await page.waitForFunction(() => window.__bench.painted && performance.getEntriesByName('first-contentful-paint').length,
    null, { timeout: 180_000, polling: 50 });
  if (marks) {
    await page.waitForFunction(() => window.__bench.marked, null, { timeout: 180_000, polling: 50 }).catch(async () => {
      const [n, banner] = await page.evaluate(() => [document.querySelectorAll('#article mark').length,
        document.querySelector('[role=alert], .banner')?.textContent ?? '']);
      throw new Error(`no highlights within 180 s of loading ${url} (${n} marks${banner ? `; banner: ${banner.trim().slice(0, 200)}` : ''})`);
    });
  }
  if (settleMs) await page.waitForTimeout(settleMs);
  return page.evaluate(() => {
    const B = window.__bench;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0].startTime;
    const after = B.longtasks.filter(([s]) => s >= fcp);
    return {
      fcp,
      h1: B.h1,
      painted: B.painted,
      marks_inserted: B.marksAt ?? null,
      marks_shown: B.marked ?? null,
      marks_first: B.marksFirst ?? null,
      marks: document.querySelectorAll('#article mark').length,
      cards: document.querySelectorAll('[data-card]').length,
      count_text: document.querySelector('.count')?.textContent ?? null,
      blocks: document.querySelectorAll('#article [data-block]').length,
      title: document.querySelector('#article h1')?.textContent ?? '',
      longtasks: B.longtasks.length,
      longest_before_paint: Math.max(0, ...B.longtasks.filter(([s]) => s < fcp).map(([, d]) => d)),
      longest_after_paint: Math.max(0, ...after.map(([, d]) => d)),
      over50_after_paint: after.filter(([, d]) => d > 50).length,
      // Where a load's time goes, for comparing the app's page with its reference.
      nav: (({ responseEnd, domInteractive, domContentLoadedEventStart, loadEventStart } = {}) =>
        ({ responseEnd, domInteractive, domContentLoadedEventStart, loadEventStart }))(performance.getEntriesByType('navigation')[0]),
      app_started: B.started ?? null,
      tasks_before_paint: B.longtasks.filter(([s]) => s < fcp),
    };
  });
}

/**
 * The median of ROUNDS fresh loads of `url` (a new browser context each, so no caches); `docs`:
 * annotations seeded into IndexedDB (see `preloaded`), and then each load waits for highlights.
 */
async function paintRounds(browser, base, path, storage = [], settleMs = 0, docs = []) {
  return (await paintAlternating(browser, base, [{ path, storage, settleMs, docs }]))[0];
}

/** `rounds` fresh loads of each of `specs` ({ path, storage, settleMs, docs, revisit }), taking
 * turns (A, B, A, B, …) so that a machine getting busier or quieter moves both alike; the medians.
 * `revisit`: the profile opens the page once first and waits until the release build's service
 * worker controls it; the load measured is then a second visit, in a new tab of that profile.
 * `swap`: every other round goes the other way round (B, A), and one round first is thrown away
 * (the browser's first loads after launch are slower, whichever page they are). */
async function paintAlternating(browser, base, specs, { rounds = ROUNDS, swap = false } = {}) {
  const runs = specs.map(() => []);
  const once = async ({ path, storage = [], settleMs = 0, docs = [], revisit = false }) => {
    const marks = docs.length > 0;
    const context = await newContext(browser, { marks });
    let { page } = await preloaded(context, base, storage, docs);
    let controlled = null;
    if (revisit) {
      await page.goto(base + path, { waitUntil: 'load', timeout: 180_000 });
      controlled = await page.waitForFunction(() => navigator.serviceWorker?.controller?.state === 'activated',
        null, { timeout: 30_000, polling: 50 }).then(() => true, () => false);
      await page.close();
      page = await context.newPage();
    }
    const run = await paintOnce(page, base + path, settleMs, { marks });
    if (revisit) run.worker_in_control = controlled && await page.evaluate(() => !!navigator.serviceWorker.controller);
    await context.close();
    return run;
  };
  if (swap) for (const spec of specs) await once(spec);
  for (let r = 0; r < rounds; r++) {
    const order = [...specs.keys()];
    if (swap && r % 2) order.reverse();
    for (const i of order) runs[i].push(await once(specs[i]));
  }
  return specs.map(({ docs = [], revisit = false }, i) => ({
    ...summarizePaint(runs[i], docs.length > 0),
    ...(revisit ? { worker_in_control: runs[i].filter((r) => r.worker_in_control).length } : {}),
  }));
}

function summarizePaint(runs, marks) {
  return {
    fcp_ms: median(runs.map((r) => r.fcp)),
    painted_ms: median(runs.map((r) => r.painted)),
    ...(marks ? { marks_shown_ms: median(runs.map((r) => r.marks_shown)), marks: runs[0].marks } : {}),
    longest_after_paint_ms: Math.max(...runs.map((r) => r.longest_after_paint)),
    over50_after_paint: Math.max(...runs.map((r) => r.over50_after_paint)),
    longest_before_paint_ms: median(runs.map((r) => r.longest_before_paint)),
    dom_interactive_ms: median(runs.map((r) => r.nav.domInteractive)),
    app_started_ms: median(runs.map((r) => r.app_started)),
    blocks: runs[0].blocks,
    title: runs[0].title,
    runs,
  };
}

async function heap(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const wasm = await page.evaluate(() => window.__bench.wasm?.memory?.buffer?.byteLength ?? null);
  await cdp.detach();
  return { js_heap_used: m.JSHeapUsedSize, js_heap_total: m.JSHeapTotalSize, dom_nodes: m.Nodes, wasm_memory: wasm };
}

/** Screen points of the first and last character of `phrase` in the article (scrolled into view). */
async function phrasePoints(page, phrase) {
  return page.evaluate((phrase) => {
    const root = document.getElementById('article');
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let text = '';
    while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
    const at = text.indexOf(phrase);
    if (at < 0) throw new Error(`"${phrase}" is not in the article`);
    const locate = (i) => { for (let k = nodes.length - 1; k >= 0; k--) if (nodes[k][1] <= i) return [nodes[k][0], i - nodes[k][1]]; };
    locate(at)[0].parentElement.scrollIntoView({ block: 'center' });
    const rectOf = (i) => {
      const [node, off] = locate(i);
      const r = document.createRange();
      r.setStart(node, off); r.setEnd(node, off + 1);
      return r.getBoundingClientRect();
    };
    const first = rectOf(at);
    const last = rectOf(at + phrase.length - 1);
    const block = locate(at)[0].parentElement.closest('[data-block]').dataset.block;
    return { x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2, block };
  }, phrase);
}

/** Starts a Chrome trace on `cdp`; resolves to `{ done }`, a promise of its events (see `endTrace`). */
async function startTrace(cdp) {
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', () => resolve(events)));
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'blink.user_timing', 'v8.execute', 'disabled-by-default-v8.cpu_profiler', 'toplevel', 'cc', 'viz', 'benchmark', 'input', 'latencyInfo'] },
  });
  return { done };
}

/** Ends the trace started by `startTrace` and writes it to target/bench/`name`. */
async function endTrace(cdp, { done }, name) {
  await cdp.send('Tracing.end');
  const file = join(OUT, name);
  await writeFile(file, JSON.stringify({ traceEvents: await done }));
  log(`  trace: ${file}`);
}

/** Starts V8's sampling profiler on `cdp`, one sample every `intervalUs` microseconds. */
async function startProfile(cdp, intervalUs) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs });
  await cdp.send('Profiler.start');
}

/** Stops the profiler started by `startProfile` and writes its profile to target/bench/`name`. */
async function endProfile(cdp, name) {
  const { profile } = await cdp.send('Profiler.stop');
  const file = join(OUT, name);
  await writeFile(file, JSON.stringify(profile));
  log(`  profile: ${file}`);
}

/** Keeps a download at `path` (the import benchmark reads it back). */
async function saveDownload(download, path) {
  await download.saveAs(path);
  return path;
}

/** Clicks **Download annotations** and times it: click → the browser's download event, and the
 * longest task from the click on (the export written as text and handed to a Blob). */
async function downloadOnce(page) {
  await page.evaluate(() => { window.__bench.downloadFrom = performance.now(); });
  const t0 = Date.now();
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    page.getByRole('button', { name: 'Download annotations', exact: true }).click(),
  ]);
  const clickToDownload = Date.now() - t0;
  await page.waitForTimeout(500);
  const tasks = await page.evaluate(() => {
    const B = window.__bench;
    return B.longtasks.filter(([s]) => s >= B.downloadFrom).map(([, d]) => d);
  });
  return {
    click_to_download_ms: clickToDownload,
    longest_task_ms: Math.max(0, ...tasks),
    file: download.suggestedFilename(),
    bytes: (await stat(await download.path())).size,
    saved: await saveDownload(download, join(OUT, 'download-10k.json')),
  };
}

/** Imports `file` (a download) into a fresh profile with the bundled article open, as a reader
 * does (the Import file picker): choose → the import's report shown, its long tasks, and the
 * save that follows (`marginalia:save` on the main thread, `marginalia:save-committed`). */
async function importOnce(browser, base, file) {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.getByRole('button', { name: 'Download annotations', exact: true }).waitFor();
  await page.waitForTimeout(1000);
  const cdp = PROFILE ? await context.newCDPSession(page) : null;
  if (PROFILE) await startProfile(cdp, 50);
  const t0 = await page.evaluate(() => performance.now());
  await page.getByLabel('Import').setInputFiles(file);
  const report = page.getByRole('status').filter({ hasText: /added [\d,]+, already present/ });
  await report.waitFor({ timeout: 60_000 });
  const shown = await page.evaluate(() => performance.now());
  if (PROFILE) {
    await endProfile(cdp, 'import-10k.cpuprofile');
    await cdp.detach();
  }
  await page.waitForFunction(() => window.__bench.measures.some(([n]) => n === 'marginalia:save-committed'), null, { timeout: 60_000 });
  await page.waitForTimeout(500);
  const r = await page.evaluate((t0) => {
    const B = window.__bench;
    const measure = (name) => B.measures.find(([n, s]) => n === name && s >= t0)?.[2] ?? null;
    return { tasks: B.longtasks.filter(([s]) => s >= t0).map(([, d]) => d), save: measure('marginalia:save'), committed: measure('marginalia:save-committed') };
  }, t0);
  const text = (await report.textContent()).replace(/Dismiss$/, '').trim();
  await context.close();
  return {
    choose_to_report_ms: shown - t0,
    longest_task_ms: Math.max(0, ...r.tasks),
    tasks_over_50: r.tasks.filter((d) => d > 50).map((d) => Math.round(d)),
    save_ms: r.save,
    save_committed_ms: r.committed,
    report: text,
  };
}

/** Drag-selects `phrase`, clicks Highlight, and measures that click to the next frame. */
async function highlightOnce(page, phrase, traceIndex) {
  const p = await phrasePoints(page, phrase);
  await page.mouse.move(p.x1, p.y1);
  await page.mouse.down();
  await page.mouse.move((p.x1 + p.x2) / 2, (p.y1 + p.y2) / 2, { steps: 4 });
  await page.mouse.move(p.x2, p.y2, { steps: 4 });
  await page.mouse.up();
  const button = page.getByRole('button', { name: 'Highlight', exact: true });
  await button.waitFor({ state: 'visible', timeout: 30_000 });
  const selected = await page.evaluate(() => String(window.getSelection()));
  await page.waitForTimeout(300); // let the selection's own work finish: only the click is timed
  await page.evaluate(() => {
    const B = window.__bench;
    B.click = {};
    B.storage = [];
    B.events = [];
    B.mut = { childList: new Set(), attributes: new Set(), characterData: new Set(), outside: 0 };
    B.mo = new MutationObserver((recs) => {
      for (const r of recs) {
        const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        const blk = el && el.closest('[data-block]');
        if (blk) B.mut[r.type].add(blk.dataset.block);
        else B.mut.outside++;
      }
    });
    B.mo.observe(document.getElementById('article'), { childList: true, subtree: true, attributes: true, characterData: true });
    addEventListener('click', (e) => {
      B.click.t0 = performance.now();
      B.click.ts = e.timeStamp;
      B.logStorage = true;
      requestAnimationFrame(() => {
        B.click.raf = performance.now();
        const ch = new MessageChannel();
        ch.port1.onmessage = () => { B.click.frame = performance.now(); };
        ch.port2.postMessage(0);
      });
    }, { capture: true, once: true });
    addEventListener('click', () => { B.click.handled = performance.now(); }, { once: true });
  });
  const cdp = TRACE || PROFILE ? await page.context().newCDPSession(page) : null;
  let traced = null;
  if (PROFILE) await startProfile(cdp, 50);
  if (TRACE) traced = await startTrace(cdp);
  await button.click();
  await page.waitForFunction(() => window.__bench.click.frame, null, { timeout: 60_000, polling: 20 });
  if (PROFILE) await endProfile(cdp, `click-${traceIndex}.cpuprofile`);
  if (TRACE) {
    await page.waitForTimeout(200);
    await endTrace(cdp, traced, `trace-click-${traceIndex}.json`);
  }
  if (cdp) await cdp.detach();
  // The app saves after the frame that shows the change: one synchronous step on the main thread
  // (the "marginalia:save" measure: the changed records encoded and handed to an IndexedDB
  // transaction), then the commit off the main thread ("marginalia:save-committed", ending at the
  // transaction's `complete`).
  await page.waitForFunction(() => window.__bench.measures.some(([n, t]) => n === 'marginalia:save' && t >= window.__bench.click.t0),
    null, { timeout: 60_000, polling: 20 });
  await page.waitForFunction(() => window.__bench.measures.some(([n, t]) => n === 'marginalia:save-committed' && t >= window.__bench.click.t0),
    null, { timeout: 60_000, polling: 20 }).catch(() => log('  no marginalia:save-committed measure within 60 s of the click'));
  await page.evaluate(() => { window.__bench.logStorage = false; });
  await page.waitForTimeout(300);
  return page.evaluate(([phrase, block, selected]) => {
    const B = window.__bench;
    B.mo.disconnect();
    const c = B.click;
    const start = c.ts > 0 && c.ts <= c.t0 ? c.ts : c.t0;
    const click = B.events.filter((e) => e.name === 'click').pop();
    const save = B.measures.find(([n, t]) => n === 'marginalia:save' && t >= c.t0);
    const committed = B.measures.find(([n, t]) => n === 'marginalia:save-committed' && t >= c.t0);
    return {
      phrase,
      selected,
      block,
      to_frame_ms: c.frame - start,
      to_raf_ms: c.raf - start,
      handler_ms: c.handled - c.t0,
      input_delay_ms: c.t0 - start,
      event_timing_ms: click ? click.duration : null,
      rerendered: [...B.mut.childList].sort(),
      attributes_changed: [...B.mut.attributes].sort(),
      text_changed: [...B.mut.characterData].sort(),
      // A commit was measured.
      saved: !!committed,
      save_ms: save ? save[2] : null,
      save_after_frame_ms: save ? save[1] - c.frame : null,
      save_committed_ms: committed ? committed[2] : null,
      // From the click as `to_frame_ms` counts it (the event's time stamp) to the commit.
      change_to_committed_ms: committed ? committed[1] + committed[2] - start : null,
      // The committed measure's mark is taken once the changed records are planned, inside the
      // save step: its start this long after the save's.
      committed_start_after_save_ms: committed && save ? committed[1] - save[1] : null,
      // localStorage writes from the click to the commit (none expected: annotations are in IndexedDB).
      local_storage_writes: B.storage.map((s) => (s.op === 'set' ? `${s.key} (${s.len})` : `${s.op} ${s.key}`)),
    };
  }, [phrase, p.block, selected]);
}

/** How many records the database holds for `doc` (the keys `[doc]` … `[doc, []]`). */
async function storedCount(page, doc) {
  return page.evaluate(async ([doc, D]) => {
    const db = await window.__bench.openDb(D);
    if (!db) return null;
    try {
      const req = db.transaction(D.records, 'readonly').objectStore(D.records).count(IDBKeyRange.bound([doc], [doc, []]));
      return await new Promise((resolve, reject) => { req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error); });
    } finally { db.close(); }
  }, [doc, DB]);
}

/**
 * The reference for saving: one JSON.stringify of every stored annotation (read from the
 * database first, untimed) and one setItem of it, under a scratch key removed afterwards.
 */
async function stringifyReference(page, doc, reps = 5) {
  return page.evaluate(async ([doc, D, key, reps]) => {
    const db = await window.__bench.openDb(D);
    const req = db.transaction(D.records, 'readonly').objectStore(D.records).getAll(IDBKeyRange.bound([doc], [doc, []]));
    const values = await new Promise((resolve, reject) => { req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error); });
    db.close();
    const annotations = values.map((v) => JSON.parse(v));
    const runs = [];
    let error = null;
    try {
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        const s = JSON.stringify(annotations);
        const t1 = performance.now();
        localStorage.setItem(key, s);
        const t2 = performance.now();
        runs.push([t1 - t0, t2 - t0]);
      }
    } catch (e) {
      error = `${e.name}: ${e.message}`;
    } finally {
      localStorage.removeItem(key);
    }
    const med = (xs) => (xs.length ? xs.sort((a, b) => a - b)[xs.length >> 1] : null);
    return { stringify_ms: med(runs.map((r) => r[0])), stringify_and_set_ms: med(runs.map((r) => r[1])), annotations: annotations.length, error };
  }, [doc, DB, SCRATCH_KEY, reps]);
}

/** localStorage: UTF-16 code units of every key and value. */
async function storedUnits(page) {
  return page.evaluate(() => {
    let all = 0;
    const keys = {};
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      const n = k.length + localStorage.getItem(k).length;
      keys[k] = n;
      all += n;
    }
    return { all, keys };
  });
}

/**
 * IndexedDB: the records of `doc` (UTF-16 code units of the key's strings and of the value
 * text), every store's record count, and navigator.storage.estimate().
 */
async function storedRecords(page, doc) {
  return page.evaluate(async ([doc, D]) => {
    const db = await window.__bench.openDb(D);
    if (!db) return null;
    const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
    const tx = db.transaction([D.records, D.meta, D.setAside], 'readonly');
    const range = IDBKeyRange.bound([doc], [doc, []]);
    const [keys, values, meta] = await Promise.all([req(tx.objectStore(D.records).getAllKeys(range)),
      req(tx.objectStore(D.records).getAll(range)), req(tx.objectStore(D.meta).get(doc))]);
    const stores = {};
    for (const s of [D.records, D.meta, D.setAside]) stores[s] = await req(tx.objectStore(s).count());
    db.close();
    let keyUnits = 0;
    let valueUnits = 0;
    let notText = 0;
    for (const k of keys) keyUnits += k.reduce((n, part) => n + String(part).length, 0);
    for (const v of values) { if (typeof v === 'string') valueUnits += v.length; else notText++; }
    let estimate = null;
    try {
      const e = await navigator.storage.estimate();
      estimate = { usage: e.usage, quota: e.quota, indexeddb: e.usageDetails?.indexedDB ?? null };
    } catch (e) { estimate = { error: String(e) }; }
    return {
      records: keys.length,
      key_units: keyUnits,
      value_units: valueUnits,
      units: keyUnits + valueUnits,
      not_text: notText,
      meta: typeof meta === 'string' ? meta : meta === undefined ? null : JSON.stringify(meta),
      stores,
      estimate,
    };
  }, [doc, DB]);
}

// ---- the benchmarks ---------------------------------------------------------------------------------
const PHRASES = ['three-day visit', 'Basij Organization', 'greater military cooperation', 'Sacred Defense', 'Iraq and Syria',
  'hailed in Iranian media', 'popularity took a hit', 'Foreign Minister'];

async function main() {
  for (const [name, body] of Object.entries(PAGES)) {
    await mkdir(join(OUT, 'pages'), { recursive: true });
    await writeFile(join(OUT, 'pages', name), body);
  }
  const bundled10k = await readFile(join(FIX, 'bundled-10k.json'), 'utf8');
  const big10k = await readFile(join(FIX, 'big-10k.json'), 'utf8');
  const bigText = await readFile(join(FIX, 'big.txt'), 'utf8');
  // The 1 MB article as the app stores a reader's document (issue 8): paragraphs only, titled by file name.
  const bigStored = JSON.stringify({
    id: BIG_ID,
    file_name: `${big.title}.txt`,
    format: 'plain',
    text: big.paragraphs.join('\n\n') + '\n',
  });
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
  const result = { rounds: ROUNDS, chromium: browser.version() };
  try {
    // (a) The bundled article: the app vs the same article as static HTML, alternating.
    if (want('bundled_paint')) {
      log(`bundled article: first paint, app vs static HTML, and the app's second visit (${PAINT_ROUNDS} fresh profiles each, taking turns, the order swapped every round, after one load of each thrown away)`);
      const [app, stat, again, ...others] = await paintAlternating(browser, base,
        [{ path: '/' }, { path: '/bench/pages/static.html' }, { path: '/', revisit: true }, ...VARIANTS.map((path) => ({ path }))],
        { rounds: PAINT_ROUNDS, swap: true });
      result.bundled_paint = { app, static: stat, ratio: app.fcp_ms / stat.fcp_ms, rounds: PAINT_ROUNDS, second_visit: again };
      log(`  app ${app.fcp_ms.toFixed(1)} ms, static ${stat.fcp_ms.toFixed(1)} ms; second visit ${again.fcp_ms.toFixed(1)} ms (service worker in control in ${again.worker_in_control} of ${again.runs.length})`);
      if (VARIANTS.length) {
        result.bundled_paint.variants = Object.fromEntries(VARIANTS.map((path, i) => [path, { ...others[i], ratio: others[i].fcp_ms / stat.fcp_ms }]));
        for (const [path, v] of Object.entries(result.bundled_paint.variants)) log(`  ${path} ${v.fcp_ms.toFixed(1)} ms (${v.ratio.toFixed(2)}×)`);
      }
    }

    // (b)–(e) 10,000 annotations on the bundled article.
    if (want('ten_k')) {
      log('bundled article with 10,000 annotations: load, heap, stored size, highlights, save');
      const empty = await newContext(browser);
      const page0 = await empty.newPage();
      const load0 = await paintOnce(page0, `${base}/`, 500);
      const heap0 = await heap(page0);
      await empty.close();

      // The annotations seeded into IndexedDB (not localStorage: that would time the app's
      // migration); the load waits for the highlights, which the app shows after reading them.
      const context = await newContext(browser, { marks: true });
      const { page, seed } = await preloaded(context, base, [], [[BUNDLED_ID, bundled10k]]);
      page.on('pageerror', (e) => log('page error:', e.message));
      const cdp = PROFILE || TRACE ? await context.newCDPSession(page) : null;
      const traced = TRACE ? await startTrace(cdp) : null;
      if (PROFILE) await startProfile(cdp, 100);
      const load = await paintOnce(page, `${base}/`, 1000, { marks: true });
      if (PROFILE) await endProfile(cdp, 'load-10k.cpuprofile');
      if (TRACE) await endTrace(cdp, traced, 'trace-load-10k.json');
      if (cdp) await cdp.detach();
      const marks = load.marks;
      if (!marks) throw new Error('the app did not show the 10,000 preloaded annotations');
      log(`  load: painted ${load.painted.toFixed(0)} ms, highlights shown ${load.marks_shown.toFixed(0)} ms (${load.marks} marks, ${load.cards} cards; "${load.count_text}")`);
      const heap10k = await heap(page);
      const local = await storedUnits(page);
      const records = await storedRecords(page, BUNDLED_ID);
      const clicks = [];
      for (const phrase of PHRASES.slice(0, CLICKS)) {
        const c = await highlightOnce(page, phrase, clicks.length);
        clicks.push(c);
        log(`  "${phrase}": click → frame ${c.to_frame_ms.toFixed(1)} ms, re-rendered blocks [${c.rerendered}] (touched ${c.block}), save ${c.save_ms?.toFixed(1)} ms (main thread), committed ${c.save_committed_ms?.toFixed(1)} ms, change → committed ${c.change_to_committed_ms?.toFixed(1)} ms${c.local_storage_writes.length ? `; localStorage writes: ${c.local_storage_writes.join(', ')}` : ''}`);
      }
      const count = await storedCount(page, BUNDLED_ID);
      const reference = await stringifyReference(page, BUNDLED_ID);
      const download = await downloadOnce(page);
      log(`  Download annotations: longest task ${download.longest_task_ms.toFixed(0)} ms, click → download ${download.click_to_download_ms} ms (${download.file}, ${download.bytes} bytes)`);
      const localAfter = await storedUnits(page);
      await context.close();
      const imported = await importOnce(browser, base, download.saved);
      log(`  Import that file into an empty profile: report after ${imported.choose_to_report_ms.toFixed(0)} ms, longest task ${imported.longest_task_ms.toFixed(0)} ms (over 50 ms: ${imported.tasks_over_50.join(', ') || 'none'}), save ${imported.save_ms?.toFixed(1)} ms (main thread), committed ${imported.save_committed_ms?.toFixed(0)} ms; "${imported.report}"`);
      result.ten_k = {
        load_empty: load0,
        load: load,
        marks,
        heap_empty: heap0,
        heap: heap10k,
        stored: {
          // IndexedDB: the document's records (key strings + value text, UTF-16 code units).
          records: records?.records ?? 0,
          units: records?.units ?? null,
          key_units: records?.key_units ?? null,
          value_units: records?.value_units ?? null,
          per_annotation: records?.records ? records.units / records.records : null,
          meta: records?.meta ?? null,
          stores: records?.stores ?? null,
          // navigator.storage.estimate(): before and after seeding, and with the app loaded.
          estimate_before: seed.estimate_before,
          estimate_seeded: seed.estimate_after,
          estimate_loaded: records?.estimate ?? null,
          seed_ms: seed.seed_ms,
          // What is left in localStorage (all keys), and whether the old annotations key is there.
          local_units: local.all,
          local_keys: local.keys,
          local_doc_key_units: local.keys[DOC_KEY(BUNDLED_ID)] ?? 0,
          local_units_after_clicks: localAfter.all,
          // The same 10,000 in earlier builds' one localStorage key (key + envelope), for comparison.
          legacy_units: DOC_KEY(BUNDLED_ID).length + bundled10k.length,
          quota_units: QUOTA_UNITS,
          safari_units: SAFARI_UNITS,
        },
        clicks,
        annotations_after: count,
        to_frame_ms: median(clicks.map((c) => c.to_frame_ms)),
        to_frame_max_ms: Math.max(...clicks.map((c) => c.to_frame_ms)),
        only_touched: clicks.every((c) => c.rerendered.length > 0 && c.rerendered.every((b) => b === c.block)),
        saved: clicks.filter((c) => c.saved).length,
        save_ms: median(clicks.map((c) => c.save_ms)),
        save_max_ms: Math.max(...clicks.map((c) => c.save_ms ?? -Infinity)),
        save_committed_ms: median(clicks.map((c) => c.save_committed_ms)),
        change_to_committed_ms: median(clicks.map((c) => c.change_to_committed_ms)),
        committed_start_after_save_ms: median(clicks.map((c) => c.committed_start_after_save_ms)),
        local_storage_writes: [...new Set(clicks.flatMap((c) => c.local_storage_writes))],
        reference,
        download,
        imported,
      };
      log(`  stored: ${records?.records} records, ${records?.units} units in IndexedDB; localStorage ${local.all} units (${Object.keys(local.keys).join(', ') || 'empty'}); estimate usage ${seed.estimate_before?.usage} → ${seed.estimate_after?.usage} → ${records?.estimate?.usage} of ${records?.estimate?.quota}`);
      log(`  annotations after the clicks: ${count}; reference: JSON.stringify ${reference.stringify_ms?.toFixed(1)} ms + setItem = ${reference.stringify_and_set_ms?.toFixed(1)} ms (${reference.annotations})${reference.error ? ` (${reference.error})` : ''}`);
    }

    // The domain in wasm, as the app compiles it: re-anchoring 10,000 on the unchanged 1 MB text,
    // and the save's encoding of 10,000 (vs one JSON.stringify in the same page).
    if (want('wasm')) {
      log('wasm harness: re-anchor 10,000 on 1 MB, encode 10,000, search 10,000 in 50 documents');
      const context = await newContext(browser);
      const page = await context.newPage();
      await page.goto(`${base}/bench/pages/harness.html`);
      await page.evaluate(() => window.harness);
      result.wasm = {
        reanchor: await page.evaluate(() => window.benchReanchor('/bench/fixtures/big.txt', '/bench/fixtures/big-10k.json', 7)),
        encode: await page.evaluate(() => window.benchEncode('/bench/fixtures/bundled-10k.json', 7)),
        search: await page.evaluate(() => window.benchSearch('/bench/fixtures/bundled-10k.json', 'pakistan military', 9)),
      };
      await context.close();
      log(`  search every document (${result.wasm.search.annotations} in ${result.wasm.search.documents}): ${result.wasm.search.keystroke_ms.toFixed(2)} ms a keystroke (slowest ${result.wasm.search.keystroke_max_ms.toFixed(2)}), naive scan ${result.wasm.search.naive_ms.toFixed(2)} ms`);
      log(`  re-anchor ${result.wasm.reanchor.anchor_ms.toFixed(1)} ms (${result.wasm.reanchor.anchored}/${result.wasm.reanchor.total} anchored), encode ${result.wasm.encode.encode_ms.toFixed(1)} ms vs JSON.stringify ${result.wasm.encode.stringify_ms.toFixed(1)} ms`);
    }

    // (f) The 1 MB article, opened as a reader's stored document (`#doc=<id>`), vs plain DOM calls.
    let supported = want('big');
    if (supported) try { execFileSync('grep', ['-rqs', 'v1/text', join(ROOT, 'src')]); } catch { supported = false; }
    if (want('big')) log(`1 MB article: first screen, app vs plain DOM calls (${ROUNDS} fresh loads each, taking turns)`);
    let big1 = null;
    let bigRef = null;
    let why = supported ? null : 'the app cannot open a stored document yet (no marginalia/v1/text/<id>)';
    if (supported) {
      try {
        const storage = [[TEXT_KEY(BIG_ID), bigStored]];
        [big1, bigRef] = await paintAlternating(browser, base, [
          { path: `/#doc=${BIG_ID}`, storage, settleMs: 3000 },
          { path: '/bench/pages/plain-dom.html', storage, settleMs: 3000 },
        ]);
        if (big1.blocks < big.paragraphs.length) {
          why = `the app showed ${big1.blocks} blocks ("${big1.title}"), not the 1 MB document's ${big.paragraphs.length}`;
          big1 = null;
        }
      } catch (e) {
        why = `the app did not paint the 1 MB document: ${e.message.split('\n')[0]}`;
      }
    }
    if (big1) {
      const ref = bigRef;
      result.big_paint = { app: big1, plain_dom: ref, ratio: big1.fcp_ms / ref.fcp_ms };
      log(`  app ${big1.fcp_ms.toFixed(1)} ms, plain DOM ${ref.fcp_ms.toFixed(1)} ms; longest task after paint ${big1.longest_after_paint_ms.toFixed(0)} ms`);
      // With 10,000 annotations too (anchored by the app on load): informative.
      try {
        const withAnns = await paintRounds(browser, base, `/#doc=${BIG_ID}`,
          [[TEXT_KEY(BIG_ID), bigStored]], 3000, [[BIG_ID, big10k]]);
        result.big_paint_10k = withAnns;
        log(`  with 10,000 annotations: ${withAnns.fcp_ms.toFixed(1)} ms, highlights shown ${withAnns.marks_shown_ms?.toFixed(1)} ms (${withAnns.marks} marks)`);
      } catch (e) {
        result.big_paint_10k = { error: e.message.split('\n')[0] };
        log(`  with 10,000 annotations: ${result.big_paint_10k.error}`);
      }
    } else if (want('big')) {
      result.big_paint = { pending: why };
      log(`  pending: ${why}`);
    }
    result.big_text_chars = bigText.length;

    // (g) Articles from the web (issue 32): a saved page of 1 MB of article text opened through
    // the Library's Open a file; its extraction runs in steps (User Timing `web-step`, the whole
    // `web-extract`). The first step is the browser's own parse (DOMParser), one task by nature.
    if (want('web')) {
      log('web page: 1 MB of article text opened as a saved page, extraction in steps');
      const PARA = 'Readers who annotate keep what they read, and the margins of a page, printed or not, are where they argue with it, slowly and on their own terms.';
      const paras = [];
      for (let i = 0; paras.join('').length < 1_000_000; i++) paras.push(`<p>Paragraph ${i}: ${PARA} It goes on, with commas, clauses and more words, as articles do.</p>`);
      const html = `<!DOCTYPE html><html><head><title>A Very Long Article</title></head><body><nav>Home</nav><article><h1>A Very Long Article</h1>${paras.join('\n')}</article></body></html>`;
      const runs = [];
      for (let round = 0; round < 3; round++) {
        const context = await newContext(browser);
        const page = await context.newPage();
        await page.goto(`${base}/`);
        await page.waitForSelector('#article h1');
        await page.getByRole('button', { name: 'Library' }).click();
        await page.evaluate(() => { window.__bench.measures.length = 0; window.__bench.longtasks.length = 0; });
        await page.getByRole('dialog', { name: 'Library' }).getByLabel('Open a file').setInputFiles({ name: 'long.html', mimeType: 'text/html', buffer: Buffer.from(html) });
        await page.waitForFunction(() => window.__bench.measures.some(([n]) => n === 'web-extract'), null, { timeout: 60_000 });
        await page.waitForFunction((n) => document.querySelectorAll('#article [data-block]').length === n, paras.length, { timeout: 60_000 });
        const m = await page.evaluate(() => ({ measures: window.__bench.measures, longtasks: window.__bench.longtasks }));
        const steps = m.measures.filter(([n]) => n === 'web-step');
        const [, start, total] = m.measures.find(([n]) => n === 'web-extract');
        const firstEnd = steps.length ? steps[0][1] + steps[0][2] : start;
        const after = steps.slice(1).map(([, , d]) => d);
        // Long tasks (over 50 ms, as the browser reports them) inside the extraction, after its first step.
        const tasks = m.longtasks.filter(([t, d]) => t >= firstEnd && t + d <= start + total + 1).map(([, d]) => d);
        runs.push({ html_bytes: html.length, paragraphs: paras.length, steps: steps.length, step_ms: steps.map(([, , d]) => Math.round(d * 10) / 10), first_step_ms: steps[0]?.[2] ?? null,
          longest_step_after_first_ms: Math.max(...after), total_ms: total, long_tasks_after_first: tasks });
        log(`  round ${round + 1}: ${steps.length} steps in ${total.toFixed(0)} ms (wall, with yields); first step (parse) ${steps[0]?.[2].toFixed(1)} ms; longest step after it ${Math.max(...after).toFixed(1)} ms; long tasks after the first step: ${tasks.map((d) => d.toFixed(0)).join(', ') || 'none'}; steps ${steps.map(([, , d]) => d.toFixed(0)).join(' + ')} ms`);
        await context.close();
      }
      result.web = { runs, longest_step_after_first_ms: Math.max(...runs.map((r) => r.longest_step_after_first_ms)),
        first_step_ms: median(runs.map((r) => r.first_step_ms)), total_ms: median(runs.map((r) => r.total_ms)),
        long_tasks_after_first: runs.flatMap((r) => r.long_tasks_after_first), html_bytes: html.length, paragraphs: paras.length };
    }
  } finally {
    await browser.close();
    server.close();
  }
  const name = ONLY ? 'browser.only.json' : 'browser.json';
  await writeFile(join(OUT, name), JSON.stringify(result, null, 1) + '\n');
  log(`written: target/bench/${name}`);
}

await main();
