//! Finding a page's article, after Mozilla's Readability (the algorithm of Firefox's Reader View):
//! the page is cleaned (scripts, styles, hidden and unlikely blocks), paragraphs are scored and
//! their scores given to their ancestors, the best-scoring ancestor and its related siblings are
//! the article, which is then cleaned of what looks like junk (forms, share buttons, link lists …).
//! When too little text is found the search is run again with fewer of the cleaning rules.

use crate::dom::{is_probably_visible, Dom, Id, TextSum};
use crate::patterns;

/// The least text an article may have before the search is run again with fewer rules.
pub(crate) const CHAR_THRESHOLD: usize = 500;
const TOP_CANDIDATES: usize = 5;
const TAGS_TO_SCORE: &[&str] = &["section", "h2", "h3", "h4", "h5", "h6", "p", "td", "pre"];
const UNLIKELY_ROLES: &[&str] = &[
    "menu",
    "menubar",
    "complementary",
    "navigation",
    "alert",
    "alertdialog",
    "dialog",
];
const DIV_TO_P_ELEMS: &[&str] = &[
    "blockquote",
    "dl",
    "div",
    "img",
    "ol",
    "p",
    "pre",
    "table",
    "ul",
];
const ALTER_TO_DIV_EXCEPTIONS: &[&str] = &["div", "article", "section", "p", "ol", "ul"];
const PHRASING_ELEMS: &[&str] = &[
    "abbr", "audio", "b", "bdo", "br", "button", "cite", "code", "data", "datalist", "dfn", "em",
    "embed", "i", "img", "input", "kbd", "label", "mark", "math", "meter", "noscript", "object",
    "output", "progress", "q", "ruby", "samp", "script", "select", "small", "span", "strong",
    "sub", "sup", "textarea", "time", "var", "wbr",
];

#[derive(Clone, Copy, Debug)]
pub(crate) struct Flags {
    pub strip_unlikelys: bool,
    pub weight_classes: bool,
    pub clean_conditionally: bool,
}

impl Flags {
    pub const ALL: Flags = Flags {
        strip_unlikelys: true,
        weight_classes: true,
        clean_conditionally: true,
    };

    /// The next, laxer set of rules; `None` once all are off.
    pub fn relax(self) -> Option<Flags> {
        if self.strip_unlikelys {
            Some(Flags {
                strip_unlikelys: false,
                ..self
            })
        } else if self.weight_classes {
            Some(Flags {
                weight_classes: false,
                ..self
            })
        } else if self.clean_conditionally {
            Some(Flags {
                clean_conditionally: false,
                ..self
            })
        } else {
            None
        }
    }
}

pub(crate) fn is_phrasing_content(dom: &Dom, id: Id) -> bool {
    if !dom.is_element(id) {
        return true;
    }
    let tag = dom.tag(id);
    PHRASING_ELEMS.contains(&tag)
        || (matches!(tag, "a" | "del" | "ins")
            && dom
                .children(id)
                .iter()
                .all(|&c| is_phrasing_content(dom, c)))
}

fn is_whitespace(dom: &Dom, id: Id) -> bool {
    if dom.is_element(id) {
        dom.tag(id) == "br"
    } else {
        dom.nodes[id].text.trim().is_empty()
    }
}

/// Skips whitespace text nodes from `id` on.
fn next_non_blank(dom: &Dom, id: Option<Id>) -> Option<Id> {
    let mut n = id;
    while let Some(i) = n {
        if dom.is_element(i) || !dom.nodes[i].text.trim().is_empty() {
            return Some(i);
        }
        n = dom.next_sibling(i);
    }
    None
}

/// Readability's `_prepDocument`: no styles, `<br><br>` chains become paragraphs, `<font>` is a
/// `<span>`. (Scripts are removed before, once the JSON-LD has been read.)
pub(crate) fn prep_document(dom: &mut Dom, root: Id) {
    for id in dom.by_tags(root, &["style"]) {
        dom.remove(id);
    }
    if let Some(body) = dom.find_first(root, "body") {
        replace_brs(dom, body);
    }
    for id in dom.by_tags(root, &["font"]) {
        dom.set_tag(id, "span");
    }
}

