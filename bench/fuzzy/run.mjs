// Fuzzy-anchoring benchmark driver: generates the inputs, serves the page on 127.0.0.1, runs it
// in headless Chromium and prints a table. Figures only: nothing here asserts on time.
import { createServer } from 'node:http';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, extname, normalize as normPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');
const OUT = join(ROOT, 'target/bench');
const TEXT_CHARS = 1_000_000;
const EDIT_RATE = 0.05;
const QUOTES = 24;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
// Calls per quote and round, the same for both matchers.
const REPS = Number(process.env.REPS ?? 2);
const CONTEXT = 32;

// ---- deterministic inputs -------------------------------------------------------------------
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(20240611);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];

async function vocabulary() {
  const article = await readFile(join(ROOT, 'crates/marginalia-core/articles/pakistan-army-chief-iran.txt'), 'utf8');
  const words = new Set(
    article.split(/\s+/).map((w) => w.replace(/^[“"(\[]+|[”",.)\]:;]+$/g, '')).filter((w) => /^[\p{L}’'-]+$/u.test(w)),
  );
  // Plus made-up words from syllables, so that long stretches rarely repeat.
  const syl = ['ka', 'ri', 'to', 'man', 'sel', 'ver', 'di', 'on', 'ba', 'que', 'lis', 'tor', 'en', 'ad', 'mu', 'pha', 'gre', 'sti', 'al', 'or'];
  for (let i = 0; i < 4000; i++) {
    let w = '';
    const n = 1 + Math.floor(rnd() * 3);
    for (let s = 0; s < n; s++) w += pick(syl);
    words.add(w);
  }
  return [...words];
}

function makeText(vocab) {
  // Zipf-like: frequent words much more often.
  const word = () => vocab[Math.floor(vocab.length * rnd() ** 2.5)];
  const paragraphs = [];
  let len = 0;
  while (len < TEXT_CHARS) {
    const sentences = [];
    for (let s = 3 + Math.floor(rnd() * 6); s > 0; s--) {
      const n = 8 + Math.floor(rnd() * 18);
      const ws = [];
      for (let i = 0; i < n; i++) ws.push(word());
      ws[0] = ws[0][0].toUpperCase() + ws[0].slice(1);
      if (rnd() < 0.3) ws[Math.floor(n / 2)] += ',';
      if (rnd() < 0.15) { const i = 1 + Math.floor(rnd() * (n - 3)); ws[i] = '“' + ws[i]; ws[i + 2] += '”'; }
      if (rnd() < 0.1) ws.splice(1 + Math.floor(rnd() * (n - 2)), 0, '—');
      sentences.push(ws.join(' ') + '.');
    }
    const p = sentences.join(' ');
    paragraphs.push(p);
    len += p.length + 2;
  }
  return paragraphs.join('\n\n').slice(0, TEXT_CHARS);
}

/** 5% random edits; `at[i]` is where original character i is in the edited text (-1: deleted). */
function edit(text) {
  const out = [];
  const at = new Int32Array(text.length);
  const letter = () => String.fromCharCode(97 + Math.floor(rnd() * 26));
  for (let i = 0; i < text.length; i++) {
    const r = rnd();
    if (r < EDIT_RATE / 3) { at[i] = out.length; out.push(letter()); }        // substitution
    else if (r < (2 * EDIT_RATE) / 3) { at[i] = -1; }                           // deletion
    else if (r < EDIT_RATE) { out.push(letter()); at[i] = out.length; out.push(text[i]); } // insertion
    else { at[i] = out.length; out.push(text[i]); }
  }
  return { edited: out.join(''), at };
}

function makeQuotes(text, at) {
  const quotes = [];
  for (let i = 0; i < QUOTES; i++) {
    const want = Math.round(32 * 32 ** (i / (QUOTES - 1)));
    let start = 1000 + Math.floor(rnd() * (text.length - 4000));
    while (/\s/.test(text[start]) || !/\s/.test(text[start - 1])) start++;
    let end = start + want;
    while (/\s/.test(text[end - 1])) end--;
    if (end - start < 32) end = start + 32;
    const span = [];
    for (let j = start; j < end; j++) if (at[j] >= 0) span.push(at[j]);
    quotes.push({
      exact: text.slice(start, end),
      prefix: text.slice(start - CONTEXT, start),
      suffix: text.slice(end, end + CONTEXT),
      start,
      end,
      expected: [span[0], span[span.length - 1] + 1],
    });
  }
  return quotes;
}

