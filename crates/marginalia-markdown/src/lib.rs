//! A small CommonMark reader for readers' own articles, in place of pulldown-cmark (which cost
//! about 64 KB of the gzipped wasm). It follows the CommonMark block and inline algorithms (the
//! reference implementation's, as pulldown-cmark does) and yields the few events
//! marginalia-core's `markdown` module turns into blocks. Its output is checked against
//! pulldown-cmark on the CommonMark 0.31.2 spec's examples (`tests/commonmark_spec.rs`) and by a
//! differential property test in marginalia-core (`markdown::tests::against_pulldown`); see
//! README.md.
//!
//! What it reads: ATX and setext headings, paragraphs with lazy continuation, thematic breaks,
//! block quotes, bullet and ordered lists (tight and loose, nested), fenced and indented code,
//! HTML blocks and inline HTML (kept as text), link reference definitions (labels matched by
//! Unicode full case folding), backslash escapes, entities (numeric, and the named ones of
//! HTML 4.01 and `apos`, in `tables::ENTITIES`), code spans, emphasis and strong emphasis,
//! inline, reference and auto links, images, hard and soft breaks.
//!
//! Deliberate differences from pulldown-cmark: named entities HTML5 added (`&HilbertSpace;`) stay
//! as written (all of HTML5's would cost about 10 KB of the gzipped wasm:
//! `tools/gen-tables.py --all-entities`); the punctuation that decides emphasis flanking is
//! exact for Latin, Greek, Cyrillic, Hebrew, Arabic, Devanagari, the general punctuation, symbol
//! and emoji blocks and CJK punctuation, and treats other scripts' punctuation as letters; lone
//! CR line endings read like LF. Where pulldown-cmark has quirks readers meet (CRLF kept in code
//! spans and inline HTML, tabs before closing `#`s, multi-line HTML comments shown with their
//! container markers, definitions that make a list loose), this reader follows it.
//!
//! Nothing here recurses over the input: blocks live in an arena walked with an explicit stack,
//! inlines in a flat list, so 10,000 nested quotes or brackets cost no stack.

use std::collections::HashMap;

mod tables;

/// The start of a container or a styled run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tag {
    Heading(u8),
    Paragraph,
    BlockQuote,
    /// `Some(start)` for an ordered list.
    List(Option<u64>),
    Item,
    CodeBlock,
    Emphasis,
    Strong,
    /// The destination, with escapes and entities resolved.
    Link(String),
    Image,
}

/// The end of what a [`Tag`] started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagEnd {
    Heading,
    Paragraph,
    BlockQuote,
    List,
    Item,
    CodeBlock,
    Emphasis,
    Strong,
    Link,
    Image,
}

/// What the reader yields. Raw HTML comes as `Text`: it is shown, never rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Start(Tag),
    End(TagEnd),
    Text(String),
    Code(String),
    SoftBreak,
    HardBreak,
}

/// Reads a Markdown text into events.
pub fn events(text: &str) -> Vec<Event> {
    let mut p = Blocks::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let line = &rest[..end];
        let after = &rest[end..];
        let skip = if after.starts_with("\r\n") {
            2
        } else {
            usize::from(!after.is_empty())
        };
        p.line(line, skip == 2);
        rest = &after[skip..];
    }
    while p.tip != 0 {
        p.finalize(p.tip, p.line_no);
    }
    p.emit()
}

// ---------------------------------------------------------------------------------------------
// Blocks

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Document,
    Quote,
    /// `marker` is the bullet (`-`, `*`, `+`) or the ordered delimiter (`.`, `)`).
    List {
        marker: u8,
        ordered: bool,
        start: u64,
        tight: bool,
    },
    /// `width`: the columns of marker and padding its content is indented by.
    Item {
        width: usize,
    },
    Paragraph,
    Heading(u8),
    Fence {
        ch: u8,
        len: usize,
        indent: usize,
    },
    Indented,
    Html(u8),
    Rule,
}

struct Node {
    kind: Kind,
    parent: usize,
    children: Vec<usize>,
    open: bool,
    /// First and last line (1-based), for telling tight lists from loose ones.
    start: usize,
    end: usize,
    text: String,
    /// For a paragraph: where in `text` each continuation line starts, and the container
    /// markers and indentation before it in the source.
    prefixes: Vec<(usize, String)>,
}

/// What continuing an open block on a new line did.
enum Cont {
    Matched,
    Failed,
    /// A closing fence took the whole line.
    Done,
}

struct Blocks<'a> {
    nodes: Vec<Node>,
    refs: HashMap<String, String>,
    tip: usize,
    old_tip: usize,
    last_matched: usize,
    all_closed: bool,
    line: &'a str,
    line_no: usize,
    offset: usize,
    column: usize,
    partial_tab: bool,
    next_nonspace: usize,
    next_nonspace_column: usize,
    indent: usize,
    blank: bool,
    /// A run of spaces (no tabs) of the current line: where it starts and ends.
    space_run: (usize, usize),
    /// Whether the current line ended in CRLF (kept in paragraphs, as pulldown-cmark keeps it in
    /// inline HTML and code spans).
    crlf: bool,
    /// Where a thematic break scan of the current line stopped, and for which character.
    break_fail: (usize, u8),
}

fn is_space_or_tab(c: Option<u8>) -> bool {
    matches!(c, Some(b' ' | b'\t'))
}

fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

fn can_contain(parent: Kind, child: Kind) -> bool {
    match parent {
        Kind::Document | Kind::Quote | Kind::Item { .. } => !matches!(child, Kind::Item { .. }),
        Kind::List { .. } => matches!(child, Kind::Item { .. }),
        _ => false,
    }
}

/// A run of `ch` of at least 3 and nothing but spaces after it: the run's length, else 0.
fn closing_fence(s: &str, ch: u8) -> usize {
    let n = s.bytes().take_while(|&b| b == ch).count();
    if n >= 3 && s[n..].bytes().all(|b| b == b' ' || b == b'\t') {
        n
    } else {
        0
    }
}

/// Whether `s` is a thematic break (`***`, `---` or `___`, three or more, spaces and tabs
/// between): `Ok`, or where the scan stopped.
fn thematic_break(s: &str) -> Result<(), usize> {
    let Some(ch @ (b'*' | b'-' | b'_')) = s.bytes().next() else {
        return Err(0);
    };
    let mut n = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == ch {
            n += 1;
        } else if b != b' ' && b != b'\t' {
            return Err(i);
        }
    }
    if n >= 3 {
        Ok(())
    } else {
        Err(s.len())
    }
}

/// `===` → 1, `---` → 2 (trailing spaces allowed), else 0.
fn setext_level(s: &str) -> u8 {
    let Some(ch @ (b'=' | b'-')) = s.bytes().next() else {
        return 0;
    };
    let n = s.bytes().take_while(|&b| b == ch).count();
    if !s[n..].bytes().all(|b| b == b' ' || b == b'\t') {
        0
    } else if ch == b'=' {
        1
    } else {
        2
    }
}

const BLOCK_TAGS: [&str; 62] = [
    "address",
    "article",
    "aside",
    "base",
    "basefont",
    "blockquote",
    "body",
    "caption",
    "center",
    "col",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "iframe",
    "legend",
    "li",
    "link",
    "main",
    "menu",
    "menuitem",
    "nav",
    "noframes",
    "ol",
    "optgroup",
    "option",
    "p",
    "param",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "track",
    "ul",
];

const RAW_TAGS: [&str; 4] = ["pre", "script", "style", "textarea"];

