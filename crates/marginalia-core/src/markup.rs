//! A block as HTML: its runs (see [`segment`]) as escaped text inside its inline styles, each run
//! under highlights wrapped in one `<mark>`. The UI sets it as the block's `innerHTML` — one DOM
//! write per re-rendered block, whatever the number of highlights — and handles clicks on marks
//! with one listener for the whole article.
//!
//! A mark carries `data-at` (where its run starts, in code points of the document text: the
//! covering annotations are worked out from the model, [`covering_at`], so a mark's HTML stays
//! small however many highlights overlap it), a class naming the innermost colour (`hl hl-yellow …`), the overlap depth (`depth-1` … `depth-3`), where colours
//! overlap the next colour as an underline (`under-blue`), and `active` / `flash` for the focused
//! annotation. Where a highlight with a note ends, its mark ends with the note's marker: an
//! empty `<button class="note-mark">` (no text, so the block's text nodes stay its text and the
//! run stays one node) named by the note, which shows the note on hover or focus, and in print
//! is the note's footnote number.

use crate::annotation::Annotation;
use crate::article::{Block, BlockKind, Style};
use crate::segment::{segment, Run};
use crate::span::CharSpan;

/// How many highlights a mark's tooltip describes (then "and N more").
pub const TITLE_DESCRIPTIONS: usize = 3;

/// Which annotation is focused, and which one flashes, when the block is rendered.
#[derive(Clone, Copy, Debug, Default)]
pub struct MarkState<'a> {
    pub focused: Option<&'a str>,
    pub flash: Option<&'a str>,
}

/// Short description of a highlight for assistive technology and tooltips: colour, then note,
/// then tags.
pub fn describe_annotation(a: &Annotation) -> String {
    let mut s = format!("{} highlight", a.color.label());
    if !a.note.trim().is_empty() {
        s.push_str(" — note: ");
        s.extend(a.note.chars().take(200));
    }
    if !a.tags.is_empty() {
        s.push_str(" — tags: ");
        s.push_str(&a.tags.join(", "));
    }
    s
}

/// Appends `s` escaped for HTML text or a double-quoted attribute value.
pub fn push_escaped(out: &mut String, s: &str) {
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        out.push_str(entity);
        from = i + 1;
    }
    out.push_str(&s[from..]);
}