/** Found at the right place: the spans overlap by at least 90% of their union. */
function rightPlace(found, expected) {
  if (!found) return false;
  const inter = Math.min(found[1], expected[1]) - Math.max(found[0], expected[0]);
  const union = Math.max(found[1], expected[1]) - Math.min(found[0], expected[0]);
  return inter / union >= 0.9;
}

// ---- a static server for the page ------------------------------------------------------------
const MOUNTS = [
  ['/pkg/', join(OUT, 'fuzzy/pkg')],
  ['/asm/', join(ROOT, 'node_modules/approx-string-match/build/src')],
  ['/', HERE],
];
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

function serve() {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const [prefix, dir] = MOUNTS.find(([p]) => path.startsWith(p));
    const file = normPath(join(dir, path.slice(prefix.length) || 'index.html'));
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        // Cross-origin isolation gives performance.now() its fine resolution.
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

// ---- run -------------------------------------------------------------------------------------
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const geomean = (xs) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

const vocab = await vocabulary();
const original = makeText(vocab);
const { edited, at } = edit(original);
const quotes = makeQuotes(original, at);
const server = await serve();
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic'],
});
let rounds = [];
let isolated = false;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.benchReady !== undefined);
  await page.evaluate(() => window.benchReady);
  isolated = await page.evaluate(() => window.benchIsolated());
  const input = quotes.map(({ expected, ...q }) => q);
  // A warm-up round (JIT, caches), then the timed ones.
  await page.evaluate(([t, q]) => { window.benchRound(t, q, 1, 0); }, [edited, input]);
  for (let r = 0; r < ROUNDS; r++) {
    rounds.push(await page.evaluate(([t, q, reps, r]) => window.benchRound(t, q, reps, r), [edited, input, REPS, r]));
  }
} finally {
  await browser.close();
  server.close();
}

// Ours prepares the text once (code points, normalised); approx-string-match takes it as is.
const prepareMs = median(rounds.map((r) => r.prepareMs));
const rows = quotes.map((q, i) => {
  const ours = rounds[0].ours[i];
  const theirs = rounds[0].theirs[i].got;
  const oursSearch = rounds[0].oursSearch[i];
  const theirsSearch = rounds[0].theirsSearch[i].got;
  const row = {
    quote: i,
    len: q.exact.length,
    ours_ms: median(rounds.map((r) => r.ours[i].ms)),
    asm_ms: median(rounds.map((r) => r.theirs[i].ms)),
    ours_search_ms: median(rounds.map((r) => r.oursSearch[i].ms)),
    asm_search_ms: median(rounds.map((r) => r.theirsSearch[i].ms)),
    ours_method: ours.method,
    ours_confidence: ours.confidence,
    ours_right: rightPlace(ours.span, q.expected),
    asm_right: rightPlace(theirs && [theirs.start, theirs.end], q.expected),
    ours_search_right: rightPlace(oursSearch.span, q.expected),
    asm_search_right: rightPlace(theirsSearch && [theirsSearch.start, theirsSearch.end], q.expected),
  };
  row.ratio = row.asm_ms / row.ours_ms;
  // A quote anchored in a text just opened: ours pays the text's preparation too.
  row.ratio_with_prepare = row.asm_ms / (row.ours_ms + prepareMs);
  row.search_ratio = row.asm_search_ms / row.ours_search_ms;
  return row;
});