fn replace_brs(dom: &mut Dom, body: Id) {
    for br in dom.by_tags(body, &["br"]) {
        if dom.parent(br).is_none() {
            continue;
        }
        let mut next = dom.next_sibling(br);
        let mut replaced = false;
        while let Some(n) = next_non_blank(dom, next) {
            if dom.tag(n) != "br" {
                break;
            }
            replaced = true;
            let after = dom.next_sibling(n);
            dom.remove(n);
            next = after;
        }
        if !replaced {
            continue;
        }
        let p = dom.create_element("p");
        dom.replace(br, p);
        let mut next = dom.next_sibling(p);
        while let Some(n) = next {
            if dom.tag(n) == "br" {
                let after = next_non_blank(dom, dom.next_sibling(n));
                if after.is_some_and(|a| dom.tag(a) == "br") {
                    break;
                }
            }
            if !is_phrasing_content(dom, n) {
                break;
            }
            let sibling = dom.next_sibling(n);
            dom.append_child(p, n);
            next = sibling;
        }
        while let Some(&last) = dom.children(p).last() {
            if !is_whitespace(dom, last) {
                break;
            }
            dom.remove(last);
        }
        if let Some(parent) = dom.parent(p) {
            if dom.tag(parent) == "p" {
                dom.set_tag(parent, "div");
            }
        }
    }
}

pub(crate) fn class_weight(dom: &Dom, id: Id, flags: Flags) -> i32 {
    if !flags.weight_classes {
        return 0;
    }
    let mut weight = 0;
    for name in ["class", "id"] {
        if let Some(v) = dom.attr(id, name).filter(|v| !v.is_empty()) {
            let v = v.to_lowercase();
            if patterns::negative(&v) {
                weight -= 25;
            }
            if patterns::positive(&v) {
                weight += 25;
            }
        }
    }
    weight
}

fn initialize_node(dom: &mut Dom, id: Id, flags: Flags) {
    let base = match dom.tag(id) {
        "div" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    };
    dom.nodes[id].score = Some(base + f64::from(class_weight(dom, id, flags)));
}

fn score(dom: &Dom, id: Id) -> f64 {
    dom.nodes[id].score.unwrap_or(0.0)
}

fn is_valid_byline(dom: &Dom, id: Id, match_string: &str) -> bool {
    let rel = dom.attr(id, "rel");
    let itemprop = dom.attr(id, "itemprop");
    let claims = rel == Some("author")
        || itemprop.is_some_and(|i| i.contains("author"))
        || patterns::byline(match_string);
    if !claims {
        return false;
    }
    let len = dom.text_content(id).trim().chars().count();
    len > 0 && len < 100
}

fn header_duplicates_title(dom: &Dom, id: Id, title: &str) -> bool {
    if !matches!(dom.tag(id), "h1" | "h2") {
        return false;
    }
    let heading = dom.text_content(id);
    patterns::text_similarity(title, heading.trim()) > 0.75
}

fn is_element_without_content(dom: &Dom, id: Id) -> bool {
    let has_text = dom.any(id, |d, n| {
        !d.is_element(n) && d.nodes[n].text.chars().any(|c| !c.is_whitespace())
    });
    if has_text {
        return false;
    }
    let children = dom.element_child_count(id);
    children == 0 || children == dom.count_tag(id, "br") + dom.count_tag(id, "hr")
}

fn has_single_tag_inside(dom: &Dom, id: Id, tag: &str) -> bool {
    let elements = dom.element_children(id);
    if elements.len() != 1 || dom.tag(elements[0]) != tag {
        return false;
    }
    !dom.children(id).iter().any(|&c| {
        !dom.is_element(c)
            && dom.nodes[c]
                .text
                .chars()
                .last()
                .is_some_and(|ch| !ch.is_whitespace())
    })
}

fn has_child_block_element(dom: &Dom, id: Id) -> bool {
    dom.any(id, |d, n| DIV_TO_P_ELEMS.contains(&d.tag(n)))
}

