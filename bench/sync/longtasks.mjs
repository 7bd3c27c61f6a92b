// The long tasks of a Chromium trace (bench/sync/run.mjs with BENCH_SYNC_TRACE), told apart:
// for each main-thread task over 50 ms, what it spent its time on (script by the function the
// browser ran, style, layout, paint, garbage collection …) and the app's User Timing measures
// within it.
//
//   node bench/sync/longtasks.mjs TRACE.json [threshold ms, default 50]
import { readFileSync } from 'node:fs';

const [file, limit = '50'] = process.argv.slice(2);
const trace = JSON.parse(readFileSync(file, 'utf8'));
const events = Array.isArray(trace) ? trace : trace.traceEvents;
// The renderer's main thread: the CrRendererMain with the most events.
const names = new Map();
for (const e of events) if (e.ph === 'M' && e.name === 'thread_name' && e.args.name === 'CrRendererMain') names.set(`${e.pid}:${e.tid}`, 0);
for (const e of events) { const k = `${e.pid}:${e.tid}`; if (names.has(k)) names.set(k, names.get(k) + 1); }
const main = [...names.entries()].sort((a, b) => b[1] - a[1])[0][0];
const mine = events.filter((e) => `${e.pid}:${e.tid}` === main && e.ph === 'X' && typeof e.dur === 'number');
// One event per task: Chromium often writes two nested ones (the outer names who posted it).
const both = mine.filter((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask')
  .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
const tasks = [];
for (const e of both) {
  const last = tasks[tasks.length - 1];
  if (!last || e.ts >= last.ts + last.dur) tasks.push(e);
}
const marks = events.filter((e) => e.cat && e.cat.includes('blink.user_timing') && (e.name || '').startsWith('marginalia:') && (e.ph === 'b' || e.ph === 'R' || e.ph === 'I'));
const t0 = Math.min(...tasks.map((t) => t.ts));
const SKIP = new Set(['RunTask', 'ThreadControllerImpl::RunTask']);
for (const t of tasks.filter((t) => t.dur / 1000 > Number(limit))) {
  const end = t.ts + t.dur;
  const inside = mine.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur <= end && !SKIP.has(e.name));
  // Its direct parts (events not inside another part), by kind; and, anywhere inside, the
  // browser's own work (style, layout, paint, garbage collection, HTML parsing).
  const direct = new Map();
  const own = new Map();
  let reach = -1;
  for (const e of inside.sort((a, b) => a.ts - b.ts || b.dur - a.dur)) {
    if (e.ts >= reach) {
      const fn = e.args?.data?.functionName || e.args?.data?.type || '';
      const what = fn ? `${e.name} ${fn}` : e.name;
      direct.set(what, (direct.get(what) || 0) + e.dur);
      reach = e.ts + e.dur;
    }
    if (/^(UpdateLayoutTree|Layout|Paint|PrePaint|Layerize|MajorGC|MinorGC|V8\.GC.*|ParseHTML|HitTest)$/.test(e.name)) {
      own.set(e.name, (own.get(e.name) || 0) + e.dur);
    }
  }
  const list = (m) => [...m.entries()].filter(([, d]) => d > 2000).sort((a, b) => b[1] - a[1]).map(([n, d]) => `${n} ${(d / 1000).toFixed(0)}`).join(', ');
  const top = list(direct);
  const browserWork = list(own);
  const ms = marks.filter((m) => m.ts >= t.ts && m.ts <= end).map((m) => m.name.replace('marginalia:', ''));
  const poster = both.find((e) => e.ts >= t.ts && e.ts + e.dur <= end && e.args?.src_func);
  const posted = poster ? ` (posted by ${poster.args.src_func}, ${(poster.args.src_file || '').split('/').pop()})` : '';
  console.log(`@${((t.ts - t0) / 1000).toFixed(0)} ms  ${(t.dur / 1000).toFixed(0)} ms${posted}: ${top}${browserWork ? `  {inside: ${browserWork}}` : ''}${ms.length ? `  [marks: ${[...new Set(ms)].join(' ')}]` : ''}`);
}
