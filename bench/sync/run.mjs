// Sync (issue 31): the first sync of 10,000 annotations to an empty device, and one change
// reaching a second device — Marginalia beside PouchDB's own replication of the same documents
// from the same server, in the same headless Chromium.
//
// 1. A pouchdb-server (npm, pinned in package.json) in memory on loopback, CORS with
//    credentials for the page's origin, an admin, a user and its database (`userdb-<hex>`,
//    `_security`), as e2e/sync.spec.mjs sets it up.
// 2. The database is filled by the app's own engine: crates/marginalia-sync/examples/seed_sync.rs
//    records N annotations over the bundled article (the native benchmarks' generator) and
//    pushes them signed in as the user (native, ureq): its time and requests are reported too.
// 3. First sync, the two taking turns, ROUNDS each, every run a fresh browser context (an empty
//    device):
//    * Marginalia: the release build; Sync dialog → server, name, password → Sign in; the clock
//      runs from the click to the top bar's "Synced" with all N annotations in IndexedDB (and,
//      reported beside it, to the first highlight drawn in the open article).
//    * PouchDB (npm `pouchdb`, pinned; dist/pouchdb.min.js, IndexedDB adapter) in a blank page
//      from the same origin: POST /_session (credentials: include), then
//      PouchDB.replicate(remote, local) with the cookie; the clock runs from the sign-in to the
//      replication's completion with N documents in the local database.
//    For both: HTTP requests to the server (Playwright request events in the context), and the
//    longest main-thread task during the sync (PerformanceObserver "longtask"; the issue asks
//    for none over 50 ms): for the app, from the click to 1 s after the highlights are drawn.
// 4. One change reaching a second device, CHANGES times each:
//    * Marginalia: two signed-in, synced pages (the last two first-sync runs' contexts, kept
//      open); a highlight on A (from the mouse-up on Highlight, the click event's time stamp in
//      A's page) → B's article drawing changes (a MutationObserver, at the next frame). A phrase
//      the seeded annotations already highlight exactly is no change ("Already highlighted"):
//      skipped for the next.
//    * PouchDB: two pages with the N documents (the last two PouchDB runs' contexts): one writes
//      an annotation document locally under a live push replication, the other's live pull
//      replication reports it.
//    On each side the first change is a warm-up, not counted. Both B's hold a long-poll
//    `_changes` open (src/ui/services/server_sync.rs). Per change: each device's requests, and
//    the app's User Timing marks (`marginalia:sync …`), as a breakdown of where the time goes.
//
// Writes target/bench/sync.json; figures only, nothing here fails on time (only on a sync that
// does not finish, with what it saw).
//
// Environment:
//   BENCH_DIST           the build to measure (default: target/bench/dist, bench/run.sh's snapshot)
//   BENCH_SYNC_N         annotations (default 10000)
//   BENCH_SYNC_ROUNDS    first syncs of each (default 3)
//   BENCH_SYNC_CHANGES   changes timed on each, after one warm-up (default 5; 0: the first sync only)
//   BENCH_SYNC_TIMEOUT   ms a first sync may take before it is reported as not finishing (default 240000)
//   BENCH_SYNC_PORT      the static server's port (default 4873)
//   BENCH_SYNC_ONLY      marginalia or pouchdb: run one side only
//   BENCH_SYNC_TRACE     a file: Chromium's trace of the app's first first sync, written there
//                        (devtools timeline; bench/sync/longtasks.mjs tells its long tasks apart)
import { createServer } from 'node:http';
import { createServer as netServer } from 'node:net';
import { spawn, execFileSync } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');
const OUT = join(ROOT, 'target/bench');
const DIST = process.env.BENCH_DIST || join(OUT, 'dist');
const N = Number(process.env.BENCH_SYNC_N || 10_000);
const ROUNDS = Number(process.env.BENCH_SYNC_ROUNDS || 3);
const CHANGES = Number(process.env.BENCH_SYNC_CHANGES || 5);
const TIMEOUT_MS = Number(process.env.BENCH_SYNC_TIMEOUT || 240_000);
const PORT = Number(process.env.BENCH_SYNC_PORT || 4873);
const ONLY = process.env.BENCH_SYNC_ONLY || null;
let TRACE = process.env.BENCH_SYNC_TRACE || null;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const NAME = 'reader';
const PASSWORD = 'reader-pw';
const DB = 'userdb-' + Buffer.from(NAME).toString('hex');
const ADMIN = 'Basic ' + Buffer.from('admin:secret').toString('base64');
const DOC = 'pakistan-army-chief-iran';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'];

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const log = (...a) => console.error('  ', ...a);
const version = (name) => { try { return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return null; } };