/// Appends block `block` as its element (`<p>`, `<h2>`, `<blockquote>` …) holding `inner`,
/// with `data-block="idx"` when `idx` is given (the app's blocks; a static copy has none).
/// Every block takes its direction from its own text (`dir="auto"`): a paragraph in Persian,
/// Urdu, Arabic or Hebrew reads right to left, beside English ones that read left to right.
pub fn push_block_element(out: &mut String, block: &Block, idx: Option<usize>, inner: &str) {
    let (tag, class, marker) = match &block.kind {
        BlockKind::Heading(2) => ("h2", None, None),
        BlockKind::Heading(_) => ("h3", None, None),
        BlockKind::Quote => ("blockquote", None, None),
        BlockKind::Code => ("pre", None, None),
        // The marker comes from CSS (attr(data-marker)), so the block's text nodes stay its text.
        BlockKind::ListItem(n) => (
            "p",
            Some("list-item"),
            Some(n.map(|n| format!("{n}. ")).unwrap_or_else(|| "• ".into())),
        ),
        BlockKind::Paragraph => ("p", None, None),
    };
    out.push('<');
    out.push_str(tag);
    out.push_str(" dir=\"auto\"");
    if let Some(class) = class {
        out.push_str(" class=\"");
        out.push_str(class);
        out.push('"');
    }
    if let Some(marker) = marker {
        out.push_str(" data-marker=\"");
        push_escaped(out, &marker);
        out.push('"');
    }
    if let Some(idx) = idx {
        out.push_str(&format!(" data-block=\"{idx}\""));
    }
    out.push('>');
    out.push_str(inner);
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

fn open_style(out: &mut String, style: &Style) {
    match style {
        Style::Emphasis => out.push_str("<em>"),
        Style::Strong => out.push_str("<strong>"),
        Style::Code => out.push_str("<code>"),
        Style::Link(href) => {
            out.push_str("<a href=\"");
            push_escaped(out, href);
            out.push_str("\" target=\"_blank\" rel=\"noopener noreferrer\">");
        }
    }
}

fn close_style(out: &mut String, style: &Style) {
    out.push_str(match style {
        Style::Emphasis => "</em>",
        Style::Strong => "</strong>",
        Style::Code => "</code>",
        Style::Link(_) => "</a>",
    });
}

/// The `<mark>` opening tag for a run covered by `covering` (in text order; the last on top).
fn open_mark(
    out: &mut String,
    covering: &[&Annotation],
    run: CharSpan,
    block_start: usize,
    state: MarkState,
) {
    let run_start = block_start + run.start;
    let top = covering[covering.len() - 1];
    out.push_str("<mark class=\"hl ");
    out.push_str(top.color.style_class());
    out.push_str(" depth-");
    out.push_str(&covering.len().min(3).to_string());
    // Where highlights of different colours overlap, the next one shows as an underline.
    if let Some(under) = covering.iter().rev().find(|a| a.color != top.color) {
        out.push_str(" under-");
        out.push_str(under.color.name());
    }
    let covers = |id: Option<&str>| id.is_some_and(|id| covering.iter().any(|a| a.id == id));
    if covers(state.focused) {
        out.push_str(" active");
    }
    if covers(state.flash) {
        out.push_str(" flash");
    }
    out.push_str("\" data-at=\"");
    out.push_str(&run_start.to_string());
    // The innermost few, then a count: a tooltip of dozens of notes helps no one.
    out.push_str("\" title=\"");
    for (i, a) in covering.iter().rev().take(TITLE_DESCRIPTIONS).enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        push_escaped(out, &describe_annotation(a));
    }
    if covering.len() > TITLE_DESCRIPTIONS {
        let more = covering.len() - TITLE_DESCRIPTIONS;
        let s = if more == 1 { "" } else { "s" };
        out.push_str(&format!("; and {more} more highlight{s}"));
    }
    out.push_str("\">");
}

/// How many characters of a note a marker's accessible name gives.
pub const MARKER_NAME_CHARS: usize = 120;

/// The note as one line of plain text of at most `max` characters (an ellipsis when cut), for
/// a marker's accessible name.
pub fn note_line(source: &str, max: usize) -> String {
    let words: Vec<&str> = source.split_whitespace().collect();
    let line = words.join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let cut: String = line.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// The marker of `a`'s note, where its highlight ends (see the module's documentation).
fn push_note_marker(out: &mut String, a: &Annotation) {
    out.push_str("<button type=\"button\" class=\"note-mark\" data-note=\"");
    push_escaped(out, &a.id);
    out.push_str("\" aria-label=\"Note: ");
    push_escaped(out, &note_line(&a.note, MARKER_NAME_CHARS));
    out.push_str("\"></button>");
}

fn push_run(
    out: &mut String,
    run: &Run,
    block: &Block,
    anns: &[&Annotation],
    block_start: usize,
    state: MarkState,
) {
    let styles: Vec<&Style> = run
        .styles
        .iter()
        .filter_map(|&i| block.styles.get(i).map(|s| &s.style))
        .collect();
    let covering: Vec<&Annotation> = run
        .marks
        .iter()
        .filter_map(|&i| anns.get(i).copied())
        .collect();
    if !covering.is_empty() {
        open_mark(out, &covering, run.span, block_start, state);
    }
    for s in &styles {
        open_style(out, s);
    }
    push_escaped(out, &run.text);
    for s in styles.iter().rev() {
        close_style(out, s);
    }
    if !covering.is_empty() {
        let run_end = block_start + run.span.end;
        for a in &covering {
            if a.anchor.is_some_and(|s| s.end == run_end) && !a.note.trim().is_empty() {
                push_note_marker(out, a);
            }
        }
        out.push_str("</mark>");
    }
}

/// The order highlights are drawn in: text order (start, then end, then creation time, then
/// id); the last covering a run is on top.
fn draw_order(a: &Annotation, b: &Annotation) -> std::cmp::Ordering {
    a.anchor
        .cmp(&b.anchor)
        .then(a.created.cmp(&b.created))
        .then_with(|| a.id.cmp(&b.id))
}

/// The annotations covering the run that starts at `char_idx` of the document text (a mark's
/// `data-at`), in drawing order (the last on top), from `anns` (any order).
pub fn covering_at<'a>(anns: &[&'a Annotation], char_idx: usize) -> Vec<&'a Annotation> {
    let mut covering: Vec<&Annotation> = anns
        .iter()
        .copied()
        .filter(|a| {
            a.anchor
                .is_some_and(|s| s.start <= char_idx && char_idx < s.end)
        })
        .collect();
    super::order::sort_by(&mut covering, |a, b| draw_order(a, b));
    covering
}

