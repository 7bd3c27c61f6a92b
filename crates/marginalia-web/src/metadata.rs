//! A page's metadata: title, authors, site name, publication date, canonical address, summary and
//! language, from JSON-LD (`Article` and its kinds), `<meta>` tags (Open Graph, Dublin Core,
//! Twitter, Parse.ly, `name=author`), `<link rel=canonical>`, `<time>` and the `<title>`, with
//! Readability's order of preference.

use crate::dom::{collapse_whitespace, Dom, Id};
use crate::patterns;
use serde_json::Value;
use std::collections::HashMap;

/// What a page says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// The article's title (as Firefox's Reader View shows it).
    pub title: String,
    /// The author line, e.g. "Jane Doe, John Roe" (Reader View's `byline`).
    pub byline: Option<String>,
    /// The authors one by one, when the page lists them (JSON-LD), else the byline alone.
    pub authors: Vec<String>,
    /// The publication, e.g. "Ars Technica".
    pub site_name: Option<String>,
    /// The publication date as the page writes it (JSON-LD `datePublished`,
    /// `article:published_time`, `parsely-pub-date`): Reader View's `publishedTime`.
    pub published_time: Option<String>,
    /// The `datetime` of the page's first `<time>` element, a weaker hint of the date.
    pub time_element: Option<String>,
    /// The canonical address: `<link rel=canonical>`, else `og:url` (http/https only).
    pub canonical_url: Option<String>,
    /// The page's summary (description), else the article's first paragraph.
    pub excerpt: Option<String>,
    /// The `lang` of the `<html>` element.
    pub lang: Option<String>,
}

impl Metadata {
    /// Where the article came from, as citations and downloads use it: the authors (else the
    /// byline), the site, the publication date and the canonical address.
    pub fn about(&self) -> marginalia_core::about::About {
        let authors = if self.authors.is_empty() {
            self.byline.iter().cloned().collect()
        } else {
            self.authors.clone()
        };
        marginalia_core::about::About {
            authors,
            site: self.site_name.clone(),
            published: self.published().map(str::to_string),
            url: self
                .canonical_url
                .clone()
                .filter(|u| marginalia_core::about::is_web_address(u)),
        }
    }

    /// The publication date: the stated one, else the first `<time>`'s.
    pub fn published(&self) -> Option<&str> {
        self.published_time
            .as_deref()
            .or(self.time_element.as_deref())
    }
}

#[derive(Default)]
struct JsonLd {
    title: Option<String>,
    byline: Option<String>,
    authors: Vec<String>,
    excerpt: Option<String>,
    site_name: Option<String>,
    date_published: Option<String>,
}

/// `^Article|…|APIReference$`, as Readability writes it (so "Article" starts, "APIReference" ends
/// and the others may be anywhere).
fn is_article_type(t: &str) -> bool {
    const ANYWHERE: &[&str] = &[
        "AdvertiserContentArticle",
        "NewsArticle",
        "AnalysisNewsArticle",
        "AskPublicNewsArticle",
        "BackgroundNewsArticle",
        "OpinionNewsArticle",
        "ReportageNewsArticle",
        "ReviewNewsArticle",
        "Report",
        "SatiricalArticle",
        "ScholarlyArticle",
        "MedicalScholarlyArticle",
        "SocialMediaPosting",
        "BlogPosting",
        "LiveBlogPosting",
        "DiscussionForumPosting",
        "TechArticle",
    ];
    t.starts_with("Article")
        || t.ends_with("APIReference")
        || ANYWHERE.iter().any(|a| t.contains(a))
}

fn type_is_article(v: &Value) -> Option<bool> {
    match v.get("@type") {
        None | Some(Value::Null) => Some(false),
        Some(Value::String(s)) => Some(is_article_type(s)),
        // Readability's `.match` throws on anything else: the script is skipped.
        Some(_) => None,
    }
}

fn is_schema_org(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    matches!(rest, Some("schema.org") | Some("schema.org/"))
}