/// Readability's result: the article's root (a detached `div` in the arena) and the byline it
/// found in the page, if any.
pub(crate) struct Grabbed {
    pub dom: Dom,
    pub content: Id,
    pub byline: Option<String>,
    pub text_len: usize,
}

/// How many steps [`clean_pass`] takes.
pub(crate) const CLEAN_PASSES: usize = 6;

/// The last part of an attempt, in [`CLEAN_PASSES`] steps: the article cleaned of what is left of
/// junk (Readability's `_prepArticle`); the last pass measures its text.
pub(crate) fn clean_pass(g: &mut Grabbed, flags: Flags, pass: usize) {
    let (dom, article) = (&mut g.dom, g.content);
    match pass {
        0 => {
            mark_data_tables(dom, article);
            clean_conditionally(dom, article, "form", flags);
            clean_conditionally(dom, article, "fieldset", flags);
            clean(
                dom,
                article,
                &["object", "embed", "footer", "link", "aside"],
            );
        }
        1 => {
            for child in dom.element_children(article) {
                clean_share_elements(dom, child);
            }
            clean(
                dom,
                article,
                &["iframe", "input", "textarea", "select", "button"],
            );
            for h in dom.by_tags(article, &["h1", "h2"]) {
                if class_weight(dom, h, flags) < 0 {
                    dom.remove(h);
                }
            }
        }
        2 => clean_conditionally(dom, article, "table", flags),
        3 => clean_conditionally(dom, article, "ul", flags),
        4 => clean_conditionally(dom, article, "div", flags),
        _ => {
            finish_article(dom, article);
            g.text_len = g.dom.inner_len(g.content);
        }
    }
}

/// The attempt that found most text (the first of equals), if any found some.
pub(crate) fn longest(attempts: Vec<Grabbed>) -> Option<Grabbed> {
    let mut best: Option<Grabbed> = None;
    for g in attempts {
        if best.as_ref().is_none_or(|b| g.text_len > b.text_len) {
            best = Some(g);
        }
    }
    best.filter(|b| b.text_len > 0)
}

/// The page walked for an attempt: cleaned of hidden and unlikely nodes, its paragraphs to score.
pub(crate) struct Walked {
    dom: Dom,
    elements_to_score: Vec<Id>,
    /// How many of `elements_to_score` are scored ([`score_some`]).
    scored: usize,
    /// The ancestors scored so far, in the order first scored.
    candidates: Vec<Id>,
    byline: Option<String>,
}

/// Scores the next `count` paragraphs of a walked attempt (so a long article's scoring can be
/// spread over several steps); `true` when all are scored. Scoring in chunks gives the same
/// scores as at once: each paragraph adds to its ancestors, in the same order.
pub(crate) fn score_some(w: &mut Walked, root: Id, flags: Flags, count: usize) -> bool {
    let end = (w.scored + count).min(w.elements_to_score.len());
    let chunk = w.elements_to_score[w.scored..end].to_vec();
    score_paragraphs(&mut w.dom, root, &chunk, flags, &mut w.candidates);
    w.scored = end;
    end == w.elements_to_score.len()
}

/// The first part of an attempt: the walk over a copy of `pristine` that drops hidden, unlikely
/// and empty nodes, takes the byline out, turns text-only `div`s into paragraphs and lists what to
/// score.
pub(crate) fn walk_attempt(
    pristine: &Dom,
    root: Id,
    title: &str,
    known_byline: bool,
    flags: Flags,
) -> Walked {
    let mut dom = pristine.clone();
    let (elements_to_score, byline) = walk(&mut dom, root, title, known_byline, flags);
    Walked {
        dom,
        elements_to_score,
        scored: 0,
        candidates: Vec::new(),
        byline,
    }
}

