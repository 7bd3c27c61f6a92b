//! A quote as a reader pastes it into their own writing: the words in quotation marks, then the
//! document they are from (its title, and its source when the document names one).

use crate::article::Document;

/// `“quote” — Title (Source)`, or `“quote” — Title` when the document has no source line. A
/// source line reading "Source: X" gives X. The quote keeps its words as they are (a quote
/// across paragraphs keeps its paragraph break), trimmed at both ends.
///
/// A document that knows where it came from ([`crate::about::About`]) is cited as a reference
/// manager does: `“quote” — Author, “Title”, Site, 2019-05-01, https://…` (each part only when
/// known; the site falls back to the source line).
pub fn citation(doc: &Document, quote: &str) -> String {
    let source = doc
        .source_line
        .as_deref()
        .map(source_name)
        .filter(|s| !s.is_empty());
    let title = doc.title.trim();
    let about = &doc.about;
    if !about.is_empty() {
        let mut parts: Vec<String> = Vec::new();
        parts.extend(about.authors_line());
        parts.push(format!("“{title}”"));
        parts.extend(about.site.clone().or_else(|| source.map(str::to_string)));
        parts.extend(about.published_date());
        parts.extend(about.url.clone());
        return format!("“{}” — {}", quote.trim(), parts.join(", "));
    }
    match source {
        Some(source) => format!("“{}” — {title} ({source})", quote.trim()),
        None => format!("“{}” — {title}", quote.trim()),
    }
}

/// "Source: Al Monitor" → "Al Monitor" (any case, any spaces, a no-break space too); another
/// line as it is.
fn source_name(line: &str) -> &str {
    let line = line.trim();
    match line.get(..7) {
        Some(head) if head.eq_ignore_ascii_case("source:") => line[7..].trim(),
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Block;

    fn doc(title: &str, source: Option<&str>) -> Document {
        Document::new(
            "d",
            "urn:x",
            title,
            vec![Block::paragraph("Words here.")],
            source.map(str::to_string),
        )
    }

    #[test]
    fn the_bundled_article_is_cited_by_title_and_source() {
        let doc = Document::bundled();
        assert_eq!(
            citation(&doc, "Basij Organization"),
            "“Basij Organization” — Pakistan Army Chief Makes Historic Visit to Iran (Al Monitor)"
        );
    }

    #[test]
    fn a_document_without_a_source_is_cited_by_its_title() {
        assert_eq!(
            citation(&doc("Field notes", None), "  a few words\n"),
            "“a few words” — Field notes"
        );
        assert_eq!(
            citation(&doc("Field notes", Some("  ")), "w"),
            "“w” — Field notes"
        );
    }

    #[test]
    fn a_source_line_is_named_without_its_label() {
        assert_eq!(
            citation(&doc("T", Some("SOURCE:  Reuters ")), "w"),
            "“w” — T (Reuters)"
        );
        assert_eq!(
            citation(&doc("T", Some("Reuters, 2019")), "w"),
            "“w” — T (Reuters, 2019)"
        );
        assert_eq!(citation(&doc("T", Some("Source:")), "w"), "“w” — T");
        // Not a char boundary at 7 bytes: taken as it is, no panic.
        assert_eq!(
            citation(&doc("T", Some("Sourcé: x")), "w"),
            "“w” — T (Sourcé: x)"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_quote_title_and_source_line_make_a_citation(
            quote in ".{0,40}", title in ".{0,20}", source in proptest::option::of(".{0,20}"),
        ) {
            let c = citation(&doc(&title, source.as_deref()), &quote);
            let opening = format!("“{}” — {}", quote.trim(), title.trim());
            proptest::prop_assert!(c.starts_with(&opening), "{c:?}");
        }
    }

    #[test]
    fn a_web_article_is_cited_with_author_title_site_date_and_address() {
        let mut d = doc("How Readers Read", Some("Source: example.org"));
        d.about = crate::about::About {
            authors: vec!["Jane Doe".into(), "John Roe".into()],
            site: Some("The Example".into()),
            published: Some("2019-05-01T09:30:00Z".into()),
            url: Some("https://example.org/read".into()),
        };
        assert_eq!(
            citation(&d, " slowly "),
            "“slowly” — Jane Doe and John Roe, “How Readers Read”, The Example, 2019-05-01, \
             https://example.org/read"
        );
        // Only what is known; the site falls back to the source line.
        d.about.authors.clear();
        d.about.site = None;
        d.about.published = None;
        assert_eq!(
            citation(&d, "w"),
            "“w” — “How Readers Read”, example.org, https://example.org/read"
        );
    }

    #[test]
    fn a_quote_across_paragraphs_keeps_its_break() {
        assert_eq!(
            citation(&doc("T", None), "end of one.\n\nStart of"),
            "“end of one.\n\nStart of” — T"
        );
    }
}