/// Which kind (1–7) of HTML block the line `s` (starting with `<`) opens, if any.
fn html_block_start(s: &str) -> u8 {
    let lower = s.to_ascii_lowercase();
    let b = lower.as_bytes();
    let name_len = |from: usize| {
        b.get(from..).map_or(0, |t| {
            t.iter().take_while(|c| c.is_ascii_alphanumeric()).count()
        })
    };
    let n = name_len(1);
    let after = b.get(1 + n).copied();
    if n > 0
        && RAW_TAGS.contains(&&lower[1..1 + n])
        && matches!(after, None | Some(b' ' | b'\t' | b'>'))
    {
        return 1;
    }
    if lower.starts_with("<!--") {
        return 2;
    }
    if lower.starts_with("<?") {
        return 3;
    }
    if b.get(1) == Some(&b'!') && b.get(2).is_some_and(u8::is_ascii_alphabetic) {
        return 4;
    }
    if lower.starts_with("<![cdata[") {
        return 5;
    }
    let from = if b.get(1) == Some(&b'/') { 2 } else { 1 };
    let n = name_len(from);
    if n > 0 && BLOCK_TAGS.contains(&&lower[from..from + n]) {
        let rest = &b[from + n..];
        if matches!(rest.first(), None | Some(b' ' | b'\t' | b'>')) || rest.starts_with(b"/>") {
            return 6;
        }
    }
    match html_tag(s, true, 0, &mut NO_GUARD.clone()) {
        Some(len) if is_blank(&s[len..]) => 7,
        _ => 0,
    }
}

/// Whether the line ends an HTML block of kind 1–5.
fn html_block_ends(kind: u8, line: &str) -> bool {
    match kind {
        1 => {
            let lower = line.to_ascii_lowercase();
            RAW_TAGS.iter().any(|t| lower.contains(&format!("</{t}>")))
        }
        2 => line.contains("-->"),
        3 => line.contains("?>"),
        4 => line.contains('>'),
        5 => line.contains("]]>"),
        _ => false,
    }
}

impl<'a> Blocks<'a> {
    fn new() -> Self {
        Blocks {
            nodes: vec![Node {
                kind: Kind::Document,
                parent: 0,
                children: Vec::new(),
                open: true,
                start: 1,
                end: 1,
                text: String::new(),
                prefixes: Vec::new(),
            }],
            refs: HashMap::new(),
            tip: 0,
            old_tip: 0,
            last_matched: 0,
            all_closed: true,
            line: "",
            line_no: 0,
            offset: 0,
            column: 0,
            partial_tab: false,
            next_nonspace: 0,
            next_nonspace_column: 0,
            indent: 0,
            blank: false,
            space_run: (1, 0),
            crlf: false,
            break_fail: (0, 0),
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.line.as_bytes().get(i).copied()
    }

    fn rest(&self) -> &'a str {
        self.line.get(self.next_nonspace..).unwrap_or("")
    }

    fn find_next_nonspace(&mut self) {
        // Deeply nested items look at the same run of spaces once per container: remember where
        // a run without tabs ends.
        if (self.space_run.0..=self.space_run.1).contains(&self.offset) && !self.partial_tab {
            let i = self.space_run.1;
            self.blank = i >= self.line.len();
            self.next_nonspace = i;
            self.next_nonspace_column = self.column + (i - self.offset);
            self.indent = i - self.offset;
            return;
        }
        let mut i = self.offset;
        let mut cols = self.column;
        let mut tab = false;
        loop {
            match self.at(i) {
                Some(b' ') => cols += 1,
                Some(b'\t') => {
                    cols += 4 - cols % 4;
                    tab = true;
                }
                _ => break,
            }
            i += 1;
        }
        if !tab && !self.partial_tab {
            self.space_run = (self.offset, i);
        }
        self.blank = i >= self.line.len();
        self.next_nonspace = i;
        self.next_nonspace_column = cols;
        self.indent = cols - self.column;
    }

    fn advance_next_nonspace(&mut self) {
        self.offset = self.next_nonspace;
        self.column = self.next_nonspace_column;
        self.partial_tab = false;
    }

    /// Moves on by `count` characters, or columns (a tab may be half consumed).
    fn advance(&mut self, mut count: usize, columns: bool) {
        while count > 0 {
            let Some(c) = self.line.get(self.offset..).and_then(|s| s.chars().next()) else {
                break;
            };
            if c == '\t' {
                let to_tab = 4 - self.column % 4;
                if columns {
                    self.partial_tab = to_tab > count;
                    let n = to_tab.min(count);
                    self.column += n;
                    if !self.partial_tab {
                        self.offset += 1;
                    }
                    count -= n;
                } else {
                    self.partial_tab = false;
                    self.column += to_tab;
                    self.offset += 1;
                    count -= 1;
                }
            } else {
                self.partial_tab = false;
                self.offset += c.len_utf8();
                self.column += 1;
                count -= 1;
            }
        }
    }

    fn add_line(&mut self) {
        if self.partial_tab {
            self.offset += 1;
            let n = 4 - self.column % 4;
            let t = &mut self.nodes[self.tip].text;
            t.extend(std::iter::repeat_n(' ', n));
        }
        let rest = self.line.get(self.offset..).unwrap_or("");
        let crlf = self.crlf && self.nodes[self.tip].kind == Kind::Paragraph;
        let t = &mut self.nodes[self.tip].text;
        t.push_str(rest);
        t.push_str(if crlf { "\r\n" } else { "\n" });
    }

    fn add_child(&mut self, kind: Kind) -> usize {
        while self.tip != 0 && !can_contain(self.nodes[self.tip].kind, kind) {
            self.finalize(self.tip, self.line_no - 1);
        }
        let id = self.nodes.len();
        self.nodes.push(Node {
            kind,
            parent: self.tip,
            children: Vec::new(),
            open: true,
            start: self.line_no,
            end: self.line_no,
            text: String::new(),
            prefixes: Vec::new(),
        });
        self.nodes[self.tip].children.push(id);
        self.tip = id;
        id
    }

    fn close_unmatched(&mut self) {
        if !self.all_closed {
            while self.old_tip != self.last_matched && self.old_tip != 0 {
                let parent = self.nodes[self.old_tip].parent;
                self.finalize(self.old_tip, self.line_no - 1);
                self.old_tip = parent;
            }
            self.all_closed = true;
        }
    }

    fn finalize(&mut self, b: usize, line: usize) {
        let parent = self.nodes[b].parent;
        self.nodes[b].open = false;
        self.nodes[b].end = line;
        match self.nodes[b].kind {
            Kind::List {
                marker,
                ordered,
                start,
                ..
            } => {
                let items = &self.nodes[b].children;
                let gap = |a: usize, next: usize| self.nodes[a].end + 1 != self.nodes[next].start;
                let mut tight = true;
                for (i, &item) in items.iter().enumerate() {
                    if items.get(i + 1).is_some_and(|&n| gap(item, n)) {
                        tight = false;
                    }
                    let subs = &self.nodes[item].children;
                    if subs.windows(2).any(|w| gap(w[0], w[1])) {
                        tight = false;
                    }
                }
                if let Some(&last) = items.last() {
                    self.nodes[b].end = self.nodes[last].end;
                }
                self.nodes[b].kind = Kind::List {
                    marker,
                    ordered,
                    start,
                    tight,
                };
            }
            Kind::Item { .. } => {
                let n = &self.nodes[b];
                self.nodes[b].end = n.children.last().map_or(n.start, |&c| self.nodes[c].end);
            }
            Kind::Fence { .. } => {
                let t = &mut self.nodes[b].text;
                let info_end = t.find('\n').map_or(t.len(), |i| i + 1);
                t.replace_range(..info_end, "");
            }
            Kind::Indented => {
                let t = std::mem::take(&mut self.nodes[b].text);
                let mut lines: Vec<&str> = t.split('\n').collect();
                while lines.last().is_some_and(|l| is_blank(l)) {
                    lines.pop();
                }
                let n = &mut self.nodes[b];
                n.end = n.start + lines.len().saturating_sub(1);
                n.text = lines.join("\n");
                n.text.push('\n');
            }
            Kind::Paragraph => {
                let t = std::mem::take(&mut self.nodes[b].text);
                let used = take_references(&t, &mut self.refs);
                // A paragraph of only definitions is kept, empty, and shows nothing: it still
                // counts for telling loose lists from tight ones, as in pulldown-cmark.
                let rest = &t[used..];
                if !is_blank(rest) {
                    self.nodes[b].text = rest.to_string();
                    shift_prefixes(&mut self.nodes[b].prefixes, used);
                }
            }
            _ => {}
        }
        self.tip = parent;
    }