/// The second part: paragraphs scored, the best candidate and its related siblings gathered
/// into the (not yet cleaned) article.
pub(crate) fn choose_attempt(w: Walked, root: Id, flags: Flags) -> Grabbed {
    let Walked {
        mut dom,
        elements_to_score,
        scored,
        mut candidates,
        byline,
    } = w;
    score_paragraphs(
        &mut dom,
        root,
        &elements_to_score[scored.min(elements_to_score.len())..],
        flags,
        &mut candidates,
    );
    let content = choose(&mut dom, root, candidates, flags);
    Grabbed {
        dom,
        content,
        byline,
        text_len: 0,
    }
}

fn walk(
    dom: &mut Dom,
    root: Id,
    title: &str,
    known_byline: bool,
    flags: Flags,
) -> (Vec<Id>, Option<String>) {
    let page = dom.find_first(root, "body").unwrap_or(root);
    let mut byline: Option<String> = None;
    let mut elements_to_score: Vec<Id> = Vec::new();
    let mut should_remove_title_header = true;
    let mut node = Some(root);
    while let Some(n) = node {
        if !dom.is_attached(n, root) {
            break;
        }
        let match_string = dom.match_string(n).to_lowercase();
        if !is_probably_visible(dom, n) {
            node = dom.remove_and_get_next(n);
            continue;
        }
        if dom.attr(n, "aria-modal") == Some("true") && dom.attr(n, "role") == Some("dialog") {
            node = dom.remove_and_get_next(n);
            continue;
        }
        if byline.is_none() && !known_byline && n != page && is_valid_byline(dom, n, &match_string)
        {
            let end = dom.next_node(n, true);
            let mut next = dom.next_node(n, false);
            let mut name_node = None;
            while let Some(x) = next {
                if Some(x) == end {
                    break;
                }
                if dom.attr(x, "itemprop").is_some_and(|i| i.contains("name")) {
                    name_node = Some(x);
                    break;
                }
                next = dom.next_node(x, false);
            }
            // The byline's text without what is never read (a "Follow" button's …): when
            // nothing is left, the search goes on.
            let text = dom.readable_text(name_node.unwrap_or(n), crate::blocks::SKIPPED);
            byline = Some(text).filter(|t| !t.is_empty());
            node = dom.remove_and_get_next(n);
            continue;
        }
        if should_remove_title_header && header_duplicates_title(dom, n, title) {
            should_remove_title_header = false;
            node = dom.remove_and_get_next(n);
            continue;
        }
        let tag = dom.tag(n).to_string();
        if flags.strip_unlikelys && n != root {
            if patterns::unlikely_candidate(&match_string)
                && !patterns::maybe_candidate(&match_string)
                && !dom.has_ancestor_tag(n, "table", 3, |_, _| true)
                && !dom.has_ancestor_tag(n, "code", 3, |_, _| true)
                && tag != "body"
                && tag != "a"
            {
                node = dom.remove_and_get_next(n);
                continue;
            }
            if dom
                .attr(n, "role")
                .is_some_and(|r| UNLIKELY_ROLES.contains(&r))
            {
                node = dom.remove_and_get_next(n);
                continue;
            }
        }
        if matches!(
            tag.as_str(),
            "div" | "section" | "header" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
        ) && n != root
            && is_element_without_content(dom, n)
        {
            node = dom.remove_and_get_next(n);
            continue;
        }
        if TAGS_TO_SCORE.contains(&tag.as_str()) {
            elements_to_score.push(n);
        }
        let mut current = n;
        if tag == "div" {
            wrap_phrasing_runs(dom, n);
            if has_single_tag_inside(dom, n, "p") && dom.link_density(n) < 0.25 {
                let child = dom.element_children(n)[0];
                if dom.parent(n).is_some() {
                    dom.replace(n, child);
                    current = child;
                    elements_to_score.push(child);
                }
            } else if !has_child_block_element(dom, n) {
                dom.set_tag(n, "p");
                elements_to_score.push(n);
            }
        }
        node = dom.next_node(current, false);
    }
    (elements_to_score, byline)
}