/// The inner HTML of `block`, which spans `block_span` of the document text, under the
/// annotations `anns` (any order; those not touching the block are ignored).
pub fn block_html(
    block: &Block,
    block_span: CharSpan,
    anns: &[&Annotation],
    state: MarkState,
) -> String {
    let whole = CharSpan::new(0, block.text.chars().count());
    block_runs_html(block, block_span, anns, state, whole).html
}

/// Some runs of a block as HTML: each run is exactly one node of the block element (a `<mark>`,
/// a style element, or a text node), so the runs of a window can replace the same nodes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunsHtml {
    pub html: String,
    /// Where each run starts, in code points of the block (`char_idx` from the block's start).
    pub run_starts: Vec<usize>,
}

/// The runs of `block` inside `window` (block-local code points) as HTML. `window` must start
/// and end at run boundaries (see [`rerender_window`]); the whole block gives [`block_html`].
pub fn block_runs_html(
    block: &Block,
    block_span: CharSpan,
    anns: &[&Annotation],
    state: MarkState,
    window: CharSpan,
) -> RunsHtml {
    let abs = CharSpan::new(
        block_span.start + window.start,
        block_span.start + window.end,
    );
    // In text order (start, then end, then creation time): the last covering a run is drawn on top.
    let mut anns: Vec<&Annotation> = anns
        .iter()
        .copied()
        .filter(|a| a.anchor.is_some_and(|s| s.intersect(&abs).is_some()))
        .collect();
    super::order::sort_by(&mut anns, |a, b| draw_order(a, b));
    let marks: Vec<CharSpan> = anns
        .iter()
        .map(|a| {
            a.anchor
                .and_then(|s| s.intersect(&abs))
                .map(|s| s.shifted_back(abs.start))
                .unwrap_or(CharSpan::new(0, 0))
        })
        .collect();
    // Every style keeps its index (those outside the window are empty, so ignored).
    let style_spans: Vec<CharSpan> = block
        .styles
        .iter()
        .map(|s| {
            s.span
                .intersect(&window)
                .map(|s| s.shifted_back(window.start))
                .unwrap_or(CharSpan::new(0, 0))
        })
        .collect();
    let whole = window.start == 0 && window.len() >= block.text.chars().count();
    let text: std::borrow::Cow<str> = if whole {
        block.text.as_str().into()
    } else {
        block
            .text
            .chars()
            .skip(window.start)
            .take(window.len())
            .collect::<String>()
            .into()
    };
    let runs = segment(&text, &marks, &style_spans);
    let mut out = RunsHtml {
        html: String::with_capacity(text.len() + 64 * anns.len().min(256)),
        run_starts: Vec::with_capacity(runs.len()),
    };
    for run in &runs {
        out.run_starts.push(window.start + run.span.start);
        push_run(&mut out.html, run, block, &anns, abs.start, state);
    }
    out
}

