// Orders a wasm module's functions so that gzip compresses it better, without changing what it does.
//
// The order of functions in a module has no meaning (binaryen renumbers every call and table entry
// when it moves them), but gzip only finds repeats within 32 KB: Rust's monomorphised copies of one
// generic function compress far better next to each other. This puts each function after the one
// it most resembles (greedy nearest neighbour on the Jaccard similarity of 4-byte shingles of the
// function bodies) and expresses that order as the module's function names ("f000000", "f000001",
// …), so that `wasm-opt --reorder-functions-by-name` applies it; `--strip-debug` then drops the names.
// Used by finalize-dist.mjs on the release wasm (which reaches it with its name section).

const SHINGLE = 4;

function reader(buf, start) {
  let p = start;
  return {
    get pos() {
      return p;
    },
    set pos(v) {
      p = v;
    },
    byte: () => buf[p++],
    uleb() {
      let r = 0;
      let shift = 0;
      let b;
      do {
        b = buf[p++];
        r += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80);
      return r;
    },
  };
}

function uleb(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** The module's sections, the number of imported functions and the bodies of the defined ones. */
function parse(buf) {
  if (buf.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm module');
  const r = reader(buf, 8);
  const sections = [];
  const bodies = [];
  let importedFunctions = 0;
  while (r.pos < buf.length) {
    const start = r.pos;
    const id = r.byte();
    const len = r.uleb();
    const contentStart = r.pos;
    const end = contentStart + len;
    let name = null;
    if (id === 0) {
      const nl = r.uleb();
      name = buf.subarray(r.pos, r.pos + nl).toString();
    } else if (id === 2) {
      const count = r.uleb();
      for (let i = 0; i < count; i++) {
        for (let part = 0; part < 2; part++) {
          const l = r.uleb(); // module, then field name
          r.pos += l;
        }
        const kind = r.byte();
        if (kind === 0) {
          r.uleb();
          importedFunctions++;
        } else if (kind === 1) {
          r.byte();
          const flags = r.uleb();
          r.uleb();
          if (flags & 1) r.uleb();
        } else if (kind === 2) {
          const flags = r.uleb();
          r.uleb();
          if (flags & 1) r.uleb();
        } else if (kind === 3) {
          r.byte();
          r.byte();
        } else if (kind === 4) {
          r.byte();
          r.uleb();
        } else {
          throw new Error(`unknown import kind ${kind}`);
        }
      }
    } else if (id === 10) {
      const count = r.uleb();
      for (let i = 0; i < count; i++) {
        const size = r.uleb();
        bodies.push(buf.subarray(r.pos, r.pos + size));
        r.pos += size;
      }
    }
    sections.push({ id, name, start, end });
    r.pos = end;
  }
  return { sections, bodies, importedFunctions };
}

/** The order (indices into `bodies`) in which each function follows the one it most resembles. */
export function likenessOrder(bodies) {
  const n = bodies.length;
  const sets = bodies.map((b) => {
    const s = new Set();
    for (let k = 0; k + SHINGLE <= b.length; k++) s.add(b.readUInt32LE(k));
    return [...s];
  });
  const postings = new Map();
  sets.forEach((s, f) => {
    for (const h of s) {
      const list = postings.get(h);
      if (list) list.push(f);
      else postings.set(h, [f]);
    }
  });
  const used = new Uint8Array(n);
  const shared = new Int32Array(n);
  const order = [];
  let next = 0; // the first unused function in the original order, for a function like no other
  let cur = 0;
  for (let step = 0; step < n; step++) {
    if (step > 0) {
      shared.fill(0);
      for (const h of sets[cur]) for (const f of postings.get(h)) shared[f]++;
      let best = -1;
      let bestScore = 0;
      for (let j = 0; j < n; j++) {
        if (used[j] || shared[j] === 0) continue;
        const score = shared[j] / (sets[cur].length + sets[j].length - shared[j]);
        if (score > bestScore) {
          bestScore = score;
          best = j;
        }
      }
      if (best < 0) {
        while (used[next]) next++;
        best = next;
      }
      cur = best;
    }
    used[cur] = 1;
    order.push(cur);
  }
  return order;
}

/** Whether `wasm` has a name section (the release build keeps one until finalize-dist.mjs). */
export function hasNameSection(wasm) {
  return parse(wasm).sections.some((s) => s.id === 0 && s.name === 'name');
}

/** `wasm` with its name section replaced by function names that sort in likeness order. */
export function nameInLikenessOrder(wasm) {
  const { sections, bodies, importedFunctions } = parse(wasm);
  const order = likenessOrder(bodies);
  const width = String(bodies.length).length;
  const entries = [];
  order.forEach((f, rank) => {
    const name = Buffer.from(`f${String(rank).padStart(width, '0')}`);
    entries.push({ index: importedFunctions + f, name });
  });
  entries.sort((a, b) => a.index - b.index);
  const functionNames = Buffer.concat([
    uleb(entries.length),
    ...entries.flatMap((e) => [uleb(e.index), uleb(e.name.length), e.name]),
  ]);
  const label = Buffer.from('name');
  const content = Buffer.concat([uleb(label.length), label, Buffer.from([1]), uleb(functionNames.length), functionNames]);
  const nameSection = Buffer.concat([Buffer.from([0]), uleb(content.length), content]);
  const parts = [wasm.subarray(0, 8)];
  for (const s of sections) if (!(s.id === 0 && s.name === 'name')) parts.push(wasm.subarray(s.start, s.end));
  parts.push(nameSection);
  return Buffer.concat(parts);
}