    /// Tries to continue the open block `c` on the current line.
    fn cont(&mut self, c: usize) -> Cont {
        let indented = self.indent >= 4;
        match self.nodes[c].kind {
            Kind::Quote => {
                if indented || self.at(self.next_nonspace) != Some(b'>') {
                    return Cont::Failed;
                }
                self.advance_next_nonspace();
                self.advance(1, false);
                if is_space_or_tab(self.at(self.offset)) {
                    self.advance(1, true);
                }
            }
            Kind::Item { width } => {
                if self.blank {
                    if self.nodes[c].children.is_empty() {
                        return Cont::Failed;
                    }
                    // Spaces beyond the item's indent stay (in a fenced code block, say).
                    self.advance(width.min(self.indent), true);
                } else if self.indent >= width {
                    self.advance(width, true);
                } else {
                    return Cont::Failed;
                }
            }
            Kind::Heading(_) | Kind::Rule => return Cont::Failed,
            Kind::Fence { ch, len, indent } => {
                if !indented
                    && self.at(self.next_nonspace) == Some(ch)
                    && closing_fence(self.rest(), ch) >= len
                {
                    self.finalize(c, self.line_no);
                    return Cont::Done;
                }
                let mut i = indent;
                while i > 0 && is_space_or_tab(self.at(self.offset)) {
                    self.advance(1, true);
                    i -= 1;
                }
            }
            Kind::Indented => {
                if indented {
                    self.advance(4, true);
                } else if self.blank {
                    self.advance_next_nonspace();
                } else {
                    return Cont::Failed;
                }
            }
            Kind::Html(k) if self.blank && k >= 6 => return Cont::Failed,
            Kind::Paragraph if self.blank => return Cont::Failed,
            _ => {}
        }
        Cont::Matched
    }

    /// A list marker at the current position: the list kind and the item's content width.
    fn list_marker(&mut self, container: usize) -> Option<(Kind, usize)> {
        if self.indent >= 4 {
            return None;
        }
        let rest = self.rest().as_bytes();
        let in_paragraph = self.nodes[container].kind == Kind::Paragraph;
        let (marker, ordered, start, len) = match rest.first() {
            Some(&c @ (b'-' | b'*' | b'+')) => (c, false, 0, 1),
            _ => {
                let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
                let delim = *rest.get(digits)?;
                if !(1..=9).contains(&digits) || !matches!(delim, b'.' | b')') {
                    return None;
                }
                let start: u64 = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
                if in_paragraph && start != 1 {
                    return None;
                }
                (delim, true, start, digits + 1)
            }
        };
        if !matches!(rest.get(len), None | Some(b' ' | b'\t')) {
            return None;
        }
        if in_paragraph && rest[len..].iter().all(|&b| b == b' ' || b == b'\t') {
            return None;
        }
        let marker_offset = self.indent;
        self.advance_next_nonspace();
        self.advance(len, true);
        let (start_col, start_offset) = (self.column, self.offset);
        loop {
            self.advance(1, true);
            if !(self.column - start_col < 5 && is_space_or_tab(self.at(self.offset))) {
                break;
            }
        }
        let blank_item = self.at(self.offset).is_none();
        let spaces = self.column - start_col;
        let padding = if !(1..5).contains(&spaces) || blank_item {
            self.column = start_col;
            self.offset = start_offset;
            if is_space_or_tab(self.at(self.offset)) {
                self.advance(1, true);
            }
            len + 1
        } else {
            len + spaces
        };
        let list = Kind::List {
            marker,
            ordered,
            start,
            tight: true,
        };
        Some((list, marker_offset + padding))
    }

    /// Tries the block starts in order: 0 none, 1 a container opened, 2 a leaf opened.
    fn block_start(&mut self, container: usize) -> u8 {
        let indented = self.indent >= 4;
        let rest = self.rest();
        let first = rest.as_bytes().first().copied();
        let container_kind = self.nodes[container].kind;
        if !indented {
            if first == Some(b'>') {
                self.advance_next_nonspace();
                self.advance(1, false);
                if is_space_or_tab(self.at(self.offset)) {
                    self.advance(1, true);
                }
                self.close_unmatched();
                self.add_child(Kind::Quote);
                return 1;
            }
            let hashes = rest.bytes().take_while(|&b| b == b'#').count();
            if (1..=6).contains(&hashes)
                && matches!(rest.as_bytes().get(hashes), None | Some(b' ' | b'\t'))
            {
                self.close_unmatched();
                let h = self.add_child(Kind::Heading(hashes as u8));
                self.nodes[h].text = atx_content(&rest[hashes..]).to_string();
                self.offset = self.line.len();
                return 2;
            }
            if let Some(ch @ (b'`' | b'~')) = first {
                let len = rest.bytes().take_while(|&b| b == ch).count();
                if len >= 3 && (ch == b'~' || !rest[len..].contains('`')) {
                    let indent = self.indent;
                    self.close_unmatched();
                    self.add_child(Kind::Fence { ch, len, indent });
                    self.advance_next_nonspace();
                    self.advance(len, false);
                    return 2;
                }
            }
            if first == Some(b'<') {
                let k = html_block_start(rest);
                let lazy = !self.all_closed && self.nodes[self.tip].kind == Kind::Paragraph;
                if k > 0 && (k < 7 || (container_kind != Kind::Paragraph && !lazy)) {
                    self.close_unmatched();
                    self.add_child(Kind::Html(k));
                    return 2;
                }
            }
            let level = setext_level(rest);
            if level > 0 && container_kind == Kind::Paragraph {
                self.close_unmatched();
                let t = std::mem::take(&mut self.nodes[container].text);
                let used = take_references(&t, &mut self.refs);
                self.nodes[container].text = t[used..].to_string();
                shift_prefixes(&mut self.nodes[container].prefixes, used);
                if !self.nodes[container].text.is_empty() {
                    self.nodes[container].kind = Kind::Heading(level);
                    self.offset = self.line.len();
                    return 2;
                }
            }
            // `- - - - x` opens one list per `-`: a scan that failed at `x` fails from any later
            // `-` of the run too.
            let (fail_at, fail_ch) = self.break_fail;
            let is_break = first != Some(fail_ch) || self.next_nonspace >= fail_at;
            let is_break = is_break
                && match thematic_break(rest) {
                    Ok(()) => true,
                    Err(stop) => {
                        self.break_fail = (self.next_nonspace + stop, first.unwrap_or(0));
                        false
                    }
                };
            if is_break {
                self.close_unmatched();
                self.add_child(Kind::Rule);
                self.offset = self.line.len();
                return 2;
            }
            if let Some((list, width)) = self.list_marker(container) {
                self.close_unmatched();
                let same_list = match (self.nodes[self.tip].kind, list) {
                    (
                        Kind::List {
                            marker: a,
                            ordered: x,
                            ..
                        },
                        Kind::List {
                            marker: b,
                            ordered: y,
                            ..
                        },
                    ) => a == b && x == y,
                    _ => false,
                };
                if !same_list {
                    self.add_child(list);
                }
                self.add_child(Kind::Item { width });
                return 1;
            }
        } else if self.nodes[self.tip].kind != Kind::Paragraph && !self.blank {
            self.advance(4, true);
            self.close_unmatched();
            self.add_child(Kind::Indented);
            return 2;
        }
        0
    }

