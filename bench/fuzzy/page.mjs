// Runs in the browser: Marginalia's anchoring (WebAssembly) and approx-string-match (JavaScript)
// on the same text and quotes, timed with the same clock.
import init, { prepare, run } from '/pkg/marginalia_bench_fuzzy.js';
import approxSearch from '/asm/index.js';

/** Similarity in 0..1 of `str` to its best approximate occurrence in `text`. */
function similarity(text, str) {
  if (str.length === 0 || text.length === 0) return 0;
  const found = approxSearch(text, str, str.length);
  return 1 - found[0].errors / str.length;
}

/**
 * The anchoring the Hypothesis client does with approx-string-match (its documented
 * algorithm: exact occurrences first, else approximate ones with at most min(256, len / 2)
 * errors, each scored 50·quote + 20·prefix + 20·suffix + 2·position, the best one taken).
 */
function hypothesisStyle(text, quote, prefix, suffix, hint) {
  let candidates = [];
  for (let i = text.indexOf(quote); i !== -1; i = text.indexOf(quote, i + 1)) {
    candidates.push({ start: i, end: i + quote.length, errors: 0 });
  }
  if (candidates.length === 0) {
    candidates = approxSearch(text, quote, Math.min(256, quote.length / 2));
  }
  let best = null;
  for (const c of candidates) {
    const q = 1 - c.errors / quote.length;
    const p = prefix ? similarity(text.slice(Math.max(0, c.start - prefix.length), c.start), prefix) : 1;
    const s = suffix ? similarity(text.slice(c.end, c.end + suffix.length), suffix) : 1;
    const pos = 1 - Math.abs(c.start - hint) / text.length;
    const score = (50 * q + 20 * p + 20 * s + 2 * pos) / 92;
    if (best === null || score > best.score) best = { start: c.start, end: c.end, score };
  }
  return best;
}

function timeJs(fn, reps) {
  let got = null;
  const t = performance.now();
  for (let r = 0; r < reps; r++) got = fn();
  return { got, ms: (performance.now() - t) / reps };
}

/**
 * One round: the text prepared for ours (its one-off cost, timed), then every quote through all
 * four contenders, `reps` calls each (the same for both sides), interleaved: quote by quote,
 * ours and theirs take turns, and which goes first alternates.
 */
function round(text, quotes, reps, roundNo) {
  const prepareMs = prepare(text);
  const ours = [];
  const oursSearch = [];
  const theirs = [];
  const theirsSearch = [];
  quotes.forEach((q, i) => {
    const json = JSON.stringify(q);
    const k = Math.min(256, q.exact.length / 2);
    const steps = [
      [() => ours.push(JSON.parse(run(json, 'anchor', reps))),
        () => theirs.push(timeJs(() => hypothesisStyle(text, q.exact, q.prefix, q.suffix, q.start), reps))],
      [() => oursSearch.push(JSON.parse(run(json, 'search', reps))),
        () => theirsSearch.push(timeJs(() => approxSearch(text, q.exact, k)[0] ?? null, reps))],
    ];
    for (const [a, b] of steps) {
      if ((i + roundNo) % 2 === 0) { a(); b(); } else { b(); a(); }
    }
  });
  return { prepareMs, ours, oursSearch, theirs, theirsSearch };
}

window.benchReady = init().then(() => true);
window.benchRound = (text, quotes, reps, roundNo) => round(text, quotes, reps, roundNo);
window.benchIsolated = () => globalThis.crossOriginIsolated === true;