const f = (x, w = 8, d = 2) => x.toFixed(d).padStart(w);
const yes = (b) => (b ? 'yes' : 'NO').padStart(5);
console.log(`fuzzy anchoring: ${original.length} chars, ${(EDIT_RATE * 100).toFixed(0)}% random edits, ${quotes.length} quotes of 32–1024 chars, ${ROUNDS} rounds (median) of ${REPS} calls per quote for each matcher, interleaved, Chromium headless, timer ${isolated ? 'fine (cross-origin isolated)' : 'coarse'}`);
console.log('ours = Marginalia anchor_prepared (wasm); asm = Hypothesis-style matchQuote on approx-string-match 2.0.0 (JS)');
console.log('search = the bare matchers, min(256, len/2) errors, best matches only\n');
console.log(`ours also prepares the text once per document: ${f(prepareMs, 0, 1)} ms, not in "ours ms"; "+prep" is the ratio for one quote in a text just opened (asm / (ours + prep))\n`);
console.log('   #   len   ours ms    asm ms   ratio  +prep  right(ours/asm)  | search: ours ms  asm ms   ratio  right(ours/asm)');
for (const r of rows) {
  console.log(
    `${String(r.quote).padStart(4)} ${String(r.len).padStart(5)} ${f(r.ours_ms, 9, 3)} ${f(r.asm_ms, 9, 3)} ${f(r.ratio, 7, 1)}x ${f(r.ratio_with_prepare, 5, 1)}x ${yes(r.ours_right)} ${yes(r.asm_right)}      | ${f(r.ours_search_ms, 9, 3)} ${f(r.asm_search_ms, 9, 3)} ${f(r.search_ratio, 6, 1)}x ${yes(r.ours_search_right)} ${yes(r.asm_search_right)}`,
  );
}
const sum = (k) => rows.reduce((a, r) => a + r[k], 0);
const count = (k) => rows.filter((r) => r[k]).length;
const summary = {
  text_chars: original.length,
  edit_rate: EDIT_RATE,
  quotes: rows.length,
  rounds: ROUNDS,
  fine_timer: isolated,
  reps: REPS,
  prepare_ms: prepareMs,
  ours_total_ms: sum('ours_ms'),
  asm_total_ms: sum('asm_ms'),
  total_ratio: sum('asm_ms') / sum('ours_ms'),
  total_ratio_with_prepare: sum('asm_ms') / (sum('ours_ms') + prepareMs),
  geomean_ratio: geomean(rows.map((r) => r.ratio)),
  ours_right: count('ours_right'),
  asm_right: count('asm_right'),
  ours_search_total_ms: sum('ours_search_ms'),
  asm_search_total_ms: sum('asm_search_ms'),
  search_total_ratio: sum('asm_search_ms') / sum('ours_search_ms'),
  search_geomean_ratio: geomean(rows.map((r) => r.search_ratio)),
  ours_search_right: count('ours_search_right'),
  asm_search_right: count('asm_search_right'),
};
console.log(`\nanchoring: ours ${f(summary.ours_total_ms, 0, 1)} ms, asm ${f(summary.asm_total_ms, 0, 1)} ms in all: ${f(summary.total_ratio, 0, 1)}x faster (geometric mean of per-quote ratios ${f(summary.geomean_ratio, 0, 1)}x); right place: ours ${summary.ours_right}/${rows.length}, asm ${summary.asm_right}/${rows.length}`);
console.log(`bare search: ours ${f(summary.ours_search_total_ms, 0, 1)} ms, asm ${f(summary.asm_search_total_ms, 0, 1)} ms in all: ${f(summary.search_total_ratio, 0, 1)}x (geometric mean ${f(summary.search_geomean_ratio, 0, 1)}x); right place: ours ${summary.ours_search_right}/${rows.length}, asm ${summary.asm_search_right}/${rows.length}`);
console.log(`with the one-off preparation: ours ${f(summary.ours_total_ms + summary.prepare_ms, 0, 1)} ms (${f(summary.prepare_ms, 0, 1)} ms of it preparing the text, shared by all ${rows.length} quotes) vs asm ${f(summary.asm_total_ms, 0, 1)} ms: ${f(summary.total_ratio_with_prepare, 0, 1)}x`);
await mkdir(OUT, { recursive: true });
await writeFile(join(OUT, 'fuzzy.json'), JSON.stringify({ summary, rows }, null, 1) + '\n');
console.log(`\nwritten: target/bench/fuzzy.json`);