/// Scores paragraphs `elements` and gives their scores to their ancestors, adding the ancestors
/// scored for the first time to `candidates`.
fn score_paragraphs(
    dom: &mut Dom,
    root: Id,
    elements: &[Id],
    flags: Flags,
    candidates: &mut Vec<Id>,
) {
    for &e in elements {
        if !dom.is_attached(e, root) || dom.parent(e).is_none() {
            continue;
        }
        let text = dom.inner_text(e);
        let len = text.chars().count();
        if len < 25 {
            continue;
        }
        let ancestors = dom.ancestors(e, 5);
        if ancestors.is_empty() {
            continue;
        }
        let commas = text.chars().filter(|&c| patterns::is_comma(c)).count();
        let content_score = 1.0 + (commas + 1) as f64 + (len / 100).min(3) as f64;
        for (level, &a) in ancestors.iter().enumerate() {
            if dom.parent(a).is_none() {
                continue;
            }
            if dom.nodes[a].score.is_none() {
                initialize_node(dom, a, flags);
                candidates.push(a);
            }
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                _ => level as f64 * 3.0,
            };
            if let Some(s) = dom.nodes[a].score.as_mut() {
                *s += content_score / divider;
            }
        }
    }
}

/// The article's top candidate from the scored `candidates` (scaled by link density), with its
/// related siblings gathered.
fn choose(dom: &mut Dom, root: Id, candidates: Vec<Id>, flags: Flags) -> Id {
    let page = dom.find_first(root, "body").unwrap_or(root);
    let mut top: Vec<Id> = Vec::new();
    let densities = dom.link_densities(root);
    for &c in &candidates {
        let s = score(dom, c) * (1.0 - densities[c]);
        dom.nodes[c].score = Some(s);
        let at = top
            .iter()
            .position(|&t| s > score(dom, t))
            .unwrap_or(top.len());
        if at < TOP_CANDIDATES {
            top.insert(at, c);
            top.truncate(TOP_CANDIDATES);
        }
    }

    let mut top_candidate;
    let needed_to_create;
    match top.first().copied() {
        None => {
            top_candidate = body_as_candidate(dom, page, flags);
            needed_to_create = true;
        }
        Some(t) if dom.tag(t) == "body" => {
            top_candidate = body_as_candidate(dom, page, flags);
            needed_to_create = true;
        }
        Some(t) => {
            needed_to_create = false;
            top_candidate = t;
            let top_score = score(dom, t);
            let alternatives: Vec<Vec<Id>> = top[1..]
                .iter()
                .filter(|&&c| top_score != 0.0 && score(dom, c) / top_score >= 0.75)
                .map(|&c| dom.ancestors(c, 0))
                .collect();
            const MINIMUM_TOP_CANDIDATES: usize = 3;
            if alternatives.len() >= MINIMUM_TOP_CANDIDATES {
                let mut parent = dom.parent(top_candidate);
                while let Some(p) = parent {
                    if dom.tag(p) == "body" {
                        break;
                    }
                    let lists = alternatives.iter().filter(|a| a.contains(&p)).count();
                    if lists >= MINIMUM_TOP_CANDIDATES {
                        top_candidate = p;
                        break;
                    }
                    parent = dom.parent(p);
                }
            }
            if dom.nodes[top_candidate].score.is_none() {
                initialize_node(dom, top_candidate, flags);
            }
            // Climb while the parents' scores go up.
            let mut parent = dom.parent(top_candidate);
            let mut last_score = score(dom, top_candidate);
            let threshold = last_score / 3.0;
            while let Some(p) = parent {
                if dom.tag(p) == "body" {
                    break;
                }
                let Some(parent_score) = dom.nodes[p].score else {
                    parent = dom.parent(p);
                    continue;
                };
                if parent_score < threshold {
                    break;
                }
                if parent_score > last_score {
                    top_candidate = p;
                    break;
                }
                last_score = parent_score;
                parent = dom.parent(p);
            }
            // An only child gives way to its parent.
            let mut parent = dom.parent(top_candidate);
            while let Some(p) = parent {
                if dom.tag(p) == "body" || dom.parent(p).is_none() {
                    break;
                }
                if dom.element_child_count(p) != 1 {
                    break;
                }
                top_candidate = p;
                parent = dom.parent(p);
            }
            if dom.nodes[top_candidate].score.is_none() {
                initialize_node(dom, top_candidate, flags);
            }
        }
    }

    // The top candidate and its siblings that look related.
    let article = dom.create_element("div");
    let top_score = score(dom, top_candidate);
    let sibling_threshold = f64::max(10.0, top_score * 0.2);
    let siblings = match dom.parent(top_candidate) {
        Some(p) if !needed_to_create => dom.element_children(p),
        _ => vec![top_candidate],
    };
    let top_class = dom.attr(top_candidate, "class").unwrap_or("").to_string();
    for sibling in siblings {
        let mut append = sibling == top_candidate;
        if !append {
            let mut bonus = 0.0;
            if !top_class.is_empty() && dom.attr(sibling, "class").unwrap_or("") == top_class {
                bonus += top_score * 0.2;
            }
            if dom.nodes[sibling]
                .score
                .is_some_and(|s| s + bonus >= sibling_threshold)
            {
                append = true;
            } else if dom.tag(sibling) == "p" {
                let density = dom.link_density(sibling);
                let content = dom.inner_text(sibling);
                let len = content.chars().count();
                if (len > 80 && density < 0.25)
                    || (len < 80 && len > 0 && density == 0.0 && has_sentence_end(&content))
                {
                    append = true;
                }
            }
        }
        if append {
            if !ALTER_TO_DIV_EXCEPTIONS.contains(&dom.tag(sibling)) {
                dom.set_tag(sibling, "div");
            }
            dom.append_child(article, sibling);
        }
    }

    article
}