function freePort() {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// ---- the server -------------------------------------------------------------------------------

let couchUrl;
async function couch(method, path, body, auth = ADMIN) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (auth) headers.Authorization = auth;
  const send = () => fetch(couchUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  // Once more if the server closed an idle kept-alive socket as it was reused (after the seed).
  const r = await send().catch(send);
  return { status: r.status, json: await r.json().catch(() => null) };
}

async function startCouch(dir) {
  const port = await freePort();
  couchUrl = `http://127.0.0.1:${port}`;
  const child = spawn(join(ROOT, 'node_modules/.bin/pouchdb-server'), ['--host', '127.0.0.1', '--port', String(port), '--in-memory',
    '--dir', dir, '--config', join(dir, 'config.json'), '--no-stdout-logs'], { cwd: dir, stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try { if ((await fetch(couchUrl + '/')).ok) break; } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('pouchdb-server did not answer in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const must = (what, r, ok) => { if (!ok.includes(r.status)) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.json)}`); };
  for (const [path, value] of [['httpd/enable_cors', 'true'], ['cors/origins', ORIGIN], ['cors/credentials', 'true'],
    ['cors/methods', 'GET, PUT, POST, HEAD, DELETE'], ['cors/headers', 'accept, authorization, content-type, origin, referer']]) {
    must(path, await couch('PUT', `/_config/${path}`, value, null), [200]);
  }
  must('admin', await couch('PUT', '/_config/admins/admin', 'secret', null), [200]);
  must('user', await couch('PUT', `/_users/${encodeURIComponent(`org.couchdb.user:${NAME}`)}`, { name: NAME, password: PASSWORD, roles: [], type: 'user' }), [201]);
  must('database', await couch('PUT', `/${DB}`), [201]);
  must('_security', await couch('PUT', `/${DB}/_security`, { admins: { names: [NAME], roles: [] }, members: { names: [NAME], roles: [] } }), [200]);
  return child;
}

// ---- the pages --------------------------------------------------------------------------------

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.webmanifest': 'application/manifest+json', '.txt': 'text/plain; charset=utf-8' };
const POUCH_PAGE = '<!doctype html><meta charset="utf-8"><title>PouchDB</title><script src="/__pouch/pouchdb.min.js"></script>';

function serve() {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    try {
      if (url.pathname === '/__pouch/') {
        res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' });
        return res.end(POUCH_PAGE);
      }
      if (url.pathname === '/__pouch/pouchdb.min.js') {
        res.writeHead(200, { 'content-type': TYPES['.js'], 'cache-control': 'no-store' });
        return res.end(await readFile(join(ROOT, 'node_modules/pouchdb/dist/pouchdb.min.js')));
      }
      let path = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
      if (path.endsWith('/')) path += 'index.html';
      const body = await readFile(join(DIST, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] || 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      // (A page that went away mid-answer: nothing more to say.)
      if (res.headersSent) return res.destroy();
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(PORT, '127.0.0.1', () => resolve(server)));
}

/** Every page: long tasks recorded from the start (the observer is set before any script). */
const LONGTASKS = () => {
  window.__longtasks = [];
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longtasks.push([e.startTime, e.duration]); })
      .observe({ type: 'longtask', buffered: true });
  } catch { /* no longtask support: reported as null */ }
  // The app's User Timing measures (marginalia:…), to tell which step a long task was.
  window.__measures = [];
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.name.startsWith('marginalia:')) window.__measures.push([e.name, e.startTime, e.duration]); })
      .observe({ type: 'measure' });
  } catch { /* none: reported empty */ }
  // The sync's steps (marginalia:sync …): on the epoch clock, to line two pages up.
  window.__syncMarks = [];
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.name.startsWith('marginalia:sync ')) window.__syncMarks.push([e.name.slice(16), performance.timeOrigin + e.startTime]); })
      .observe({ type: 'mark' });
  } catch { /* none: no breakdown */ }
};