fn json_ld(dom: &Dom, root: Id, page_title: &dyn Fn() -> String) -> JsonLd {
    for script in dom.by_tags(root, &["script"]) {
        if dom.attr(script, "type") != Some("application/ld+json") {
            continue;
        }
        let text = dom.text_content(script);
        let mut content = text.trim();
        content = content.strip_prefix("<![CDATA[").unwrap_or(content);
        content = content.strip_suffix("]]>").unwrap_or(content);
        let Ok(mut parsed) = serde_json::from_str::<Value>(content) else {
            continue;
        };
        if let Value::Array(items) = parsed {
            let mut found = None;
            for it in items {
                match type_is_article(&it) {
                    Some(true) => {
                        found = Some(it);
                        break;
                    }
                    Some(false) => {}
                    None => break,
                }
            }
            match found {
                Some(f) => parsed = f,
                None => continue,
            }
        }
        let context_ok = match parsed.get("@context") {
            Some(Value::String(s)) => is_schema_org(s),
            Some(Value::Object(o)) => o
                .get("@vocab")
                .and_then(Value::as_str)
                .is_some_and(is_schema_org),
            _ => false,
        };
        if !context_ok {
            continue;
        }
        if parsed.get("@type").is_none() {
            if let Some(Value::Array(graph)) = parsed.get("@graph") {
                let found = graph.iter().find(|it| {
                    it.get("@type")
                        .and_then(Value::as_str)
                        .is_some_and(is_article_type)
                });
                match found {
                    Some(f) => parsed = f.clone(),
                    None => continue,
                }
            }
        }
        if type_is_article(&parsed) != Some(true) {
            continue;
        }
        let mut out = JsonLd::default();
        let name = parsed.get("name").and_then(Value::as_str);
        let headline = parsed.get("headline").and_then(Value::as_str);
        match (name, headline) {
            (Some(n), Some(h)) if n != h => {
                let title = page_title();
                let name_matches = patterns::text_similarity(n, &title) > 0.75;
                let headline_matches = patterns::text_similarity(h, &title) > 0.75;
                out.title = Some(if headline_matches && !name_matches {
                    h.to_string()
                } else {
                    n.to_string()
                });
            }
            (Some(n), _) => out.title = Some(n.trim().to_string()),
            (None, Some(h)) => out.title = Some(h.trim().to_string()),
            _ => {}
        }
        match parsed.get("author") {
            Some(Value::Array(authors))
                if authors
                    .first()
                    .and_then(|a| a.get("name"))
                    .is_some_and(Value::is_string) =>
            {
                out.authors = authors
                    .iter()
                    .filter_map(|a| a.get("name").and_then(Value::as_str))
                    .map(|n| n.trim().to_string())
                    .collect();
                out.byline = Some(out.authors.join(", "));
            }
            Some(a) => {
                if let Some(n) = a.get("name").and_then(Value::as_str) {
                    out.byline = Some(n.trim().to_string());
                    out.authors = vec![n.trim().to_string()];
                }
            }
            None => {}
        }
        out.excerpt = parsed
            .get("description")
            .and_then(Value::as_str)
            .map(|s| s.trim().to_string());
        out.site_name = parsed
            .get("publisher")
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
            .map(|s| s.trim().to_string());
        out.date_published = parsed
            .get("datePublished")
            .and_then(Value::as_str)
            .map(|s| s.trim().to_string());
        return out;
    }
    JsonLd::default()
}

const PROPERTY_PREFIXES: &[&str] = &["article", "dc", "dcterm", "og", "twitter"];
const PROPERTY_NAMES: &[&str] = &[
    "author",
    "creator",
    "description",
    "published_time",
    "title",
    "site_name",
];

/// The first `prefix:name` in a `property` attribute (a space-separated list).
fn property_key(property: &str) -> Option<String> {
    let lower = property.to_lowercase();
    let compact: String = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut best: Option<(usize, String)> = None;
    for prefix in PROPERTY_PREFIXES {
        for name in PROPERTY_NAMES {
            let key = format!("{prefix}:{name}");
            if let Some(pos) = compact.find(&key) {
                // The longest key at the earliest position ("dcterm:" before "dc:" …).
                let better = match &best {
                    None => true,
                    Some((p, k)) => pos < *p || (pos == *p && key.len() > k.len()),
                };
                if better {
                    best = Some((pos, key));
                }
            }
        }
    }
    best.map(|(_, k)| k)
}