/// Which runs to render again after a change touching `touched` (block-local code-point spans),
/// given where the block's current runs start (`run_starts`, from the last render) and its
/// length: `(first_run, end_run, window)`, the runs `first_run..end_run` to replace with those
/// of `window` ([`block_runs_html`] on the new annotations). `None`: nothing touches the block.
///
/// The window reaches one run past the touched text on each side, because a highlight that is
/// gone can merge the runs on either side of its ends; so its ends are boundaries that no
/// changed annotation makes, which stay boundaries after the change.
pub fn rerender_window(
    run_starts: &[usize],
    len_chars: usize,
    touched: &[CharSpan],
) -> Option<(usize, usize, CharSpan)> {
    let lo = touched.iter().map(|s| s.start).min()?.min(len_chars);
    let hi = touched.iter().map(|s| s.end).max()?.min(len_chars);
    // The last run starting before `lo` (the first run when `lo` is 0).
    let first_run = run_starts.partition_point(|&st| st < lo).saturating_sub(1);
    // The first run starting after `hi` (none: up to the end).
    let end_run = run_starts.partition_point(|&st| st <= hi);
    let start = run_starts.get(first_run).copied().unwrap_or(0).min(lo);
    let end = run_starts.get(end_run).copied().unwrap_or(len_chars);
    Some((first_run, end_run, CharSpan::new(start, end)))
}