async function freshContext(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(LONGTASKS);
  // `log`: every request to the server (epoch ms, method, path), for the one-change breakdown.
  const requests = { n: 0, counting: false, log: [] };
  context.on('request', (r) => {
    if (!r.url().startsWith(couchUrl)) return;
    if (requests.counting) requests.n++;
    requests.log.push([Date.now(), r.method(), new URL(r.url()).pathname.split('/').slice(2).join('/').replace(/^_local\/.*/, '_local') || 'db']);
  });
  return { context, requests };
}

const longestSince = (page, from, to) => page.evaluate(([from, to]) => {
  const ts = window.__longtasks.filter(([s, d]) => s + d >= from && s <= to);
  return { longest: ts.reduce((m, [, d]) => Math.max(m, d), 0), over50: ts.filter(([, d]) => d > 50).length, tasks: ts.length,
    // In order, with when they started (ms after the sign-in): whether they grow as the sync goes on.
    long_tasks: ts.map(([s, d]) => [Math.round(s - from), Math.round(d)]),
    // The app's measures over 10 ms in the same span (name, start after the sign-in, length).
    measures: (window.__measures || []).filter(([, s, d]) => d > 10 && s + d >= from && s <= to)
      .map(([n, s, d]) => [n.replace('marginalia:', ''), Math.round(s - from), Math.round(d)]) };
}, [from, to]);

// ---- Marginalia -------------------------------------------------------------------------------

/** Resolves with performance.now() when the top bar says "Synced" and IndexedDB holds `n`
 * annotations of the bundled article (checked whenever the status reads "Synced"). */
const WATCH_SYNCED = ([n, doc, timeout]) => new Promise((resolve) => {
  const t0 = performance.now();
  let counting = false;
  let lastSeen = { status: '', count: null };
  const count = () => new Promise((ok) => {
    const open = indexedDB.open('marginalia');
    open.onsuccess = () => {
      const db = open.result;
      try {
        const req = db.transaction('annotations').objectStore('annotations').count(IDBKeyRange.bound([doc], [doc, []]));
        req.onsuccess = () => { db.close(); ok(req.result); };
        req.onerror = () => { db.close(); ok(-1); };
      } catch { db.close(); ok(-1); }
    };
    open.onerror = () => ok(-1);
  });
  const tick = async () => {
    const status = document.querySelector('.sync-status')?.textContent.trim() ?? '';
    lastSeen.status = status;
    if (status === 'Synced' && !counting) {
      const at = performance.now();
      counting = true;
      const c = await count();
      counting = false;
      lastSeen.count = c;
      if (c >= n) return resolve({ ok: true, at, count: c });
    }
    if (performance.now() - t0 > timeout) return resolve({ ok: false, ...lastSeen, at: performance.now() });
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
});

async function marginaliaFirstSync(browser) {
  const { context, requests } = await freshContext(browser);
  const page = await context.newPage();
  await page.goto(ORIGIN + '/');
  await page.locator('#article mark, #article p').first().waitFor();
  await page.locator('.sync-status').click();
  const dialog = page.getByRole('dialog', { name: 'Sync' });
  await dialog.getByRole('textbox', { name: 'Server address' }).fill(couchUrl);
  await dialog.getByRole('textbox', { name: 'User name' }).fill(NAME);
  await dialog.getByLabel('Password').fill(PASSWORD);
  const signIn = dialog.getByRole('button', { name: 'Sign in' });
  await signIn.waitFor();
  requests.n = 0;
  requests.counting = true;
  const t0 = await page.evaluate(() => performance.now());
  const tracing = TRACE;
  TRACE = null;
  if (tracing) {
    await browser.startTracing(page, { path: tracing, screenshots: false,
      categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'v8', 'blink.user_timing'] });
  }
  const watching = page.evaluate(WATCH_SYNCED, [N, DOC, TIMEOUT_MS]);
  await signIn.click();
  const end = await watching;
  // Then the highlights drawn in the open article (the run merges what it brought once, at
  // its end), and a second more for what follows the drawing: the long tasks are counted over
  // all of it.
  const drawn = end.ok ? await page.evaluate(() => new Promise((resolve) => {
    const tick = () => (document.querySelector('#article mark') ? resolve(performance.now()) : requestAnimationFrame(tick));
    tick();
  })) : end.at;
  await page.waitForTimeout(1000);
  const settled = await page.evaluate(() => performance.now());
  requests.counting = false;
  if (tracing) await browser.stopTracing();
  const tasks = await longestSince(page, t0, settled);
  // The panel was closed by nothing: close the dialog for the change test later.
  await dialog.getByRole('button', { name: 'Close' }).click().catch(() => {});
  const marks = await page.locator('#article mark').count();
  return { context, page, requests_log: requests, ok: end.ok, ms: end.at - t0, drawn_ms: drawn - t0, requests: requests.n, ...tasks, marks, seen: end.ok ? undefined : end };
}

