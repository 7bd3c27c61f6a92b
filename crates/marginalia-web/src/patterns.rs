//! The word lists Readability matches class names, ids and texts against, as plain substring
//! tests on lowercase text (no regex engine in the shipped code).

fn contains_any(lower: &str, words: &[&str]) -> bool {
    words.iter().any(|w| lower.contains(w))
}

/// Classes and ids of blocks that are rarely the article (comments, menus, sidebars …).
pub(crate) fn unlikely_candidate(lower: &str) -> bool {
    contains_any(
        lower,
        &[
            "-ad-",
            "ai2html",
            "banner",
            "breadcrumbs",
            "combx",
            "comment",
            "community",
            "cover-wrap",
            "disqus",
            "extra",
            "footer",
            "gdpr",
            "header",
            "legends",
            "menu",
            "related",
            "remark",
            "replies",
            "rss",
            "shoutbox",
            "sidebar",
            "skyscraper",
            "social",
            "sponsor",
            "supplemental",
            "ad-break",
            "agegate",
            "pagination",
            "pager",
            "popup",
            "yom-remote",
        ],
    )
}

/// … unless they also say they may be content.
pub(crate) fn maybe_candidate(lower: &str) -> bool {
    contains_any(
        lower,
        &[
            "and", "article", "body", "column", "content", "main", "mathjax", "shadow",
        ],
    )
}

pub(crate) fn positive(lower: &str) -> bool {
    contains_any(
        lower,
        &[
            "article",
            "body",
            "content",
            "entry",
            "hentry",
            "h-entry",
            "main",
            "page",
            "pagination",
            "post",
            "text",
            "blog",
            "story",
        ],
    )
}

pub(crate) fn negative(lower: &str) -> bool {
    contains_any(
        lower,
        &[
            "-ad-",
            "hidden",
            "banner",
            "combx",
            "comment",
            "com-",
            "contact",
            "footer",
            "gdpr",
            "masthead",
            "media",
            "meta",
            "outbrain",
            "promo",
            "related",
            "scroll",
            "share",
            "shoutbox",
            "sidebar",
            "skyscraper",
            "sponsor",
            "shopping",
            "tags",
            "widget",
        ],
    ) || format!(" {lower} ").contains(" hid ")
}

pub(crate) fn byline(lower: &str) -> bool {
    contains_any(
        lower,
        &["byline", "author", "dateline", "writtenby", "p-author"],
    )
}

/// `share` or `sharedaddy` as a word (`_` counts as a boundary).
pub(crate) fn share_element(lower: &str) -> bool {
    let b = lower.as_bytes();
    let boundary = |i: Option<usize>| match i.and_then(|i| b.get(i)) {
        None => true,
        Some(c) => !c.is_ascii_alphanumeric(),
    };
    for word in ["sharedaddy", "share"] {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(word) {
            let start = from + pos;
            let end = start + word.len();
            if boundary(start.checked_sub(1)) && boundary(Some(end)) {
                return true;
            }
            from = start + 1;
        }
    }
    false
}

/// Embedded players Readability keeps (they are left out of the text all the same).
pub(crate) fn video(lower: &str) -> bool {
    contains_any(
        lower,
        &[
            "youtube.com",
            "youtube-nocookie.com",
            "player.vimeo.com",
            "dailymotion.com",
            "v.qq.com",
            "bilibili.com",
            "archive.org",
            "upload.wikimedia.org",
            "player.twitch.tv",
        ],
    )
}

/// A block whose whole text is an advertising label or a loading notice.
pub(crate) fn ad_or_loading_words(text: &str) -> bool {
    let t = text.trim().to_lowercase();
    let t = t
        .strip_suffix('…')
        .or_else(|| t.strip_suffix("..."))
        .unwrap_or(&t);
    matches!(
        t,
        "ad" | "advertising"
            | "advertisement"
            | "pub"
            | "publicité"
            | "werb"
            | "werbung"
            | "广告"
            | "реклама"
            | "anuncio"
            | "loading"
            | "正在加载"
            | "загрузка"
            | "chargement"
            | "cargando"
    )
}

/// Commas of Latin, Arabic, Chinese and other scripts.
pub(crate) fn is_comma(c: char) -> bool {
    matches!(
        c,
        '\u{002C}'
            | '\u{060C}'
            | '\u{FE50}'
            | '\u{FE10}'
            | '\u{FE11}'
            | '\u{2E41}'
            | '\u{2E34}'
            | '\u{2E32}'
            | '\u{FF0C}'
    )
}

/// Lowercase ASCII word tokens (`\W+` splits), as Readability compares titles.
pub(crate) fn tokens(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Readability's `_textSimilarity`: 1 for the same words, 0 for none in common.
pub(crate) fn text_similarity(a: &str, b: &str) -> f64 {
    let ta = tokens(a);
    let tb = tokens(b);
    if ta.is_empty() || tb.is_empty() {
        return 0.0;
    }
    let uniq_b: Vec<&str> = tb
        .iter()
        .filter(|t| !ta.contains(t))
        .map(String::as_str)
        .collect();
    let distance = uniq_b.join(" ").chars().count() as f64 / tb.join(" ").chars().count() as f64;
    1.0 - distance
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_is_matched_as_a_word() {
        assert!(share_element("post-share"));
        assert!(share_element("share_buttons"));
        assert!(share_element("sharedaddy sd-sharing"));
        assert!(!share_element("shares"));
        assert!(!share_element("timeshare"));
    }

    #[test]
    fn hid_is_matched_as_a_word() {
        assert!(negative("hid"));
        assert!(negative("x hid y"));
        assert!(!negative("hide"));
    }

    #[test]
    fn similarity() {
        assert_eq!(text_similarity("A b c", "a b c"), 1.0);
        assert_eq!(text_similarity("x", "y"), 0.0);
    }
}