/// The order to re-render many `blocks` (block indices, ascending) in, when it takes several
/// turns: from the first block on screen (`first_in_view`) downwards, then those above it from
/// the nearest up, so the reader sees their part of the page done first.
pub fn nearest_first(blocks: Vec<usize>, first_in_view: usize) -> Vec<usize> {
    let split = blocks.partition_point(|&b| b < first_in_view);
    let mut out = blocks[split..].to_vec();
    out.extend(blocks[..split].iter().rev());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::tests::sample;
    use crate::annotation::Color;
    use crate::article::StyleSpan;
    use crate::text::CharText;
    use crate::time::Timestamp;

    /// The text of some HTML: tags dropped, the five entities decoded.
    fn text_of(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    fn doc_text(block: &Block, start: usize) -> CharText {
        CharText::new(&format!("{}{}", "x".repeat(start), block.text))
    }

    #[test]
    fn plain_text_is_escaped_and_unchanged() {
        let block = Block::paragraph("Tom & Jerry <script>alert('x')</script> \"quoted\"");
        let html = block_html(&block, CharSpan::new(0, 47), &[], MarkState::default());
        assert!(!html.contains("<script>"));
        assert_eq!(text_of(&html), block.text);
    }

    #[test]
    fn overlapping_highlights_nest_in_runs_with_positions_depth_and_underline() {
        let block = Block::paragraph("The quick brown fox jumps");
        let start = 10;
        let text = doc_text(&block, start);
        let mut a = sample("urn:a", &text, CharSpan::new(start + 4, start + 15));
        a.color = Color::Yellow;
        let mut b = sample("urn:b", &text, CharSpan::new(start + 10, start + 19));
        b.color = Color::Blue;
        b.note = "a <b>note</b>".into();
        b.created = Timestamp(2000);
        let span = CharSpan::new(start, start + block.text.chars().count());
        let html = block_html(&block, span, &[&b, &a], MarkState::default());
        assert_eq!(text_of(&html), block.text);
        // Each mark's `data-at` finds the annotations covering it, drawn in the same order.
        let ids = |at: usize| -> Vec<String> {
            covering_at(&[&b, &a], at)
                .iter()
                .map(|x| x.id.clone())
                .collect()
        };
        assert_eq!(ids(start + 4), vec!["urn:a"]);
        assert_eq!(ids(start + 10), vec!["urn:a", "urn:b"]);
        assert_eq!(ids(start + 15), vec!["urn:b"]);
        assert!(ids(start + 19).is_empty());
        assert_eq!(
            html,
            "The <mark class=\"hl hl-yellow depth-1\" data-at=\"14\" title=\"Yellow highlight\">quick </mark>\
             <mark class=\"hl hl-blue depth-2 under-yellow\" data-at=\"20\" title=\"Blue highlight — note: a &lt;b&gt;note&lt;/b&gt;; Yellow highlight\">brown</mark>\
             <mark class=\"hl hl-blue depth-1\" data-at=\"25\" title=\"Blue highlight — note: a &lt;b&gt;note&lt;/b&gt;\"> fox\
             <button type=\"button\" class=\"note-mark\" data-note=\"urn:b\" aria-label=\"Note: a &lt;b&gt;note&lt;/b&gt;\"></button></mark> jumps"
        );
    }

    #[test]
    fn focus_and_flash_are_rendered_on_the_marks_of_that_annotation() {
        let block = Block::paragraph("abcdefgh");
        let text = doc_text(&block, 0);
        let a = sample("urn:a", &text, CharSpan::new(0, 4));
        let b = sample("urn:b", &text, CharSpan::new(4, 8));
        let state = MarkState {
            focused: Some("urn:a"),
            flash: Some("urn:b"),
        };
        let html = block_html(&block, CharSpan::new(0, 8), &[&a, &b], state);
        assert!(html.contains("depth-1 active\" data-at=\"0\""), "{html}");
        assert!(html.contains("depth-1 flash\" data-at=\"4\""), "{html}");
    }

    #[test]
    fn styles_nest_inside_marks_and_links_are_escaped() {
        let mut block = Block::paragraph("see the docs now");
        block.styles = vec![
            StyleSpan {
                span: CharSpan::new(4, 12),
                style: Style::Link("https://example.org/?a=1&b=\"2\"".into()),
            },
            StyleSpan {
                span: CharSpan::new(8, 12),
                style: Style::Emphasis,
            },
        ];
        let text = doc_text(&block, 0);
        let a = sample("urn:a", &text, CharSpan::new(8, 16));
        let html = block_html(&block, CharSpan::new(0, 16), &[&a], MarkState::default());
        assert_eq!(text_of(&html), block.text);
        assert!(html.contains(
            "<a href=\"https://example.org/?a=1&amp;b=&quot;2&quot;\" target=\"_blank\" rel=\"noopener noreferrer\">the </a>"
        ), "{html}");
        assert!(html.contains("<mark class=\"hl hl-yellow depth-1\" data-at=\"8\" title=\"Yellow highlight\"><a href="), "{html}");
        assert!(
            html.contains("><em>docs</em></a></mark><mark")
                || html.contains("><em>docs</em></a></mark>"),
            "{html}"
        );
    }

    #[test]
    fn a_tooltip_describes_the_innermost_three_then_counts() {
        let block = Block::paragraph("abcdefgh");
        let text = doc_text(&block, 0);
        let anns: Vec<Annotation> = (0..5)
            .map(|i| {
                let mut a = sample(&format!("urn:{i}"), &text, CharSpan::new(0, 8 - i));
                a.created = Timestamp(i as i64);
                a
            })
            .collect();
        let refs: Vec<&Annotation> = anns.iter().collect();
        let html = block_html(&block, CharSpan::new(0, 8), &refs, MarkState::default());
        assert!(html.contains("title=\"Yellow highlight; Yellow highlight; Yellow highlight; and 2 more highlights\""), "{html}");
        let ids: Vec<&str> = covering_at(&refs, 0)
            .iter()
            .map(|a| a.id.as_str())
            .collect();
        assert_eq!(ids, vec!["urn:4", "urn:3", "urn:2", "urn:1", "urn:0"]);
    }

    #[test]
    fn blocks_become_their_elements() {
        let mut out = String::new();
        let mut item = Block::paragraph("x");
        item.kind = BlockKind::ListItem(Some(3));
        push_block_element(&mut out, &item, Some(4), "x");
        let mut quote = Block::paragraph("y");
        quote.kind = BlockKind::Quote;
        push_block_element(&mut out, &quote, None, "y &amp; z");
        assert_eq!(
            out,
            "<p dir=\"auto\" class=\"list-item\" data-marker=\"3. \" data-block=\"4\">x</p><blockquote dir=\"auto\">y &amp; z</blockquote>"
        );
    }

    #[test]
    fn escaping_keeps_every_other_character() {
        let mut out = String::new();
        push_escaped(&mut out, "a<b>&\"c'd — é😀");
        assert_eq!(out, "a&lt;b&gt;&amp;&quot;c&#39;d — é😀");
    }

    /// The HTML of each run on its own (a run's span is a window of its own).
    fn pieces(
        block: &Block,
        span: CharSpan,
        anns: &[&Annotation],
        state: MarkState,
    ) -> Vec<String> {
        let all = block_runs_html(block, span, anns, state, CharSpan::new(0, span.len()));
        let mut ends: Vec<usize> = all.run_starts.iter().skip(1).copied().collect();
        ends.push(span.len());
        all.run_starts
            .iter()
            .zip(ends)
            .map(|(&a, b)| block_runs_html(block, span, anns, state, CharSpan::new(a, b)).html)
            .collect()
    }

    /// Replaces the runs `rerender_window` names with the window's runs under `after`.
    fn patched(
        block: &Block,
        span: CharSpan,
        before: &[&Annotation],
        after: &[&Annotation],
        touched: &[CharSpan],
        state: MarkState,
    ) -> RunsHtml {
        let whole = CharSpan::new(0, span.len());
        let old = block_runs_html(block, span, before, state, whole);
        let local: Vec<CharSpan> = touched
            .iter()
            .filter_map(|t| t.intersect(&span))
            .map(|t| t.shifted_back(span.start))
            .collect();
        let Some((from, to, window)) = rerender_window(&old.run_starts, span.len(), &local) else {
            return old;
        };
        let part = block_runs_html(block, span, after, state, window);
        let old_pieces = pieces(block, span, before, state);
        RunsHtml {
            html: old_pieces[..from].concat() + &part.html + &old_pieces[to..].concat(),
            run_starts: [
                &old.run_starts[..from],
                &part.run_starts[..],
                &old.run_starts[to..],
            ]
            .concat(),
        }
    }

    #[test]
    fn a_deleted_highlight_merges_the_runs_beside_its_ends() {
        let block = Block::paragraph("aaaabbbbcccc");
        let span = CharSpan::new(0, 12);
        let text = doc_text(&block, 0);
        let outer = sample("urn:o", &text, CharSpan::new(2, 10));
        let inner = sample("urn:i", &text, CharSpan::new(4, 8));
        let (before, after) = (vec![&outer, &inner], vec![&outer]);
        let state = MarkState::default();
        let whole = CharSpan::new(0, 12);
        let old = block_runs_html(&block, span, &before, state, whole);
        assert_eq!(old.run_starts, vec![0, 2, 4, 8, 10]);
        // The runs around the deleted one go too: 2..4 and 8..10 join it in one run, 2..10.
        let (from, to, window) =
            rerender_window(&old.run_starts, 12, &[CharSpan::new(4, 8)]).unwrap();
        assert_eq!((from, to, window), (1, 4, CharSpan::new(2, 10)));
        let part = block_runs_html(&block, span, &after, state, window);
        assert_eq!(part.run_starts, vec![2]);
        let new = block_runs_html(&block, span, &after, state, whole);
        assert_eq!(new.run_starts, vec![0, 2, 10]);
        assert_eq!(
            patched(&block, span, &before, &after, &[CharSpan::new(4, 8)], state),
            new
        );
    }

    #[test]
    fn a_window_at_the_block_edges_and_an_empty_block() {
        assert_eq!(rerender_window(&[0, 3], 6, &[]), None);
        assert_eq!(
            rerender_window(&[0, 3], 6, &[CharSpan::new(0, 6)]),
            Some((0, 2, CharSpan::new(0, 6)))
        );
        assert_eq!(
            rerender_window(&[0, 3], 6, &[CharSpan::new(0, 1)]),
            Some((0, 1, CharSpan::new(0, 3)))
        );
        assert_eq!(
            rerender_window(&[0, 3], 6, &[CharSpan::new(0, 3)]),
            Some((0, 2, CharSpan::new(0, 6)))
        );
        assert_eq!(
            rerender_window(&[0, 3], 6, &[CharSpan::new(4, 5)]),
            Some((1, 2, CharSpan::new(3, 6)))
        );
        assert_eq!(
            rerender_window(&[], 0, &[CharSpan::new(0, 0)]),
            Some((0, 0, CharSpan::new(0, 0)))
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// (start, end, colour, has a note) of one annotation, in a document of up to ~60 chars.
        type Spec = (usize, usize, usize, bool);

        fn make(id: usize, spec: &Spec, text: &CharText) -> Annotation {
            let len = text.len_chars();
            let span = CharSpan::new(spec.0.min(len), spec.1.min(len));
            let mut a = sample(&format!("urn:a{id}"), text, span);
            if span.is_empty() {
                a.anchor = None;
            }
            a.color = Color::ALL[spec.2 % Color::ALL.len()];
            if spec.3 {
                a.note = format!("note {id}");
            }
            a.created = Timestamp(1000 + (id as i64 % 3));
            a
        }

        fn spec() -> impl Strategy<Value = Spec> {
            (0usize..60, 0usize..60, 0usize..5, any::<bool>())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]
            /// Rendering only the window `rerender_window` names, over the runs it replaces,
            /// gives exactly what rendering the whole block again gives.
            #[test]
            fn patching_the_window_equals_rendering_the_block_again(
                body in "[ab <&é]{0,40}",
                offset in 0usize..6,
                styles in proptest::collection::vec((0usize..45, 0usize..45), 0..3),
                before in proptest::collection::vec(proptest::option::of(spec()), 0..8),
                changes in proptest::collection::vec((0usize..9, proptest::option::of(spec())), 1..4),
                focused in proptest::option::of(0usize..9),
            ) {
                let mut block = Block::paragraph(body.clone());
                let n = body.chars().count();
                block.styles = styles
                    .iter()
                    .map(|&(a, b)| CharSpan::new(a.min(n), b.min(n)))
                    .filter(|s| !s.is_empty())
                    .map(|span| StyleSpan { span, style: Style::Emphasis })
                    .collect();
                let text = CharText::new(&format!("{}{}\n\nyyyy", "x".repeat(offset), body));
                let span = CharSpan::new(offset, offset + n);
                let mut old: Vec<Option<Annotation>> = before
                    .iter()
                    .enumerate()
                    .map(|(i, s)| s.as_ref().map(|s| make(i, s, &text)))
                    .collect();
                old.resize(9, None);
                let mut new = old.clone();
                let mut touched = Vec::new();
                for (i, (id, spec)) in changes.iter().enumerate() {
                    let next = spec.as_ref().map(|s| {
                        let mut a = make(*id, s, &text);
                        a.modified = Timestamp(5000 + i as i64);
                        a
                    });
                    touched.extend(new[*id].as_ref().and_then(|a| a.anchor));
                    touched.extend(next.as_ref().and_then(|a| a.anchor));
                    new[*id] = next;
                }
                let focused_id = focused.map(|f| format!("urn:a{f}"));
                let state = MarkState { focused: focused_id.as_deref(), flash: None };
                let before: Vec<&Annotation> = old.iter().flatten().collect();
                let after: Vec<&Annotation> = new.iter().flatten().collect();
                let full = block_runs_html(&block, span, &after, state, CharSpan::new(0, n));
                prop_assert_eq!(patched(&block, span, &before, &after, &touched, state), full.clone());
                prop_assert_eq!(pieces(&block, span, &after, state).concat(), full.html);
            }
        }
    }

    #[test]
    fn many_blocks_render_from_the_screen_down_then_upwards() {
        assert_eq!(nearest_first(vec![1, 2, 5, 8, 9], 5), vec![5, 8, 9, 2, 1]);
        assert_eq!(nearest_first(vec![1, 2, 5], 0), vec![1, 2, 5]);
        assert_eq!(nearest_first(vec![1, 2, 5], 9), vec![5, 2, 1]);
        assert_eq!(nearest_first(vec![], 3), Vec::<usize>::new());
        // Every block once, whatever the view.
        let blocks: Vec<usize> = (0..40).map(|i| i * 3).collect();
        for view in 0..130 {
            let mut order = nearest_first(blocks.clone(), view);
            assert!(order
                .first()
                .is_none_or(|&b| b >= view || blocks.iter().all(|&x| x < view)));
            order.sort_unstable();
            assert_eq!(order, blocks);
        }
    }

    #[test]
    fn annotations_elsewhere_are_ignored() {
        let block = Block::paragraph("abcd");
        let text = CharText::new("abcd\n\nefgh");
        let other = sample("urn:x", &text, CharSpan::new(6, 9));
        let html = block_html(&block, CharSpan::new(0, 4), &[&other], MarkState::default());
        assert_eq!(html, "abcd");
    }

    #[test]
    fn a_note_line_is_cut_at_its_length() {
        assert_eq!(note_line("a  b\nc", 10), "a b c");
        assert_eq!(note_line("abcdefghijkl", 5), "abcd…");
    }
}