// ---- PouchDB ----------------------------------------------------------------------------------

const POUCH_FIRST_SYNC = async ([server, db, name, password, n]) => {
  const t0 = performance.now();
  const s = await fetch(`${server}/_session`, { method: 'POST', credentials: 'include',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ name, password }) });
  if (!s.ok) return { ok: false, error: `_session ${s.status}` };
  const remote = new PouchDB(`${server}/${db}`, { fetch: (url, opts) => PouchDB.fetch(url, { ...opts, credentials: 'include' }) });
  const local = new PouchDB('device');
  try {
    const r = await PouchDB.replicate(remote, local);
    const info = await local.info();
    const at = performance.now();
    window.__pouch = { remote, local };
    return { ok: r.ok && info.doc_count >= n, t0, at, docs: info.doc_count, written: r.docs_written };
  } catch (e) {
    return { ok: false, error: String(e && (e.message || e.name) || e) };
  }
};

async function pouchFirstSync(browser) {
  const { context, requests } = await freshContext(browser);
  const page = await context.newPage();
  await page.goto(ORIGIN + '/__pouch/');
  await page.waitForFunction(() => typeof PouchDB === 'function');
  requests.n = 0;
  requests.counting = true;
  const r = await page.evaluate(POUCH_FIRST_SYNC, [couchUrl, DB, NAME, PASSWORD, N]);
  requests.counting = false;
  if (!r.ok) return { context, page, requests_log: requests, ok: false, seen: r };
  const tasks = await longestSince(page, r.t0, r.at);
  return { context, page, requests_log: requests, ok: true, ms: r.at - r.t0, requests: requests.n, docs: r.docs, ...tasks };
}

// ---- one change, device to device -------------------------------------------------------------

/** Selects `phrase` in the article with the mouse (as e2e/helpers.mjs's dragSelect does); a
 * drag that missed (the page moved under it) is tried again. */
async function dragSelect(page, phrase) {
  for (let i = 0; ; i++) {
    try {
      return await dragSelectOnce(page, phrase);
    } catch (e) {
      if (i >= 3) throw e;
      log(`   (drag missed: ${e.message.slice(0, 160)}; again)`);
      await page.mouse.click(5, 300);
    }
  }
}

async function dragSelectOnce(page, phrase) {
  const p = await page.evaluate(async (phrase) => {
    const root = document.getElementById('article');
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let text = '';
    while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
    const at = text.indexOf(phrase);
    if (at < 0) throw new Error(`"${phrase}" is not in the article`);
    const locate = (i) => { for (let k = nodes.length - 1; k >= 0; k--) if (nodes[k][1] <= i) return [nodes[k][0], i - nodes[k][1]]; };
    locate(at)[0].parentElement.scrollIntoView({ block: 'center' });
    const rectOf = (i) => { const [node, off] = locate(i); const r = document.createRange(); r.setStart(node, off); r.setEnd(node, off + 1); return r.getBoundingClientRect(); };
    // A document with many annotations lays out only the paragraphs near the screen: those
    // coming into view take their size over the next frames. Measured once it stays put.
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    let top = NaN;
    for (let i = 0; i < 60; i++) {
      await frame();
      const now = rectOf(at).top;
      if (now === top) break;
      top = now;
    }
    const first = rectOf(at);
    const last = rectOf(at + phrase.length - 1);
    // Inside the first and last letters, not on a note's marker beside them (a seeded highlight
    // with a note may end right there).
    const onText = (x, y) => !document.elementFromPoint(x, y)?.closest('button');
    const y1 = first.top + first.height / 2;
    const y2 = last.top + last.height / 2;
    const x1 = [1, 2, 3, first.width / 2].map((d) => first.left + d).find((x) => onText(x, y1)) ?? first.left + 1;
    const x2 = [1, 2, 3, last.width / 2].map((d) => last.right - d).find((x) => onText(x, y2)) ?? last.right - 1;
    return { x1, y1, x2, y2 };
  }, phrase);
  await page.mouse.move(p.x1, p.y1);
  await page.mouse.down();
  await page.mouse.move(p.x2, p.y2, { steps: 6 });
  await page.mouse.up();
  const got = await page.evaluate(() => String(window.getSelection()));
  if (got !== phrase) {
    const at = await page.evaluate(({ x1, y1 }) => { const e = document.elementFromPoint(x1, y1); return `${e?.tagName}.${e?.className} ${innerWidth}x${innerHeight} ${document.activeElement?.tagName}.${document.activeElement?.className} dialogs:${document.querySelectorAll('dialog[open]').length}`; }, p);
    await page.screenshot({ path: join(OUT, 'sync-drag-failed.png') });
    throw new Error(`selected "${got}", not "${phrase}" (points ${JSON.stringify(p)}, there: ${at}; target/bench/sync-drag-failed.png)`);
  }
}