    /// Takes one line (without its line ending) into the block tree.
    fn line(&mut self, ln: &'a str, crlf: bool) {
        self.line = ln;
        self.crlf = crlf;
        self.line_no += 1;
        self.offset = 0;
        self.column = 0;
        self.blank = false;
        self.partial_tab = false;
        self.space_run = (1, 0);
        self.break_fail = (0, 0);
        self.old_tip = self.tip;
        let mut container = 0;
        while let Some(&last) = self.nodes[container].children.last() {
            if !self.nodes[last].open {
                break;
            }
            self.find_next_nonspace();
            match self.cont(last) {
                Cont::Matched => container = last,
                Cont::Failed => break,
                Cont::Done => return,
            }
        }
        self.all_closed = container == self.old_tip;
        self.last_matched = container;
        let mut leaf = matches!(
            self.nodes[container].kind,
            Kind::Fence { .. } | Kind::Indented | Kind::Html(_)
        );
        // Where the text of a continuation line starts: pulldown-cmark keeps its leading spaces
        // in code spans and inline HTML (text drops them after the line break).
        let mut text_at = (self.offset, self.column, self.partial_tab);
        while !leaf {
            self.find_next_nonspace();
            text_at = (self.offset, self.column, self.partial_tab);
            let special = matches!(
                self.at(self.next_nonspace),
                Some(
                    b'#' | b'`' | b'~' | b'*' | b'+' | b'_' | b'=' | b'<' | b'>' | b'-' | b'0'
                        ..=b'9'
                )
            );
            if self.indent < 4 && !special {
                self.advance_next_nonspace();
                break;
            }
            match self.block_start(container) {
                0 => {
                    self.advance_next_nonspace();
                    break;
                }
                r => {
                    container = self.tip;
                    leaf = r == 2;
                }
            }
        }
        let lazy = !self.all_closed && !self.blank && self.nodes[self.tip].kind == Kind::Paragraph;
        if lazy || self.nodes[container].kind == Kind::Paragraph {
            (self.offset, self.column, self.partial_tab) = text_at;
            if self.partial_tab {
                // The rest of a tab the containers took part of is dropped (pulldown-cmark).
                self.offset += 1;
                self.partial_tab = false;
            }
            let prefix = self.line.get(..self.offset).unwrap_or("");
            let tip = &mut self.nodes[self.tip];
            if !prefix.is_empty() {
                tip.prefixes.push((tip.text.len(), prefix.to_string()));
            }
            self.add_line();
            return;
        }
        self.close_unmatched();
        match self.nodes[container].kind {
            Kind::Fence { .. } | Kind::Indented => self.add_line(),
            Kind::Html(k) => {
                self.add_line();
                if html_block_ends(k, self.line.get(self.offset..).unwrap_or("")) {
                    self.finalize(container, self.line_no);
                }
            }
            _ if self.offset < ln.len() && !self.blank => {
                self.add_child(Kind::Paragraph);
                self.advance_next_nonspace();
                self.add_line();
            }
            _ => {}
        }
    }

    /// Walks the block tree (without recursion) into events.
    fn emit(&self) -> Vec<Event> {
        let mut out = Vec::new();
        let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
        while let Some(top) = stack.last_mut() {
            let (n, i) = *top;
            let Some(&c) = self.nodes[n].children.get(i) else {
                stack.pop();
                match self.nodes[n].kind {
                    Kind::Quote => out.push(Event::End(TagEnd::BlockQuote)),
                    Kind::List { .. } => out.push(Event::End(TagEnd::List)),
                    Kind::Item { .. } => out.push(Event::End(TagEnd::Item)),
                    _ => {}
                }
                continue;
            };
            top.1 += 1;
            let node = &self.nodes[c];
            match node.kind {
                Kind::Quote => out.push(Event::Start(Tag::BlockQuote)),
                Kind::List { ordered, start, .. } => {
                    out.push(Event::Start(Tag::List(ordered.then_some(start))));
                }
                Kind::Item { .. } => out.push(Event::Start(Tag::Item)),
                Kind::Paragraph if node.text.is_empty() => {}
                Kind::Paragraph => {
                    let parent = self.nodes[n].parent;
                    let tight = matches!(self.nodes[n].kind, Kind::Item { .. })
                        && matches!(self.nodes[parent].kind, Kind::List { tight: true, .. });
                    if !tight {
                        out.push(Event::Start(Tag::Paragraph));
                    }
                    inlines(&node.text, &node.prefixes, &self.refs, &mut out);
                    if !tight {
                        out.push(Event::End(TagEnd::Paragraph));
                    }
                }
                Kind::Heading(level) => {
                    out.push(Event::Start(Tag::Heading(level)));
                    inlines(&node.text, &node.prefixes, &self.refs, &mut out);
                    out.push(Event::End(TagEnd::Heading));
                }
                Kind::Fence { .. } | Kind::Indented => {
                    out.push(Event::Start(Tag::CodeBlock));
                    if !node.text.is_empty() {
                        out.push(Event::Text(node.text.clone()));
                    }
                    out.push(Event::End(TagEnd::CodeBlock));
                }
                Kind::Html(_) => out.push(Event::Text(node.text.clone())),
                Kind::Document | Kind::Rule => {}
            }
            if matches!(
                node.kind,
                Kind::Quote | Kind::List { .. } | Kind::Item { .. }
            ) {
                stack.push((c, 0));
            }
        }
        out
    }
}