/// The key of a `name` attribute: `[prefix sep] name` with prefix dc, dcterm, og, twitter,
/// parsely, weibo:article, weibo:webpage and sep `-`, `.` or `:`.
fn name_key(name: &str) -> Option<String> {
    const NAMES: &[&str] = &[
        "author",
        "creator",
        "pub-date",
        "description",
        "title",
        "site_name",
    ];
    const PREFIXES: &[&str] = &[
        "weibo:article",
        "weibo:webpage",
        "dcterm",
        "dc",
        "og",
        "twitter",
        "parsely",
    ];
    let lower = name.trim().to_lowercase();
    let ok = NAMES.contains(&lower.as_str())
        || PREFIXES.iter().any(|p| {
            lower.strip_prefix(p).is_some_and(|rest| {
                let rest = rest.trim_start();
                rest.strip_prefix(['-', '.', ':'])
                    .is_some_and(|r| NAMES.contains(&r.trim_start()))
            })
        });
    ok.then(|| {
        lower
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c == '.' { ':' } else { c })
            .collect()
    })
}

/// `&quot;`, `&amp;`, `&apos;`, `&lt;`, `&gt;` and numeric references, which pages often leave
/// escaped in their meta values.
pub(crate) fn unescape_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..].find(';').map(|e| e + 1).filter(|&e| e <= 12);
        let replaced = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "quot" => Some('"'),
                "amp" => Some('&'),
                "apos" => Some('\''),
                "lt" => Some('<'),
                "gt" => Some('>'),
                _ => {
                    let num = name.strip_prefix('#')?;
                    let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
                        u32::from_str_radix(hex, 16).ok()?
                    } else {
                        num.parse::<u32>().ok()?
                    };
                    let code = if code == 0 || code > 0x10FFFF || (0xD800..=0xDFFF).contains(&code)
                    {
                        0xFFFD
                    } else {
                        code
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, e))
        });
        match replaced {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_url(s: &str) -> bool {
    let s = s.trim();
    match s.find(':') {
        Some(i) if i > 0 => {
            s[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && s[..1].chars().all(|c| c.is_ascii_alphabetic())
        }
        _ => false,
    }
}

/// `document.title`: the first `<title>`'s text, whitespace collapsed.
/// (An SVG's or MathML's `<title>` is not the document's.)
pub(crate) fn document_title(dom: &Dom, root: Id) -> String {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        match dom.tag(n) {
            "title" => {
                // A `<title>` holds text only; anything else under it is not read.
                let text: String = dom
                    .children(n)
                    .iter()
                    .filter(|&&c| !dom.is_element(c))
                    .map(|&c| dom.nodes[c].text.as_str())
                    .collect();
                return collapse_whitespace(&text);
            }
            "svg" | "math" => continue,
            // Nor one inside what is never read (a frame's or an object's fallback …).
            t if t != "head" && crate::blocks::SKIPPED.contains(&t) => continue,
            _ => stack.extend(dom.children(n).iter().rev()),
        }
    }
    String::new()
}

/// JavaScript's `str.split(/\s+/).length`.
fn word_count(s: &str) -> usize {
    let mut count = 1;
    let mut in_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !in_space {
                count += 1;
            }
            in_space = true;
        } else {
            in_space = false;
        }
    }
    count
}

const SEPARATORS: &[char] = &['|', '-', '–', '—', '\\', '/', '>', '»'];
const HIERARCHICAL: &[char] = &['\\', '/', '>', '»'];

/// Byte positions of `\s[sep]\s` matches (the position of the leading space), left to right,
/// not overlapping.
fn separator_positions(s: &str, seps: &[char]) -> Vec<usize> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < chars.len() {
        if chars[i].1.is_whitespace()
            && seps.contains(&chars[i + 1].1)
            && chars[i + 2].1.is_whitespace()
        {
            out.push(chars[i].0);
            i += 3;
        } else {
            i += 1;
        }
    }
    out
}