/** Phrases of the bundled article, one highlighted per change. */
const PHRASES = ['Hassan Rouhani', 'three-day visit', 'military relations', 'Mohammad Ali Jafari', 'Revolutionary Guard', 'support of the people', 'new era',
  'Basij Organization', 'popular force', 'full-time, active membership', 'linguistic similarities', 'volunteer forces', 'Sacred Defense'];

/** The sync's marks and requests of one page in [from, to) (epoch ms), relative to `from`. */
async function stepsOf(dev, from, to) {
  const marks = await dev.page.evaluate(([from, to]) => (window.__syncMarks || []).filter(([, t]) => t >= from && t < to), [from, to]);
  const requests = dev.requests.log.filter(([t]) => t >= from && t < to);
  return { marks: marks.map(([n, t]) => [n, Math.round(t - from)]), requests: requests.map(([t, m, p]) => [`${m} ${p}`, Math.round(t - from)]) };
}

/** The first time (ms after the click) a mark named `name` (or starting so, with `prefix`) came, after `after`. */
const firstMark = (marks, name, after = -1, prefix = false) => {
  const m = marks.find(([n, t]) => t >= after && (prefix ? n.startsWith(name) : n === name));
  return m ? m[1] : null;
};

/** Resolves once `page`'s article has not changed for a second (a first sync's drawing goes on
 * in slices after "Synced"), or after a minute. */
async function quiet(page) {
  await page.evaluate(() => new Promise((resolve) => {
    const article = document.getElementById('article');
    let timer;
    const obs = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, 1000); });
    const done = () => { obs.disconnect(); resolve(); };
    obs.observe(article, { subtree: true, childList: true, attributes: true, characterData: true });
    timer = setTimeout(done, 1000);
    setTimeout(done, 60_000);
  }));
}