/// `\.( |$)`.
fn has_sentence_end(s: &str) -> bool {
    s.ends_with('.') || s.contains(". ")
}

/// The body's content moved into a new `div`, as the article of last resort.
fn body_as_candidate(dom: &mut Dom, page: Id, flags: Flags) -> Id {
    let div = dom.create_element("div");
    for c in dom.children(page).to_vec() {
        dom.append_child(div, c);
    }
    dom.append_child(page, div);
    initialize_node(dom, div, flags);
    div
}

/// Wraps each run of phrasing content directly in `div` into a `p`.
fn wrap_phrasing_runs(dom: &mut Dom, div: Id) {
    let children = dom.children(div).to_vec();
    let mut i = 0;
    while i < children.len() {
        if !is_phrasing_content(dom, children[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < children.len() && is_phrasing_content(dom, children[i]) {
            i += 1;
        }
        let mut run = &children[start..i];
        while let Some((&first, rest)) = run.split_first() {
            if !is_whitespace(dom, first) {
                break;
            }
            dom.remove(first);
            run = rest;
        }
        while let Some((&last, rest)) = run.split_last() {
            if !is_whitespace(dom, last) {
                break;
            }
            dom.remove(last);
            run = rest;
        }
        if run.is_empty() {
            continue;
        }
        let before = children.get(i).copied();
        let p = dom.create_element("p");
        for &c in run {
            dom.append_child(p, c);
        }
        dom.insert_before(div, p, before);
    }
}

/// The end of Readability's `_prepArticle`: `h1`s become `h2`s, empty paragraphs go, `<br>`s
/// before paragraphs go, single-cell tables become their cell.
fn finish_article(dom: &mut Dom, article: Id) {
    for h in dom.by_tags(article, &["h1"]) {
        dom.set_tag(h, "h2");
    }
    for p in dom.by_tags(article, &["p"]).into_iter().rev() {
        let media = dom.by_tags(p, &["img", "embed", "object", "iframe"]).len();
        if media == 0 && dom.inner_len(p) == 0 {
            dom.remove(p);
        }
    }
    for br in dom.by_tags(article, &["br"]) {
        let next = next_non_blank(dom, dom.next_sibling(br));
        if next.is_some_and(|n| dom.tag(n) == "p") {
            dom.remove(br);
        }
    }
    // Single-cell tables are their cell.
    for table in dom.by_tags(article, &["table"]) {
        let tbody = if has_single_tag_inside(dom, table, "tbody") {
            dom.first_element_child(table).unwrap_or(table)
        } else {
            table
        };
        if has_single_tag_inside(dom, tbody, "tr") {
            let Some(row) = dom.first_element_child(tbody) else {
                continue;
            };
            if has_single_tag_inside(dom, row, "td") {
                let Some(cell) = dom.first_element_child(row) else {
                    continue;
                };
                let phrasing = dom
                    .children(cell)
                    .iter()
                    .all(|&c| is_phrasing_content(dom, c));
                dom.set_tag(cell, if phrasing { "p" } else { "div" });
                dom.replace(table, cell);
            }
        }
    }
}

/// Removes every element of `tags` under `root` (but embedded videos, as Readability does).
fn clean(dom: &mut Dom, root: Id, tags: &[&str]) {
    for id in dom.by_tags(root, tags).into_iter().rev() {
        let embed = matches!(dom.tag(id), "object" | "embed" | "iframe");
        if embed && has_video(dom, id) {
            continue;
        }
        dom.remove(id);
    }
}

fn has_video(dom: &Dom, id: Id) -> bool {
    dom.nodes[id]
        .attrs
        .iter()
        .any(|(_, v)| patterns::video(&v.to_lowercase()))
}

fn clean_share_elements(dom: &mut Dom, root: Id) {
    let end = dom.next_node(root, true);
    let mut next = dom.next_node(root, false);
    while let Some(n) = next {
        if Some(n) == end {
            break;
        }
        let ms = dom.match_string(n).to_lowercase();
        if patterns::share_element(&ms) && dom.text_content(n).chars().count() < CHAR_THRESHOLD {
            next = dom.remove_and_get_next(n);
        } else {
            next = dom.next_node(n, false);
        }
    }
}

fn mark_data_tables(dom: &mut Dom, root: Id) {
    for table in dom.by_tags(root, &["table"]) {
        let is_data = data_table(dom, table);
        dom.nodes[table].data_table = is_data;
    }
}

fn data_table(dom: &Dom, table: Id) -> bool {
    if dom.attr(table, "role") == Some("presentation") {
        return false;
    }
    if dom.attr(table, "datatable") == Some("0") {
        return false;
    }
    if dom.attr(table, "summary").is_some_and(|s| !s.is_empty()) {
        return true;
    }
    if let Some(caption) = dom.by_tags(table, &["caption"]).first() {
        if !dom.children(*caption).is_empty() {
            return true;
        }
    }
    if !dom
        .by_tags(table, &["col", "colgroup", "tfoot", "thead", "th"])
        .is_empty()
    {
        return true;
    }
    if !dom.by_tags(table, &["table"]).is_empty() {
        return false;
    }
    let (mut rows, mut columns) = (0usize, 0usize);
    for tr in dom.by_tags(table, &["tr"]) {
        let rowspan = dom
            .attr(tr, "rowspan")
            .and_then(|r| r.trim().parse::<usize>().ok())
            .filter(|&r| r > 0)
            .unwrap_or(1);
        rows += rowspan;
        let mut in_row = 0;
        for td in dom.by_tags(tr, &["td"]) {
            in_row += dom
                .attr(td, "colspan")
                .and_then(|r| r.trim().parse::<usize>().ok())
                .filter(|&r| r > 0)
                .unwrap_or(1);
        }
        columns = columns.max(in_row);
    }
    if columns == 1 || rows == 1 {
        return false;
    }
    if rows >= 10 || columns > 4 {
        return true;
    }
    rows * columns > 10
}

fn clean_conditionally(dom: &mut Dom, root: Id, tag: &str, flags: Flags) {
    if !flags.clean_conditionally {
        return;
    }
    let mut sums = vec![TextSum::default(); dom.nodes.len()];
    for node in dom.by_tags(root, &[tag]).into_iter().rev() {
        if should_remove(dom, node, tag, flags, &mut sums) {
            dom.remove(node);
        }
    }
}

const TEXTISH: &[&str] = &[
    "span",
    "li",
    "td",
    "blockquote",
    "dl",
    "div",
    "img",
    "ol",
    "p",
    "pre",
    "table",
    "ul",
];

/// What Readability counts in a block it may clean away, gathered in one walk.
#[derive(Default)]
struct Counts {
    p: usize,
    img: usize,
    li: usize,
    input: usize,
    embeds: usize,
    video: bool,
    data_table: bool,
    /// Text lengths inside lists, headings, "textish" elements and links (in-page links 0.3).
    list_len: usize,
    heading_len: usize,
    textish_len: usize,
    link_len: f64,
}

fn counts(dom: &Dom, node: Id, sums: &[TextSum]) -> Counts {
    let mut c = Counts::default();
    dom.walk(node, |d, n| {
        let tag = d.tag(n);
        if tag.is_empty() {
            return;
        }
        let len = sums[n].len();
        match tag {
            "p" => c.p += 1,
            "img" => c.img += 1,
            "li" => c.li += 1,
            "input" => c.input += 1,
            "object" | "embed" | "iframe" => {
                c.embeds += 1;
                c.video |= has_video(d, n);
            }
            "table" => c.data_table |= d.nodes[n].data_table,
            "a" => {
                let coefficient = match d.attr(n, "href") {
                    Some(h) if h.starts_with('#') && h.len() > 1 => 0.3,
                    _ => 1.0,
                };
                c.link_len += len as f64 * coefficient;
            }
            _ => {}
        }
        if matches!(tag, "ul" | "ol") {
            c.list_len += len;
        }
        if matches!(tag, "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
            c.heading_len += len;
        }
        if TEXTISH.contains(&tag) {
            c.textish_len += len;
        }
    });
    c
}

fn should_remove(dom: &Dom, node: Id, tag: &str, flags: Flags, sums: &mut [TextSum]) -> bool {
    if tag == "table" && dom.nodes[node].data_table {
        return false;
    }
    if dom.has_ancestor_tag(node, "table", -1, |d, t| d.nodes[t].data_table) {
        return false;
    }
    if dom.has_ancestor_tag(node, "code", 3, |_, _| true) {
        return false;
    }
    dom.text_sums(node, sums);
    let c = counts(dom, node, sums);
    if c.data_table {
        return false;
    }
    let text_len = sums[node].len();
    let ratio = |part: f64| {
        if text_len == 0 {
            0.0
        } else {
            part / text_len as f64
        }
    };
    let is_list = tag == "ul" || tag == "ol" || (text_len > 0 && ratio(c.list_len as f64) > 0.9);
    let weight = class_weight(dom, node, flags);
    if weight < 0 {
        return true;
    }
    if sums[node].commas >= 10 {
        return false;
    }
    let (p, img, li, input) = (c.p, c.img, c.li as i64 - 100, c.input);
    let heading_density = ratio(c.heading_len as f64);
    if c.video {
        return false;
    }
    let content_len = text_len;
    if content_len < 40 && patterns::ad_or_loading_words(&dom.inner_text(node)) {
        return true;
    }
    let link_density = ratio(c.link_len);
    let density = ratio(c.textish_len as f64);
    let figure_child = dom.has_ancestor_tag(node, "figure", 3, |_, _| true);
    let embed_count = c.embeds;

    let remove = (!figure_child && img > 1 && (p as f64 / img as f64) < 0.5)
        || (!is_list && li > p as i64)
        || (input > p / 3)
        || (!is_list
            && !figure_child
            && heading_density < 0.9
            && content_len < 25
            && (img == 0 || img > 2)
            && link_density > 0.0)
        || (!is_list && weight < 25 && link_density > 0.2)
        || (weight >= 25 && link_density > 0.5)
        || ((embed_count == 1 && content_len < 75) || embed_count > 1)
        || (img == 0 && density == 0.0);

    if is_list && remove {
        for child in dom.element_children(node) {
            if dom.element_child_count(child) > 1 {
                return remove;
            }
        }
        if img == c.li {
            return false;
        }
    }
    remove
}