/// Readability's `_getArticleTitle`: the `<title>` without the site's name.
pub(crate) fn article_title(dom: &Dom, root: Id) -> String {
    let orig = document_title(dom, root).trim().to_string();
    let mut cur = orig.clone();
    let mut hierarchical = false;
    let seps = separator_positions(&cur, SEPARATORS);
    if let Some(&last) = seps.last() {
        hierarchical = !separator_positions(&cur, HIERARCHICAL).is_empty();
        cur = orig[..last].to_string();
        if word_count(&cur) < 3 {
            // Remove the first part instead: `^[^seps]*[seps]`.
            cur = match orig.find(SEPARATORS) {
                Some(i) => {
                    let c = orig[i..].chars().next().map_or(1, char::len_utf8);
                    orig[i + c..].to_string()
                }
                None => orig.clone(),
            };
        }
    } else if cur.contains(": ") {
        let trimmed = cur.trim().to_string();
        let matched = dom
            .by_tags(root, &["h1", "h2"])
            .into_iter()
            .any(|h| dom.readable_text(h, crate::blocks::SKIPPED) == trimmed);
        if !matched {
            let last = orig.rfind(':').unwrap_or(0);
            cur = orig[last + 1..].to_string();
            if word_count(&cur) < 3 {
                let first = orig.find(':').unwrap_or(0);
                cur = orig[first + 1..].to_string();
            } else if word_count(&orig[..orig.find(':').unwrap_or(0)]) > 5 {
                cur = orig.clone();
            }
        }
    } else {
        let len = cur.chars().count();
        if !(15..=150).contains(&len) {
            let h1s = dom.by_tags(root, &["h1"]);
            if h1s.len() == 1 {
                cur = dom.readable_text(h1s[0], crate::blocks::SKIPPED);
            }
        }
    }
    let cur = collapse_runs(cur.trim());
    let words = word_count(&cur);
    if words <= 4 {
        let without: String = {
            let mut s = orig.clone();
            for p in separator_positions(&orig, SEPARATORS).into_iter().rev() {
                let len: usize = orig[p..].chars().take(3).map(char::len_utf8).sum();
                s.replace_range(p..p + len, "");
            }
            s
        };
        if !hierarchical || words + 1 != word_count(&without) {
            return orig;
        }
    }
    cur
}

/// `\s{2,}` → " ".
fn collapse_runs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    for c in s.chars() {
        if c.is_whitespace() {
            run.push(c);
        } else {
            if run.chars().count() >= 2 {
                out.push(' ');
            } else {
                out.push_str(&run);
            }
            run.clear();
            out.push(c);
        }
    }
    if run.chars().count() >= 2 {
        out.push(' ');
    } else {
        out.push_str(&run);
    }
    out
}

/// JSON-LD, read before the scripts are removed.
pub(crate) struct PageMeta {
    json: JsonLd,
}

pub(crate) fn read_json_ld(dom: &Dom, root: Id) -> PageMeta {
    PageMeta {
        json: json_ld(dom, root, &|| article_title(dom, root)),
    }
}

fn http_url(s: &str) -> Option<String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")).then(|| t.to_string())
}

