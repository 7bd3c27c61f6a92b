// `make bench`: searching every document in the release app, keystroke by keystroke (issue 33).
// The library holds 50 documents of 200 annotations each (the fixture bundled-10k.json, split),
// written straight into the app's IndexedDB and library index; the bundled article is open.
// **Every document** is chosen, then a reader types "pakistan military" into the search field.
// Per keystroke: keydown → the hits and count in the DOM (the last DOM change it caused, seen
// by a MutationObserver), and whether the next paint came later than one frame after the key
// (the Event Timing API reports only events of 16 ms or more: none reported is within a frame).
// Writes target/bench/search.json. Reads target/bench/fixtures/ (examples/gen_fixtures.rs) and
// the release build (BENCH_DIST, default target/bench/dist).
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = join(ROOT, 'target/bench');
const DIST = process.env.BENCH_DIST || join(OUT, 'dist');
const PORT = Number(process.env.BENCH_SEARCH_PORT || 4231);
const QUERY = 'pakistan military';
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const log = (...a) => console.error('  ', ...a);
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : null;
};

const envelope = readFileSync(join(OUT, 'fixtures/bundled-10k.json'), 'utf8');
const server = spawn(process.execPath, [join(ROOT, 'e2e/serve.mjs'), DIST, String(PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => server.stdout.once('data', resolve));
const base = `http://127.0.0.1:${PORT}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const result = { query: QUERY, rounds: [] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    // The app has made its database by now (it reads it after the article is shown).
    await page.waitForFunction(() => new Promise((resolve) => {
      const r = indexedDB.open('marginalia');
      r.onsuccess = () => { const ok = r.result.objectStoreNames.contains('annotations'); r.result.close(); resolve(ok); };
      r.onerror = () => resolve(false);
    }));
    const seeded = await page.evaluate(async (text) => {
      const env = JSON.parse(text);
      const docs = Array.from({ length: 50 }, (_, d) => ({ id: `bench-doc-${d}`, anns: env.annotations.slice(d * 200, d * 200 + 200) }));
      const db = await new Promise((resolve, reject) => { const r = indexedDB.open('marginalia'); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
      await new Promise((resolve, reject) => {
        const tx = db.transaction(['annotations', 'meta'], 'readwrite');
        for (const d of docs) {
          for (const a of d.anns) tx.objectStore('annotations').put(JSON.stringify(a), [d.id, a.id]);
          tx.objectStore('meta').put('{"version":1}', d.id);
        }
        tx.oncomplete = resolve; tx.onerror = () => reject(tx.error);
      });
      db.close();
      const key = 'marginalia/v1/library';
      const lib = JSON.parse(localStorage.getItem(key) || '{"entries":[]}');
      docs.forEach((d, i) => lib.entries.push({ id: d.id, title: `Bench document ${i + 1}`, file_name: `bench-${i + 1}.md`, annotations: d.anns.length, last_opened: Date.now() - i * 1000 }));
      localStorage.setItem(key, JSON.stringify(lib));
      return docs.reduce((n, d) => n + d.anns.length, 0);
    }, envelope);
    await page.reload();
    await page.getByRole('heading', { level: 1 }).waitFor();
    const t = Date.now();
    await page.getByRole('radio', { name: 'Every document' }).check();
    const status = page.locator('#panel').getByRole('status');
    await status.filter({ hasText: /^Type to search 10,000 annotations/ }).waitFor({ timeout: 60_000 });
    const readMs = Date.now() - t;
    const search = page.getByRole('searchbox', { name: 'Search annotations' });
    await search.focus();
    await page.evaluate(() => {
      window.__keys = [];
      window.__slow = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__slow.push({ name: e.name, duration: e.duration, processing: e.processingEnd - e.processingStart });
      }).observe({ type: 'event', durationThreshold: 16 });
      const panel = document.getElementById('panel');
      new MutationObserver(() => {
        const k = window.__keys[window.__keys.length - 1];
        if (k) k.dom = performance.now() - k.t0;
      }).observe(panel, { childList: true, subtree: true, characterData: true });
      window.addEventListener('keydown', () => window.__keys.push({ t0: performance.now(), dom: null }), true);
    });
    const type = async () => {
      await page.evaluate(() => { window.__keys = []; window.__slow = []; });
      for (const ch of QUERY) {
        await page.keyboard.press(ch === ' ' ? 'Space' : ch);
        // The next frame and a task after it: the keystroke's work is done by then.
        await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
      }
      return page.evaluate(() => ({ keys: window.__keys.map((k) => k.dom), slow: window.__slow }));
    };
    const r = await type();
    await status.filter({ hasText: /match/ }).waitFor();
    const hits = await page.locator('.hit').count();
    const text = await status.textContent();
    // The reference, same page: the same keystrokes searching this document (the bundled
    // article, no annotations), the panel's filter with nothing to filter.
    await search.fill('');
    await page.getByRole('radio', { name: 'This document' }).check();
    await search.focus();
    const ref = await type();
    result.rounds.push({ seeded, read_ms: readMs, dom_ms: r.keys, slow_events: r.slow, hits_drawn: hits, status: text,
      reference_dom_ms: ref.keys, reference_slow_events: ref.slow });
    log(`round ${round + 1}: ${seeded} seeded; read in ${readMs} ms; keydown → DOM median ${median(r.keys)?.toFixed(1)} ms, slowest ${Math.max(...r.keys).toFixed(1)} ms; keydowns with a paint past 16 ms: ${r.slow.filter((e) => e.name === 'keydown').map((e) => e.duration).join(', ') || 'none'}; "${text}"; reference: keydown → DOM median ${median(ref.keys)?.toFixed(1)} ms, keydowns past 16 ms: ${ref.slow.filter((e) => e.name === 'keydown').length}`);
    await context.close();
  }
} finally {
  await browser.close();
  server.kill();
}
const all = result.rounds.flatMap((r) => r.dom_ms);
result.dom_ms_median = median(all);
result.dom_ms_max = Math.max(...all);
result.keystrokes = all.length;
// A keydown's entry runs to the paint after the keypress and input it leads to: one per keystroke.
result.slow_keystrokes = result.rounds.reduce((n, r) => n + r.slow_events.filter((e) => e.name === 'keydown').length, 0);
result.slow_keydown_ms = result.rounds.flatMap((r) => r.slow_events.filter((e) => e.name === 'keydown').map((e) => e.duration));
const refAll = result.rounds.flatMap((r) => r.reference_dom_ms);
result.reference_dom_ms_median = median(refAll);
result.reference_dom_ms_max = Math.max(...refAll.filter(Number.isFinite));
result.reference_slow_keystrokes = result.rounds.reduce((n, r) => n + r.reference_slow_events.filter((e) => e.name === 'keydown').length, 0);
result.read_ms_median = median(result.rounds.map((r) => r.read_ms));
writeFileSync(join(OUT, 'search.json'), JSON.stringify(result, null, 1) + '\n');
log(`search every document in the app: keydown → DOM median ${result.dom_ms_median?.toFixed(1)} ms, slowest ${result.dom_ms_max.toFixed(1)} ms over ${result.keystrokes} keystrokes; ${result.slow_keystrokes} keystrokes painted past 16 ms; reading the 10,000 ${result.read_ms_median} ms (median); reference (this document, nothing to filter): median ${result.reference_dom_ms_median?.toFixed(1)} ms, slowest ${result.reference_dom_ms_max.toFixed(1)} ms, ${result.reference_slow_keystrokes} painted past 16 ms`);