/// The text of an ATX heading after its `#`s, without the closing `#`s. As in pulldown-cmark,
/// only spaces (not tabs) separate the closing `#`s from the text.
fn atx_content(s: &str) -> &str {
    let s = s.trim_start_matches([' ', '\t']).trim_end_matches(' ');
    let closer = s.trim_end_matches('#').len();
    let spaces = closer - s[..closer].trim_end_matches(' ').len();
    if closer == 0 {
        ""
    } else if spaces > 0 {
        &s[..closer - spaces]
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------------
// Links: labels, destinations, titles and reference definitions

/// Spaces and tabs, at most one line ending, spaces and tabs.
fn skip_spnl(s: &[u8], mut p: usize) -> usize {
    let sp = |s: &[u8], mut p: usize| {
        while matches!(s.get(p), Some(b' ' | b'\t')) {
            p += 1;
        }
        p
    };
    p = sp(s, p);
    match (s.get(p), s.get(p + 1)) {
        (Some(b'\n'), _) => sp(s, p + 1),
        (Some(b'\r'), Some(b'\n')) => sp(s, p + 2),
        _ => p,
    }
}

/// A link label `[…]` at `p`: its length with the brackets (2 for `[]`), else 0.
fn link_label(s: &str, p: usize) -> usize {
    let b = s.as_bytes();
    if b.get(p) != Some(&b'[') {
        return 0;
    }
    let mut i = p + 1;
    let mut chars = 0;
    while chars < 1000 {
        match b.get(i) {
            None | Some(b'[') => return 0,
            Some(b']') => return i + 1 - p,
            Some(b'\\') if b.get(i + 1).is_some_and(u8::is_ascii_punctuation) => {
                i += 2;
                chars += 2;
            }
            Some(&c) => {
                i += 1;
                if c & 0xC0 != 0x80 {
                    chars += 1;
                }
            }
        }
    }
    0
}

/// The key a label is looked up by: Unicode case folded (full folding, as CommonMark asks:
/// `ẞ`, `ß` and `SS` are one key), inner whitespace collapsed.
fn normalize_label(label: &str) -> String {
    let inner = label.get(1..label.len().saturating_sub(1)).unwrap_or("");
    let mut key = String::with_capacity(inner.len());
    for word in inner.split_ascii_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        for c in word.chars() {
            push_folded(&mut key, c);
        }
    }
    key
}

/// Pushes `c` case folded: lowercased, then folded by [`tables::FOLDS`] where lowercasing is not
/// enough (`ß` → `ss`, `ς` → `σ`, `ﬁ` → `fi`). The keys this makes are equal where full case
/// folding's are (only Cherokee keys differ, in small letters where folding makes capitals).
fn push_folded(key: &mut String, c: char) {
    for c in c.to_lowercase() {
        match (!c.is_ascii())
            .then(|| lookup(tables::FOLDS, c.encode_utf8(&mut [0; 4])))
            .flatten()
        {
            Some(folded) => key.push_str(folded),
            None => key.push(c),
        }
    }
}

/// A link destination at `p`: where it ends and its raw text.
fn link_dest(s: &str, p: usize) -> Option<(usize, &str)> {
    let b = s.as_bytes();
    if b.get(p) == Some(&b'<') {
        let mut i = p + 1;
        loop {
            match *b.get(i)? {
                b'\n' | b'\r' | b'<' => return None,
                b'>' => return Some((i + 1, &s[p + 1..i])),
                b'\\' if b.get(i + 1).is_some_and(u8::is_ascii_punctuation) => i += 1,
                _ => {}
            }
            i += 1;
        }
    }
    let mut i = p;
    let mut nest = 0;
    while let Some(&c) = b.get(i) {
        match c {
            0..=0x20 => break,
            b'(' => {
                if nest > 32 {
                    return None;
                }
                nest += 1;
            }
            b')' => {
                if nest == 0 {
                    break;
                }
                nest -= 1;
            }
            b'\\' if b.get(i + 1).is_some_and(u8::is_ascii_punctuation) => i += 1,
            _ => {}
        }
        i += 1;
    }
    (nest == 0).then(|| (i, &s[p..i]))
}

/// A link title (`"…"`, `'…'` or `(…)`) at `p`: where it ends.
fn link_title(s: &[u8], p: usize) -> Option<usize> {
    let open = *s.get(p)?;
    let close = match open {
        b'"' | b'\'' => open,
        b'(' => b')',
        _ => return None,
    };
    let mut i = p + 1;
    loop {
        let c = *s.get(i)?;
        if c == close {
            return Some(i + 1);
        }
        if c == open {
            return None;
        }
        i += if c == b'\\' && s.get(i + 1).is_some() {
            2
        } else {
            1
        };
    }
}

/// Link reference definitions at the start of a paragraph's text go into `refs`; returns how
/// many bytes they took.
fn take_references(text: &str, refs: &mut HashMap<String, String>) -> usize {
    let mut pos = 0;
    while let Some(n) = reference(&text[pos..], refs) {
        pos += n;
    }
    pos
}

fn reference(text: &str, refs: &mut HashMap<String, String>) -> Option<usize> {
    let indent = text.len() - text.trim_start_matches([' ', '\t']).len();
    let s = &text[indent..];
    let b = s.as_bytes();
    let label = link_label(s, 0);
    if label == 0 || b.get(label) != Some(&b':') {
        return None;
    }
    let p = skip_spnl(b, label + 1);
    let (dest_end, dest) = link_dest(s, p)?;
    if dest_end == p && b.get(p) != Some(&b'<') {
        return None;
    }
    let at_line_end = |mut i: usize| {
        while matches!(b.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        match (b.get(i), b.get(i + 1)) {
            (None, _) => Some(i),
            (Some(b'\n'), _) => Some(i + 1),
            (Some(b'\r'), Some(b'\n')) => Some(i + 2),
            _ => None,
        }
    };
    let before_title = skip_spnl(b, dest_end);
    let titled = (before_title > dest_end)
        .then(|| link_title(b, before_title))
        .flatten()
        .and_then(at_line_end);
    let end = indent + titled.or_else(|| at_line_end(dest_end))?;
    let key = normalize_label(&s[..label]);
    if key.is_empty() {
        return None;
    }
    refs.entry(key).or_insert_with(|| unescape(dest));
    Some(end)
}

// ---------------------------------------------------------------------------------------------
// Entities, escapes and punctuation

/// The value of `key` in a generated table of `\0key;value` records sorted by key
/// ([`tables`]): a binary search over the records' bytes.
fn lookup(table: &'static str, key: &str) -> Option<&'static str> {
    let b = table.as_bytes();
    // Both ends sit at the start of a record (its `\0`), or at the end of the table.
    let (mut lo, mut hi) = (0, b.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = b[..=mid].iter().rposition(|&c| c == 0)?;
        let end = b[start + 1..]
            .iter()
            .position(|&c| c == 0)
            .map_or(b.len(), |n| start + 1 + n);
        let (k, v) = table[start + 1..end].split_once(';')?;
        match k.cmp(key) {
            std::cmp::Ordering::Equal => return Some(v),
            std::cmp::Ordering::Less => lo = end,
            std::cmp::Ordering::Greater => hi = start,
        }
    }
    None
}

/// An entity at the start of `s` (which starts with `&`): its length and text.
fn entity(s: &str) -> Option<(usize, String)> {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        let hex = matches!(b.get(2), Some(b'x' | b'X'));
        let from = if hex { 3 } else { 2 };
        let (radix, max) = if hex { (16, 6) } else { (10, 7) };
        let digits = b[from..]
            .iter()
            .take_while(|c| char::from(**c).is_digit(radix))
            .count();
        if digits == 0 || digits > max || b.get(from + digits) != Some(&b';') {
            return None;
        }
        let n = u32::from_str_radix(&s[from..from + digits], radix).ok()?;
        let c = char::from_u32(n)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{fffd}');
        return Some((from + digits + 1, c.to_string()));
    }
    let n = b[1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if b.get(1 + n) != Some(&b';') {
        return None;
    }
    let value = lookup(tables::ENTITIES, &s[1..1 + n])?;
    Some((n + 2, value.to_string()))
}

/// Resolves backslash escapes and entities (in link destinations).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    let b = s.as_bytes();
    while let Some(c) = s[i..].chars().next() {
        if c == '\\' && b.get(i + 1).is_some_and(u8::is_ascii_punctuation) {
            out.push(b[i + 1] as char);
            i += 2;
        } else if let Some((n, t)) = (c == '&').then(|| entity(&s[i..])).flatten() {
            out.push_str(&t);
            i += n;
        } else {
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Non-ASCII punctuation and symbols (Unicode P and S) for the blocks readers write in.
const PUNCTUATION: [(u32, u32); 73] = [
    (0xA1, 0xA9),
    (0xAB, 0xAC),
    (0xAE, 0xB1),
    (0xB4, 0xB4),
    (0xB6, 0xB8),
    (0xBB, 0xBB),
    (0xBF, 0xBF),
    (0xD7, 0xD7),
    (0xF7, 0xF7),
    (0x2C2, 0x2C5),
    (0x2D2, 0x2DF),
    (0x2E5, 0x2EB),
    (0x2ED, 0x2ED),
    (0x2EF, 0x2FF),
    (0x375, 0x375),
    (0x37E, 0x37E),
    (0x384, 0x385),
    (0x387, 0x387),
    (0x3F6, 0x3F6),
    (0x482, 0x482),
    (0x5BE, 0x5BE),
    (0x5C0, 0x5C0),
    (0x5C3, 0x5C3),
    (0x5C6, 0x5C6),
    (0x5F3, 0x5F4),
    (0x606, 0x60F),
    (0x61B, 0x61B),
    (0x61D, 0x61F),
    (0x66A, 0x66D),
    (0x6D4, 0x6D4),
    (0x6DE, 0x6DE),
    (0x6E9, 0x6E9),
    (0x6FD, 0x6FE),
    (0x964, 0x965),
    (0x2010, 0x2027),
    (0x2030, 0x205E),
    (0x207A, 0x207E),
    (0x208A, 0x208E),
    (0x20A0, 0x20C0),
    (0x2100, 0x2101),
    (0x2103, 0x2106),
    (0x2108, 0x2109),
    (0x2114, 0x2114),
    (0x2116, 0x2118),
    (0x211E, 0x2123),
    (0x2125, 0x2125),
    (0x2127, 0x2127),
    (0x2129, 0x2129),
    (0x212E, 0x212E),
    (0x213A, 0x213B),
    (0x2140, 0x2144),
    (0x214A, 0x214D),
    (0x214F, 0x214F),
    (0x218A, 0x244A),
    (0x249C, 0x24E9),
    (0x2500, 0x2775),
    (0x2794, 0x2BFF),
    (0x2E00, 0x2E2E),
    (0x2E30, 0x2E5D),
    (0x3001, 0x3004),
    (0x3008, 0x3020),
    (0x3030, 0x3030),
    (0x3036, 0x3037),
    (0x303D, 0x303F),
    (0x30FB, 0x30FB),
    (0xFE30, 0xFE6B),
    (0xFF01, 0xFF0F),
    (0xFF1A, 0xFF20),
    (0xFF3B, 0xFF40),
    (0xFF5B, 0xFF65),
    (0xFFE0, 0xFFEE),
    (0x1F000, 0x1F0F5),
    (0x1F10D, 0x1FAF8),
];

fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    let c = c as u32;
    PUNCTUATION
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

// ---------------------------------------------------------------------------------------------
// Inline HTML and autolinks

fn is_html_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Where each end an HTML scan looks for (`-->`, `]]>`, `>`, `?>`, `"`, `'`) is known to be
/// missing: from this position of the paragraph on. Keeps many unclosed comments or quotes from
/// costing quadratic time.
type HtmlGuard = [usize; 6];

const NO_GUARD: HtmlGuard = [usize::MAX; 6];

/// The length of the HTML tag at the start of `s` (which starts with `<` and sits at `base` in
/// the paragraph): an open or closing tag, or (unless `only_tags`) a comment, processing
/// instruction, declaration or CDATA section.
fn html_tag(s: &str, only_tags: bool, base: usize, guard: &mut HtmlGuard) -> Option<usize> {
    let b = s.as_bytes();
    let skip_space = |mut i: usize| {
        while b.get(i).copied().is_some_and(is_html_space) {
            i += 1;
        }
        i
    };
    let name_end = |i: usize| {
        if !b.get(i)?.is_ascii_alphabetic() {
            return None;
        }
        let n = b[i..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
            .count();
        Some(i + n)
    };
    let mut find = |slot: usize, from: usize, pat: &str| {
        if base + from >= guard[slot] {
            return None;
        }
        let found = s.get(from..).and_then(|t| t.find(pat));
        if found.is_none() {
            guard[slot] = base + from;
        }
        found.map(|i| from + i + pat.len())
    };
    match *b.get(1)? {
        b'/' => {
            let i = skip_space(name_end(2)?);
            (b.get(i) == Some(&b'>')).then_some(i + 1)
        }
        b'!' if !only_tags => {
            if s.starts_with("<!--") {
                find(0, 2, "-->")
            } else if s.starts_with("<![CDATA[") {
                find(1, 9, "]]>")
            } else if b.get(2)?.is_ascii_alphabetic() {
                find(2, 2, ">")
            } else {
                None
            }
        }
        b'?' if !only_tags => find(3, 2, "?>"),
        _ => {
            let mut i = name_end(1)?;
            loop {
                let after_space = skip_space(i);
                match b.get(after_space) {
                    Some(b'>') => return Some(after_space + 1),
                    Some(b'/') => {
                        return (b.get(after_space + 1) == Some(&b'>')).then_some(after_space + 2)
                    }
                    _ => {}
                }
                if after_space == i {
                    return None;
                }
                i = after_space;
                let c = *b.get(i)?;
                if !(c.is_ascii_alphabetic() || c == b'_' || c == b':') {
                    return None;
                }
                i += b[i..]
                    .iter()
                    .take_while(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':' | b'-')
                    })
                    .count();
                let before_value = i;
                let j = skip_space(i);
                if b.get(j) != Some(&b'=') {
                    i = before_value;
                    continue;
                }
                let j = skip_space(j + 1);
                match *b.get(j)? {
                    b'"' => i = find(4, j + 1, "\"")?,
                    b'\'' => i = find(5, j + 1, "'")?,
                    _ => {
                        let n = b[j..]
                            .iter()
                            .take_while(|&&c| {
                                !is_html_space(c)
                                    && !matches!(c, b'"' | b'\'' | b'=' | b'<' | b'>' | b'`')
                            })
                            .count();
                        if n == 0 {
                            return None;
                        }
                        i = j + n;
                    }
                }
            }
        }
    }
}

/// An autolink at the start of `s` (which starts with `<`): its length, destination and text.
fn autolink(s: &str) -> Option<(usize, String, String)> {
    let b = s.as_bytes();
    let end = 1 + b[1..]
        .iter()
        .position(|&c| c == b'>' || c == b'<' || c <= b' ')?;
    if b[end] != b'>' {
        return None;
    }
    let inner = &s[1..end];
    let scheme = inner.find(':').map_or("", |i| &inner[..i]);
    let scheme_ok = (2..=32).contains(&scheme.len())
        && scheme.as_bytes()[0].is_ascii_alphabetic()
        && scheme
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'));
    if scheme_ok {
        return Some((end + 1, inner.to_string(), inner.to_string()));
    }
    let (local, domain) = inner.split_once('@')?;
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&c));
    let domain_ok = domain.split('.').all(|part| {
        let p = part.as_bytes();
        !p.is_empty()
            && p.len() <= 63
            && p[0].is_ascii_alphanumeric()
            && p[p.len() - 1].is_ascii_alphanumeric()
            && p.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    });
    // pulldown-cmark gives an email autolink's address without `mailto:`, so it is no link here.
    (local_ok && domain_ok).then(|| (end + 1, inner.to_string(), inner.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Inlines

enum Item {
    Text(String),
    /// A run of `*` or `_`: how many are left as text, and the emphasis it closes (before the
    /// text) and opens (after it), `true` for strong, in the order they were matched.
    Delim {
        ch: u8,
        n: usize,
        closes: Vec<bool>,
        opens: Vec<bool>,
    },
    /// `[` or `![` not (yet) known to start a link.
    Bracket(bool),
    Code(String),
    Soft,
    Hard,
    Start(Tag),
    End(TagEnd),
}

#[derive(Clone, Copy)]
struct Delim {
    item: usize,
    ch: u8,
    orig: usize,
    can_open: bool,
    can_close: bool,
    prev: Option<usize>,
    next: Option<usize>,
}

struct Bracket {
    item: usize,
    image: bool,
    /// Where the label starts (the `[`).
    at: usize,
    prev_delim: Option<usize>,
    bracket_after: bool,
}

struct Inlines<'r> {
    s: &'r str,
    /// Where `s` starts in the paragraph's text (for `prefixes`).
    lead: usize,
    prefixes: &'r [(usize, String)],
    pos: usize,
    refs: &'r HashMap<String, String>,
    items: Vec<Item>,
    delims: Vec<Delim>,
    top: Option<usize>,
    brackets: Vec<Bracket>,
    /// Brackets below this index (not images) can no longer make links.
    link_floor: usize,
    /// Backtick run lengths known to have no closing run after the current position.
    no_closing_ticks: Vec<usize>,
    html_guard: HtmlGuard,
}

/// Moves the line prefixes of a paragraph whose first `used` bytes went to definitions.
fn shift_prefixes(prefixes: &mut Vec<(usize, String)>, used: usize) {
    prefixes.retain(|(at, _)| *at >= used);
    for (at, _) in prefixes.iter_mut() {
        *at -= used;
    }
}

/// Reads a paragraph's or heading's text into inline events.
fn inlines(
    text: &str,
    prefixes: &[(usize, String)],
    refs: &HashMap<String, String>,
    out: &mut Vec<Event>,
) {
    let s = text.trim_end_matches(|c: char| c.is_ascii_whitespace());
    let lead = s.len()
        - s.trim_start_matches(|c: char| c.is_ascii_whitespace())
            .len();
    let s = &s[lead..];
    let mut p = Inlines {
        s,
        lead,
        prefixes,
        pos: 0,
        refs,
        items: Vec::new(),
        delims: Vec::new(),
        top: None,
        brackets: Vec::new(),
        link_floor: 0,
        no_closing_ticks: Vec::new(),
        html_guard: NO_GUARD,
    };
    p.parse();
    for item in p.items {
        match item {
            // (A text the line break after it emptied of its spaces is no text.)
            Item::Text(t) if t.is_empty() => {}
            Item::Text(t) => out.push(Event::Text(t)),
            Item::Delim {
                ch,
                n,
                closes,
                opens,
            } => {
                let tag = |strong| if strong { Tag::Strong } else { Tag::Emphasis };
                for strong in closes {
                    out.push(Event::End(if strong {
                        TagEnd::Strong
                    } else {
                        TagEnd::Emphasis
                    }));
                }
                if n > 0 {
                    out.push(Event::Text((ch as char).to_string().repeat(n)));
                }
                out.extend(opens.into_iter().rev().map(|s| Event::Start(tag(s))));
            }
            Item::Bracket(image) => out.push(Event::Text(if image { "![" } else { "[" }.into())),
            Item::Code(t) => out.push(Event::Code(t)),
            Item::Soft => out.push(Event::SoftBreak),
            Item::Hard => out.push(Event::HardBreak),
            Item::Start(t) => out.push(Event::Start(t)),
            Item::End(t) => out.push(Event::End(t)),
        }
    }
}

impl Inlines<'_> {
    fn text(&mut self, t: &str) {
        if let Some(Item::Text(last)) = self.items.last_mut() {
            last.push_str(t);
        } else {
            self.items.push(Item::Text(t.to_string()));
        }
    }

    fn byte(&self, i: usize) -> Option<u8> {
        self.s.as_bytes().get(i).copied()
    }

    fn parse(&mut self) {
        let s = self.s;
        while let Some(c) = s[self.pos..].chars().next() {
            match c {
                '\n' => self.newline(1),
                '\r' if self.byte(self.pos + 1) == Some(b'\n') => self.newline(2),
                '\\' => {
                    self.pos += 1;
                    let eol = match (self.byte(self.pos), self.byte(self.pos + 1)) {
                        (Some(b'\n'), _) => 1,
                        (Some(b'\r'), Some(b'\n')) => 2,
                        _ => 0,
                    };
                    match self.byte(self.pos) {
                        _ if eol > 0 => {
                            self.pos += eol;
                            self.items.push(Item::Hard);
                            self.skip_spaces();
                        }
                        Some(e) if e.is_ascii_punctuation() => {
                            self.pos += 1;
                            self.text(&s[self.pos - 1..self.pos]);
                        }
                        _ => self.text("\\"),
                    }
                }
                '`' => self.code_span(),
                '*' | '_' => self.delim_run(c as u8),
                '[' => self.open_bracket(false, 1),
                '!' if self.byte(self.pos + 1) == Some(b'[') => self.open_bracket(true, 2),
                ']' => self.close_bracket(),
                '<' => {
                    let rest = &s[self.pos..];
                    if let Some((n, dest, text)) = autolink(rest) {
                        self.items.push(Item::Start(Tag::Link(dest)));
                        self.items.push(Item::Text(text));
                        self.items.push(Item::End(TagEnd::Link));
                        self.pos += n;
                    } else if let Some(n) = html_tag(rest, false, self.pos, &mut self.html_guard) {
                        self.raw_html(n);
                    } else {
                        self.text("<");
                        self.pos += 1;
                    }
                }
                '&' => match entity(&s[self.pos..]) {
                    Some((n, t)) => {
                        self.text(&t);
                        self.pos += n;
                    }
                    None => {
                        self.text("&");
                        self.pos += 1;
                    }
                },
                _ => {
                    let rest = &s[self.pos..];
                    let n = rest
                        .find(['\n', '\r', '\\', '`', '*', '_', '[', '!', ']', '<', '&'])
                        .unwrap_or(rest.len())
                        .max(c.len_utf8());
                    self.text(&rest[..n]);
                    self.pos += n;
                }
            }
        }
        self.process_emphasis(None);
    }

    /// Inline HTML of `n` bytes at `pos`. Comments, processing instructions, declarations and
    /// CDATA over several lines are shown as pulldown-cmark shows them: as in the source, with
    /// the container markers (`> `, indentation) of their later lines.
    fn raw_html(&mut self, n: usize) {
        let (start, end) = (self.pos, self.pos + n);
        self.pos = end;
        let html = &self.s[start..end];
        if !html.starts_with("<!") && !html.starts_with("<?") || !html.contains('\n') {
            self.text(html);
            return;
        }
        let mut out = String::new();
        let mut from = start;
        let first = self
            .prefixes
            .partition_point(|(at, _)| *at <= start + self.lead);
        for (at, prefix) in &self.prefixes[first..] {
            let at = at - self.lead;
            if at >= end {
                break;
            }
            out.push_str(&self.s[from..at]);
            out.push_str(prefix);
            from = at;
        }
        out.push_str(&self.s[from..end]);
        self.text(&out);
    }

    fn skip_spaces(&mut self) {
        while matches!(self.byte(self.pos), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn newline(&mut self, len: usize) {
        self.pos += len;
        let mut hard = false;
        if let Some(Item::Text(t)) = self.items.last_mut() {
            let keep = t.trim_end_matches([' ', '\t']).len();
            hard = t.len() - keep >= 2;
            t.truncate(keep);
        }
        self.items.push(if hard { Item::Hard } else { Item::Soft });
        self.skip_spaces();
    }

    fn code_span(&mut self) {
        let s = self.s;
        let start = self.pos;
        let n = s[start..].bytes().take_while(|&b| b == b'`').count();
        let after = start + n;
        let mut i = after;
        let mut close = None;
        if !self.no_closing_ticks.contains(&n) {
            while let Some(j) = s[i..].find('`') {
                let run_at = i + j;
                let run = s[run_at..].bytes().take_while(|&b| b == b'`').count();
                if run == n {
                    close = Some(run_at);
                    break;
                }
                i = run_at + run;
            }
        }
        match close {
            Some(end) => {
                let mut code = s[after..end].replace(['\r', '\n'], " ");
                if code.len() >= 2
                    && code.starts_with(' ')
                    && code.ends_with(' ')
                    && code.bytes().any(|b| b != b' ')
                {
                    code = code[1..code.len() - 1].to_string();
                }
                self.items.push(Item::Code(code));
                self.pos = end + n;
            }
            None => {
                self.no_closing_ticks.push(n);
                self.text(&s[start..after]);
                self.pos = after;
            }
        }
    }

    fn delim_run(&mut self, ch: u8) {
        let s = self.s;
        let start = self.pos;
        let n = s[start..].bytes().take_while(|&b| b == ch).count();
        self.pos += n;
        let before = s[..start].chars().next_back().unwrap_or('\n');
        let after = s[self.pos..].chars().next().unwrap_or('\n');
        let (before_space, after_space) = (before.is_whitespace(), after.is_whitespace());
        let (before_punct, after_punct) = (is_punctuation(before), is_punctuation(after));
        let star = ch == b'*';
        let can_open = !after_space && ((star && !after_punct) || before_space || before_punct);
        let can_close = !before_space && ((star && !before_punct) || after_space || after_punct);
        let item = self.items.len();
        self.items.push(Item::Delim {
            ch,
            n,
            closes: Vec::new(),
            opens: Vec::new(),
        });
        if can_open || can_close {
            let d = self.delims.len();
            self.delims.push(Delim {
                item,
                ch,
                orig: n,
                can_open,
                can_close,
                prev: self.top,
                next: None,
            });
            if let Some(t) = self.top {
                self.delims[t].next = Some(d);
            }
            self.top = Some(d);
        }
    }

    fn open_bracket(&mut self, image: bool, len: usize) {
        if let Some(b) = self.brackets.last_mut() {
            b.bracket_after = true;
        }
        self.brackets.push(Bracket {
            item: self.items.len(),
            image,
            at: self.pos + len - 1,
            prev_delim: self.top,
            bracket_after: false,
        });
        self.items.push(Item::Bracket(image));
        self.pos += len;
    }

    fn pop_bracket(&mut self) {
        self.brackets.pop();
        self.link_floor = self.link_floor.min(self.brackets.len());
    }

    /// An inline link's `(destination "title")` at `p`: its end and destination.
    fn inline_link(&self, p: usize) -> Option<(usize, String)> {
        let b = self.s.as_bytes();
        if b.get(p) != Some(&b'(') {
            return None;
        }
        let p = skip_spnl(b, p + 1);
        let (end, dest) = link_dest(self.s, p)?;
        let mut p = skip_spnl(b, end);
        if let Some(t) = link_title(b, p) {
            p = skip_spnl(b, t);
        }
        (b.get(p) == Some(&b')')).then(|| (p + 1, unescape(dest)))
    }

    fn close_bracket(&mut self) {
        self.pos += 1;
        let after = self.pos;
        let Some(opener) = self.brackets.last() else {
            self.text("]");
            return;
        };
        if !opener.image && self.brackets.len() <= self.link_floor {
            self.pop_bracket();
            self.text("]");
            return;
        }
        let (item, image, at, prev_delim) =
            (opener.item, opener.image, opener.at, opener.prev_delim);
        let mut dest = None;
        if let Some((end, d)) = self.inline_link(after) {
            dest = Some(d);
            self.pos = end;
        } else {
            let n = link_label(self.s, after);
            let label = if n > 2 {
                Some(&self.s[after..after + n])
            } else if !opener.bracket_after {
                Some(&self.s[at..after])
            } else {
                None
            };
            if let Some(d) = label.and_then(|l| self.refs.get(&normalize_label(l))) {
                dest = Some(d.clone());
                self.pos = after + n;
            }
        }
        let Some(dest) = dest else {
            self.pop_bracket();
            self.text("]");
            return;
        };
        let (start, end) = if image {
            (Tag::Image, TagEnd::Image)
        } else {
            (Tag::Link(dest), TagEnd::Link)
        };
        if let Some(slot) = self.items.get_mut(item) {
            *slot = Item::Start(start);
        }
        self.items.push(Item::End(end));
        self.process_emphasis(prev_delim);
        self.pop_bracket();
        if !image {
            self.link_floor = self.brackets.len();
        }
    }

    fn count(&self, d: usize) -> usize {
        match self.items.get(self.delims[d].item) {
            Some(Item::Delim { n, .. }) => *n,
            _ => 0,
        }
    }

    fn remove_delim(&mut self, d: usize) {
        let Delim { prev, next, .. } = self.delims[d];
        if let Some(p) = prev {
            self.delims[p].next = next;
        }
        if let Some(n) = next {
            self.delims[n].prev = prev;
        }
        if self.top == Some(d) {
            self.top = prev;
        }
    }

    /// Matches `*`/`_` runs above `bottom` into emphasis (the CommonMark algorithm).
    fn process_emphasis(&mut self, bottom: Option<usize>) {
        let mut openers_bottom = [bottom; 12];
        // The first delimiter above `bottom`: none when `bottom` is the top (a link's text with
        // no delimiters of its own; walking down from it instead visited every delimiter of the
        // paragraph at each link, quadratic in a paragraph of emphasis and links).
        let mut closer = if self.top == bottom { None } else { self.top };
        while let Some(c) = closer {
            if self.delims[c].prev == bottom {
                break;
            }
            closer = self.delims[c].prev;
        }
        while let Some(c) = closer {
            let d = self.delims[c];
            if !d.can_close {
                closer = d.next;
                continue;
            }
            let slot = usize::from(d.ch == b'*') * 6 + usize::from(d.can_open) * 3 + d.orig % 3;
            let mut opener = d.prev;
            let mut found = None;
            while let Some(o) = opener {
                if Some(o) == bottom || Some(o) == openers_bottom[slot] {
                    break;
                }
                let od = self.delims[o];
                let odd = (d.can_open || od.can_close)
                    && !d.orig.is_multiple_of(3)
                    && (od.orig + d.orig).is_multiple_of(3);
                if od.ch == d.ch && od.can_open && !odd {
                    found = Some(o);
                    break;
                }
                opener = od.prev;
            }
            let Some(o) = found else {
                openers_bottom[slot] = d.prev;
                if !d.can_open {
                    self.remove_delim(c);
                }
                closer = d.next;
                continue;
            };
            let strong = self.count(o) >= 2 && self.count(c) >= 2;
            let used = if strong { 2 } else { 1 };
            let (oi, ci) = (self.delims[o].item, c);
            if let Some(Item::Delim { n, opens, .. }) = self.items.get_mut(oi) {
                *n -= used;
                opens.push(strong);
            }
            if let Some(Item::Delim { n, closes, .. }) = self.items.get_mut(self.delims[ci].item) {
                *n -= used;
                closes.push(strong);
            }
            self.delims[o].next = Some(c);
            self.delims[c].prev = Some(o);
            if self.count(o) == 0 {
                self.remove_delim(o);
            }
            if self.count(c) == 0 {
                let next = self.delims[c].next;
                self.remove_delim(c);
                closer = next;
            }
        }
        while self.top != bottom {
            match self.top {
                Some(t) => self.remove_delim(t),
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_table_is_sorted() {
        assert!(PUNCTUATION.windows(2).all(|w| w[0].1 < w[1].0));
        assert!(PUNCTUATION.iter().all(|(a, b)| a <= b));
        assert!(is_punctuation('😀') && is_punctuation('—') && is_punctuation('。'));
        assert!(!is_punctuation('é') && !is_punctuation('中') && !is_punctuation('a'));
    }

    /// A generated table's records, checked to be sorted by key (the binary search needs it).
    fn records(table: &'static str) -> Vec<(&'static str, &'static str)> {
        let records: Vec<_> = table[1..]
            .split('\0')
            .map(|r| r.split_once(';').unwrap())
            .collect();
        assert!(table.starts_with('\0'));
        assert!(records.windows(2).all(|w| w[0].0 < w[1].0), "not sorted");
        records
    }

    #[test]
    fn every_named_entity_reads_as_pulldown_cmark_reads_it() {
        let records = records(tables::ENTITIES);
        // HTML 4.01's and `apos`, or (tools/gen-tables.py --all-entities) all of HTML5's.
        assert!([253, 2125].contains(&records.len()), "{}", records.len());
        for (name, value) in records {
            assert_eq!(lookup(tables::ENTITIES, name), Some(value));
            assert_eq!(
                entity(&format!("&{name};")),
                Some((name.len() + 2, value.into()))
            );
            let md = format!("&{name};");
            let theirs: String = pulldown_cmark::Parser::new(&md)
                .filter_map(|e| match e {
                    pulldown_cmark::Event::Text(t) => Some(t.to_string()),
                    _ => None,
                })
                .collect();
            assert_eq!(value, theirs, "&{name};");
        }
        for missing in ["", "ampx", "Amp", "zzzz", "AAA", "amp;"] {
            assert_eq!(lookup(tables::ENTITIES, missing), None, "{missing}");
        }
    }

    /// Over every character with a case: two characters' keys are equal exactly where their full case
    /// foldings (unicase's, as pulldown-cmark compares labels) are. Letters whose case is newer
    /// than this toolchain's Unicode (`char::UNICODE_VERSION`) have no case here and are left out.
    #[test]
    fn labels_are_case_folded_as_unicode_full_case_folding_does() {
        let records = records(tables::FOLDS);
        assert!(records.iter().all(|(k, _)| k.chars().count() == 1));
        let mut ours_to_theirs = HashMap::new();
        let mut theirs_to_ours = HashMap::new();
        let mut newer = Vec::new();
        // (Planes 4 to 16 have no letters: unassigned, tags, private use.)
        for c in (0..0x40000).filter_map(char::from_u32) {
            let mut ours = String::new();
            push_folded(&mut ours, c);
            let theirs = unicase::UniCase::new(c.to_string()).to_folded_case();
            if ours == c.to_string() && theirs != ours && c.to_uppercase().eq([c]) {
                newer.push(c);
                continue;
            }
            let a = ours_to_theirs.entry(ours.clone()).or_insert(theirs.clone());
            let b = theirs_to_ours.entry(theirs.clone()).or_insert(ours.clone());
            assert!(
                *a == theirs && *b == ours,
                "U+{:04X} {c:?} folds to {ours:?}, unicase's folding is {theirs:?}",
                c as u32
            );
        }
        // unicase 2.10's tables are newer than Rust 1.95's Unicode 17: 21 letters (U+A7DD,
        // U+A7E2, U+AB6C, U+AB6D, 16 of U+1DF40–U+1DF7E, U+1DF95) have a folding there only.
        assert!(newer.len() <= 40, "{newer:?}");
        assert_eq!(normalize_label("[ẞ]"), normalize_label("[SS]"));
        assert_eq!(normalize_label("[ \tΣΑΣ \n ﬁle ]"), "σασ file");
    }
}