async function marginaliaChanges(a, b) {
  await quiet(a.page);
  await quiet(b.page);
  const out = [];
  const outFromCall = [];
  const steps = [];
  const text = await a.page.evaluate(() => document.getElementById('article').textContent);
  // The first is a warm-up, not counted (as on PouchDB's side).
  // Spares: a phrase the seeded annotations already highlight exactly, in the same colour, is
  // no change ("Already highlighted", as "Revolutionary Guard" among the 10,000): the next one.
  const phrases = PHRASES.filter((p) => text.includes(p));
  const t0s = [];
  const seen = [];
  let k = 0;
  for (const phrase of phrases) {
    if (k > CHANGES) break;
    await a.page.bringToFront();
    await dragSelect(a.page, phrase);
    // B: the first change to its article's drawing after the click, at the next frame. (Counting
    // marks missed a highlight laid exactly over runs already marked by others: it redraws those
    // marks, on top, and adds none; "Revolutionary Guard" among the 10,000 was one.)
    await b.page.evaluate(([timeout]) => {
      const article = document.getElementById('article');
      window.__drawn = new Promise((resolve) => {
        let done = false;
        const end = (v) => { if (!done) { done = true; obs.disconnect(); resolve(v); } };
        window.__drawnEnd = end;
        const obs = new MutationObserver(() => requestAnimationFrame(() => end(Date.now())));
        obs.observe(article, { subtree: true, childList: true, attributes: true, characterData: true });
        setTimeout(() => end(null), timeout);
      });
    }, [30_000]);
    const button = a.page.getByRole('button', { name: 'Highlight', exact: true });
    await button.waitFor();
    // The instant of the mouse-up on Highlight in A's page (the click event's time stamp):
    // Playwright's click spends a while before it (scrolling, waiting for a stable target).
    await a.page.evaluate(() => {
      window.__clickAt = null;
      if (!window.__clickWatch) {
        window.__clickWatch = true;
        window.addEventListener('click', (e) => {
          if (e.target.closest?.('button')?.textContent.trim() === 'Highlight') window.__clickAt = performance.timeOrigin + e.timeStamp;
        }, true);
      }
    });
    const before = Date.now();
    await button.click();
    const t0 = await a.page.evaluate(() => window.__clickAt) ?? before;
    // A made a change (its sync recorded one), or said it had none to make.
    const made = await a.page.evaluate((t0) => new Promise((resolve) => {
      const tick = () => {
        if ((window.__syncMarks || []).some(([n, t]) => n === 'change-recorded' && t >= t0)) return resolve(true);
        if (document.querySelector('.toast-region')?.textContent.includes('Already highlighted')) return resolve(false);
        setTimeout(tick, 10);
      };
      tick();
      setTimeout(() => resolve(null), 5000);
    }), t0);
    if (made === false) {
      await b.page.evaluate(() => window.__drawnEnd(null));
      log(`  marginalia change "${phrase}": already highlighted on A (by the seeded annotations), no change; the next phrase`);
      await a.page.waitForFunction(() => !document.querySelector('.toast-region')?.textContent.includes('Already highlighted'), null, { timeout: 15_000 });
      continue;
    }
    const at = await b.page.evaluate(() => window.__drawn);
    t0s.push(t0);
    seen.push(at);
    if (k > 0) {
      out.push(at === null ? null : at - t0);
      outFromCall.push(at === null ? null : at - before);
    }
    log(`  marginalia change "${phrase}"${k ? '' : ' (warm-up)'}: ${at === null ? 'not seen in 30 s' : `${Math.round(at - t0)} ms from the mouse-up (${at - before} ms from the bench's click call)`}`);
    k++;
    // Until both are quiet again (A's own change coming back to it through its long poll …).
    await a.page.waitForTimeout(1500);
  }
  // Where the time went, change by change: each page's marks and requests from the click to the next one's.
  for (let k = 1; k < t0s.length; k++) {
    const from = t0s[k];
    const to = t0s[k + 1] ?? Date.now();
    const sa = await stepsOf(a, from, to);
    const sb = await stepsOf(b, from, to);
    const drawn = seen[k] === null ? null : seen[k] - from;
    const bWatch = firstMark(sb.marks, 'watch-answered');
    const row = {
      a_recorded: firstMark(sa.marks, 'change-recorded'),
      a_run: firstMark(sa.marks, 'run'),
      a_docs_sent: firstMark(sa.marks, 'send POST _bulk_docs'),
      a_docs_answered: firstMark(sa.marks, 'answer POST _bulk_docs'),
      b_watch_answered: bWatch,
      b_run: firstMark(sb.marks, 'run', bWatch ?? 0),
      b_fetched: firstMark(sb.marks, 'answer POST _bulk_get', bWatch ?? 0),
      b_applied: firstMark(sb.marks, 'applied', bWatch ?? 0),
      b_publish: firstMark(sb.marks, 'publish', bWatch ?? 0),
      b_drawn: drawn,
      a_requests: sa.requests.length,
      b_requests: sb.requests.length,
      a: sa,
      b: sb,
    };
    steps.push(row);
    log(`  change ${k}: A ${sa.requests.map(([r, t]) => `${r}@${t}`).join(', ')}`);
    log(`            B ${sb.requests.map(([r, t]) => `${r}@${t}`).join(', ')}`);
    log(`            marks A ${sa.marks.map(([n, t]) => `${n}@${t}`).join(', ')}`);
    log(`            marks B ${sb.marks.map(([n, t]) => `${n}@${t}`).join(', ')}; drawn @${drawn}`);
  }
  return { each: out, eachFromCall: outFromCall, steps };
}

/** Medians of the breakdown's instants over the timed changes. */
function breakdown(steps) {
  const keys = ['a_recorded', 'a_run', 'a_docs_sent', 'a_docs_answered', 'b_watch_answered', 'b_run', 'b_fetched', 'b_applied', 'b_publish', 'b_drawn', 'a_requests', 'b_requests'];
  return Object.fromEntries(keys.map((k) => [k, median(steps.map((s) => s[k]).filter((x) => x !== null))]));
}

async function pouchChanges(w, r) {
  const [writer, reader] = [w.page, r.page];
  const t0s = [];
  // The reader: a live pull from the server into its N documents; the writer: a live push.
  await reader.evaluate(() => {
    const { remote, local } = window.__pouch;
    window.__seen = new Map();
    window.__live = PouchDB.replicate(remote, local, { live: true, retry: true })
      .on('change', (info) => { for (const d of info.docs) if (!window.__seen.has(d._id)) window.__seen.set(d._id, Date.now()); });
  });
  await writer.evaluate(() => {
    const { remote, local } = window.__pouch;
    window.__live = PouchDB.replicate(local, remote, { live: true, retry: true });
  });
  await writer.waitForTimeout(1000);
  const out = [];
  // The first is a warm-up, not counted (as on the app's side).
  for (let i = 0; i <= CHANGES; i++) {
    const id = `annotation:pakistan-army-chief-iran:urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const t0 = await writer.evaluate(async (id) => {
      const now = Date.now();
      await window.__pouch.local.put({ _id: id, type: 'annotation', doc: 'pakistan-army-chief-iran', modified: now,
        annotation: { id: id.split(':').slice(2).join(':'), note: '', tags: [], color: 'yellow', created: now, modified: now,
          quote: { exact: 'Hassan Rouhani', prefix: '', suffix: '' } } });
      return now;
    }, id);
    const at = await reader.evaluate(([id, timeout]) => new Promise((resolve) => {
      const t = Date.now();
      const tick = () => {
        if (window.__seen.has(id)) return resolve(window.__seen.get(id));
        if (Date.now() - t > timeout) return resolve(null);
        setTimeout(tick, 5);
      };
      tick();
    }), [id, 30_000]);
    if (i > 0) out.push(at === null ? null : at - t0);
    t0s.push(t0);
    log(`  pouchdb change ${i}${i ? '' : ' (warm-up)'}: ${at === null ? 'not seen in 30 s' : `${at - t0} ms`}`);
    await writer.waitForTimeout(1500);
  }
  // Requests per change on each side, from the write to the next one's.
  const steps = [];
  for (let k = 1; k < t0s.length; k++) {
    const from = t0s[k];
    const to = t0s[k + 1] ?? Date.now();
    const within = (dev) => dev.requests.log.filter(([t]) => t >= from && t < to).map(([t, m, p]) => [`${m} ${p}`, t - from]);
    const [sa, sb] = [within(w), within(r)];
    steps.push({ a_requests: sa.length, b_requests: sb.length, a: sa, b: sb });
    log(`  pouchdb change ${k}: A ${sa.map(([q, t]) => `${q}@${t}`).join(', ')}`);
    log(`                   B ${sb.map(([q, t]) => `${q}@${t}`).join(', ')}`);
  }
  await reader.evaluate(() => window.__live.cancel());
  await writer.evaluate(() => window.__live.cancel());
  return { each: out, steps };
}

// ---- the run ----------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'marginalia-bench-sync-'));
  const couchProc = await startCouch(dir);
  const web = await serve();
  let browser;
  try {
    log(`pouchdb-server ${version('pouchdb-server')} on ${couchUrl} (in memory); pages on ${ORIGIN}`);
    // The app's engine fills the database (native).
    const seedOut = execFileSync('cargo', ['run', '--quiet', '--profile', 'bench', '-p', 'marginalia-sync', '--example', 'seed_sync', '--',
      couchUrl, NAME, PASSWORD, String(N)], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const seed = JSON.parse(seedOut.trim().split('\n').pop());
    const info = await couch('GET', `/${DB}`);
    log(`seeded by the app's engine (native push): ${seed.pushed} documents in ${seed.ms.toFixed(0)} ms, ${seed.requests} requests; the database holds ${info.json.doc_count}`);

    browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
    const runs = { marginalia: [], pouchdb: [] };
    const keep = { marginalia: [], pouchdb: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const [name, fn] of [['marginalia', marginaliaFirstSync], ['pouchdb', pouchFirstSync]]) {
        if (ONLY && ONLY !== name) continue;
        const r = await fn(browser);
        const { context, page, requests_log, ...fig } = r;
        runs[name].push(fig);
        log(`${name.padEnd(10)} first sync ${i + 1}: ${r.ok ? `${r.ms.toFixed(0)} ms${r.drawn_ms ? ` (highlights drawn at ${r.drawn_ms.toFixed(0)} ms)` : ''}, ${r.requests} requests, longest task ${r.longest.toFixed(0)} ms (${r.over50} over 50 ms)` : `DID NOT FINISH: ${JSON.stringify(r.seen)}`}`);
        // The last two of each stay open as the two devices of the change test.
        keep[name].push({ context, page, requests: requests_log });
        if (keep[name].length > 2) await keep[name].shift().context.close();
      }
    }
    const summary = (rs) => {
      const ok = rs.filter((r) => r.ok);
      return { runs: rs.length, finished: ok.length, ms: median(ok.map((r) => r.ms)), drawn_ms: median(ok.map((r) => r.drawn_ms)), requests: median(ok.map((r) => r.requests)),
        longest_task_ms: median(ok.map((r) => r.longest)), longest_task_max_ms: ok.length ? Math.max(...ok.map((r) => r.longest)) : null,
        tasks_over_50ms: median(ok.map((r) => r.over50)), each: rs };
    };
    const first = { marginalia: summary(runs.marginalia), pouchdb: summary(runs.pouchdb) };

    let change = { marginalia: null, pouchdb: null };
    if (CHANGES > 0 && keep.marginalia.length === 2 && runs.marginalia.slice(-2).every((r) => r.ok)) {
      const m = await marginaliaChanges(keep.marginalia[0], keep.marginalia[1]);
      change.marginalia = { ms: median(m.each), each: m.each, ms_from_click_call: median(m.eachFromCall), each_from_click_call: m.eachFromCall, breakdown: breakdown(m.steps), steps: m.steps };
      log(`marginalia one change, medians (ms after the click): ${JSON.stringify(change.marginalia.breakdown)}`);
    }
    if (CHANGES > 0 && keep.pouchdb.length === 2 && runs.pouchdb.slice(-2).every((r) => r.ok)) {
      const p = await pouchChanges(keep.pouchdb[0], keep.pouchdb[1]);
      change.pouchdb = { ms: median(p.each), each: p.each, a_requests: median(p.steps.map((x) => x.a_requests)), b_requests: median(p.steps.map((x) => x.b_requests)), steps: p.steps };
      log(`pouchdb one change: requests per change A ${change.pouchdb.a_requests}, B ${change.pouchdb.b_requests}`);
    }
    const result = {
      date: new Date().toISOString(), load: (process.env.BENCH_LOAD || readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')),
      n: N, rounds: ROUNDS, server: `pouchdb-server ${version('pouchdb-server')} (in memory, loopback)`, pouchdb: version('pouchdb'),
      seed, first_sync: first, change, seconds: (Date.now() - started) / 1000,
    };
    for (const name of ['marginalia', 'pouchdb']) {
      const f = first[name];
      log(`${name.padEnd(10)} first sync of ${N}: ${f.ms === null ? 'did not finish' : `${(f.ms / 1000).toFixed(2)} s`} (median of ${f.finished}/${f.runs}), ${f.requests} requests, longest task ${f.longest_task_ms?.toFixed(0)} ms; one change ${change[name]?.ms ?? '—'} ms`);
    }
    await mkdir(OUT, { recursive: true });
    await writeFile(join(OUT, 'sync.json'), JSON.stringify(result, null, 1) + '\n');
    log(`written: target/bench/sync.json (${result.seconds.toFixed(0)} s)`);
  } finally {
    if (browser) await browser.close();
    web.close();
    couchProc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