/// Readability's `_getArticleMetadata` and the rest of [`Metadata`] (the byline found in the page
/// and the excerpt from the article are added by the extraction).
pub(crate) fn read_metadata(dom: &Dom, root: Id, pre: PageMeta) -> Metadata {
    let json = pre.json;
    let mut values: HashMap<String, String> = HashMap::new();
    let mut canonical = None;
    let mut meta_authors: Vec<String> = Vec::new();
    for m in dom.by_tags(root, &["meta", "link"]) {
        if dom.tag(m) == "link" {
            let rel = dom.attr(m, "rel").unwrap_or("").to_ascii_lowercase();
            if canonical.is_none() && rel.split_whitespace().any(|r| r == "canonical") {
                canonical = dom.attr(m, "href").and_then(http_url);
            }
            continue;
        }
        let Some(content) = dom.attr(m, "content").filter(|c| !c.is_empty()) else {
            continue;
        };
        let mut matched = false;
        if let Some(property) = dom.attr(m, "property") {
            if let Some(key) = property_key(property) {
                values.insert(key, content.trim().to_string());
                matched = true;
            }
            if property.trim().eq_ignore_ascii_case("og:url") {
                values.insert("og:url".into(), content.trim().to_string());
            }
        }
        if !matched {
            if let Some(key) = dom.attr(m, "name").and_then(name_key) {
                if key == "author" {
                    meta_authors.push(content.trim().to_string());
                }
                values.insert(key, content.trim().to_string());
            }
        }
    }
    let get = |k: &str| values.get(k).filter(|v| !v.is_empty()).cloned();
    let first = |keys: &[&str]| keys.iter().find_map(|k| get(k));

    let title = json
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .or_else(|| {
            first(&[
                "dc:title",
                "dcterm:title",
                "og:title",
                "weibo:article:title",
                "weibo:webpage:title",
                "title",
                "twitter:title",
                "parsely-title",
            ])
        })
        .unwrap_or_else(|| article_title(dom, root));
    let article_author = get("article:author").filter(|a| !is_url(a));
    let byline = json
        .byline
        .clone()
        .filter(|b| !b.is_empty())
        .or_else(|| first(&["dc:creator", "dcterm:creator", "author", "parsely-author"]))
        .or(article_author);
    let excerpt = json.excerpt.clone().filter(|e| !e.is_empty()).or_else(|| {
        first(&[
            "dc:description",
            "dcterm:description",
            "og:description",
            "weibo:article:description",
            "weibo:webpage:description",
            "description",
            "twitter:description",
        ])
    });
    let site_name = json
        .site_name
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| get("og:site_name"));
    let published_time = json
        .date_published
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| first(&["article:published_time", "parsely-pub-date"]));
    let time_element = dom
        .by_tags(root, &["time"])
        .into_iter()
        .find_map(|t| dom.attr(t, "datetime").map(|d| d.trim().to_string()))
        .filter(|d| !d.is_empty());
    let lang = (dom.tag(root) == "html")
        .then(|| dom.attr(root, "lang").map(str::to_string))
        .flatten();
    let unescape = |o: Option<String>| o.map(|s| unescape_entities(&s));
    let byline = unescape(byline);
    let mut authors: Vec<String> = json.authors.iter().map(|a| unescape_entities(a)).collect();
    if authors.is_empty() {
        if meta_authors.len() > 1 {
            authors = meta_authors.iter().map(|a| unescape_entities(a)).collect();
        } else if let Some(b) = &byline {
            authors.push(b.clone());
        }
    }
    Metadata {
        title: unescape_entities(&title),
        byline,
        authors,
        site_name: unescape(site_name),
        published_time: unescape(published_time),
        time_element,
        canonical_url: canonical.or_else(|| get("og:url").and_then(|u| http_url(&u))),
        excerpt: unescape(excerpt),
        lang,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities() {
        assert_eq!(
            unescape_entities("a &amp; b &#39;c&#x27; &lt;"),
            "a & b 'c' <"
        );
        assert_eq!(unescape_entities("AT&T"), "AT&T");
    }

    #[test]
    fn keys() {
        assert_eq!(property_key("og:title").as_deref(), Some("og:title"));
        assert_eq!(
            property_key("dc:creator og:title").as_deref(),
            Some("dc:creator")
        );
        assert_eq!(name_key("DC.title").as_deref(), Some("dc:title"));
        assert_eq!(
            name_key("parsely-pub-date").as_deref(),
            Some("parsely-pub-date")
        );
        assert_eq!(name_key("viewport"), None);
    }

    #[test]
    fn words_count_as_javascript_does() {
        assert_eq!(word_count("a b  c"), 3);
        assert_eq!(word_count(""), 1);
    }
}
