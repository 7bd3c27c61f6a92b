//! Where a document came from: its authors, site, publication date and address, as a web page
//! states them (read by `marginalia-web`) or as the reader writes them. Citations
//! ([`crate::cite`]), the Markdown download's front matter ([`crate::markdown_export`]) and the
//! W3C download's target `source` ([`crate::w3c`]) use it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a document says about where it came from. Every field may be missing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct About {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// The publication, e.g. "Ars Technica".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The publication date as written (usually ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The canonical address (http or https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Why the reader's edit of a document's details was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AboutError {
    EmptyTitle,
    NotWebAddress(String),
}

impl fmt::Display for AboutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AboutError::EmptyTitle => write!(f, "the title cannot be empty"),
            AboutError::NotWebAddress(a) => write!(
                f,
                "“{a}” is not a web address (it must start with http:// or https://)"
            ),
        }
    }
}

impl std::error::Error for AboutError {}

/// Whitespace runs read as one space, trimmed; `None` when nothing is left.
fn tidy(s: &str) -> Option<String> {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!t.is_empty()).then_some(t)
}

/// Is `s` an http or https address with a host?
pub fn is_web_address(s: &str) -> bool {
    let lower = s.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !r.contains(char::is_whitespace)
    })
}

impl About {
    pub fn is_empty(&self) -> bool {
        self.authors.is_empty()
            && self.site.is_none()
            && self.published.is_none()
            && self.url.is_none()
    }

    /// The details as the reader typed them: authors separated by semicolons, the others as
    /// they are (blank means unknown). The address must be a web address.
    pub fn from_fields(
        authors: &str,
        site: &str,
        published: &str,
        url: &str,
    ) -> Result<About, AboutError> {
        let url = tidy(url);
        if let Some(u) = &url {
            if !is_web_address(u) {
                return Err(AboutError::NotWebAddress(u.clone()));
            }
        }
        Ok(About {
            authors: authors.split([';', '\n']).filter_map(tidy).collect(),
            site: tidy(site),
            published: tidy(published),
            url,
        })
    }

    /// The authors as the edit field shows them: "Jane Doe; John Roe".
    pub fn authors_field(&self) -> String {
        self.authors.join("; ")
    }

    /// The authors as a sentence names them: "A", "A and B", "A, B and C".
    pub fn authors_line(&self) -> Option<String> {
        match self.authors.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            [init @ .., last] => Some(format!("{} and {last}", init.join(", "))),
        }
    }

    /// The publication date: the `YYYY-MM-DD` a timestamp starts with, else the date as written.
    pub fn published_date(&self) -> Option<String> {
        let p = self.published.as_deref()?.trim();
        let b = p.as_bytes();
        let iso = b.len() >= 10
            && b[..10].iter().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            })
            && (b.len() == 10 || matches!(b[10], b'T' | b't' | b' '));
        Some(if iso {
            p[..10].to_string()
        } else {
            p.to_string()
        })
        .filter(|s| !s.is_empty())
    }
}

/// The reader's own record of a document: a title of their choosing and where it came from,
/// kept with its text (`library::StoredText`) and applied when it is opened.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocInfo {
    /// The title, when it is not the one the text gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "About::is_empty")]
    pub about: About,
}

impl DocInfo {
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.about.is_empty()
    }

    /// The title and details as the reader wrote them; the title may not be blank.
    pub fn from_fields(title: &str, about: About) -> Result<DocInfo, AboutError> {
        let title = tidy(title).ok_or(AboutError::EmptyTitle)?;
        Ok(DocInfo {
            title: Some(title),
            about,
        })
    }

    /// `doc` with this title and these details.
    pub fn apply(&self, doc: &mut crate::article::Document) {
        if let Some(t) = &self.title {
            doc.title = t.clone();
        }
        doc.about = self.about.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_tidied_and_split() {
        let a = About::from_fields(
            " Jane  Doe ;John Roe;; ",
            " Ars ",
            "",
            "https://example.org/a",
        )
        .unwrap();
        assert_eq!(a.authors, ["Jane Doe", "John Roe"]);
        assert_eq!(a.site.as_deref(), Some("Ars"));
        assert_eq!(a.published, None);
        assert_eq!(a.url.as_deref(), Some("https://example.org/a"));
        assert_eq!(a.authors_field(), "Jane Doe; John Roe");
        assert_eq!(
            About::from_fields("", "", "", "").unwrap(),
            About::default()
        );
    }

    #[test]
    fn only_web_addresses_are_kept() {
        for bad in [
            "javascript:alert(1)",
            "ftp://x",
            "example.org",
            "https://",
            "http://a b",
        ] {
            assert_eq!(
                About::from_fields("", "", "", bad),
                Err(AboutError::NotWebAddress(bad.to_string())),
                "{bad}"
            );
        }
        assert!(is_web_address("HTTP://Example.org"));
        assert!(DocInfo::from_fields("  ", About::default()).is_err());
    }

    #[test]
    fn authors_read_as_a_sentence() {
        let names = |n: &[&str]| About {
            authors: n.iter().map(|s| s.to_string()).collect(),
            ..About::default()
        };
        assert_eq!(names(&[]).authors_line(), None);
        assert_eq!(names(&["A"]).authors_line().unwrap(), "A");
        assert_eq!(names(&["A", "B"]).authors_line().unwrap(), "A and B");
        assert_eq!(
            names(&["A", "B", "C"]).authors_line().unwrap(),
            "A, B and C"
        );
    }

    #[test]
    fn dates_are_cut_to_the_day_when_they_are_timestamps() {
        let on = |p: &str| {
            About {
                published: Some(p.into()),
                ..About::default()
            }
            .published_date()
        };
        assert_eq!(on("2019-05-01T10:00:00Z").unwrap(), "2019-05-01");
        assert_eq!(on("2019-05-01").unwrap(), "2019-05-01");
        assert_eq!(on("May 1, 2019").unwrap(), "May 1, 2019");
        assert_eq!(on("2019-05-011").unwrap(), "2019-05-011");
        assert_eq!(on("  "), None);
        assert_eq!(on("2019-05-01é").unwrap(), "2019-05-01é");
    }

    #[test]
    fn info_applies_to_a_document_and_round_trips() {
        let mut d = crate::article::Document::bundled();
        let info = DocInfo::from_fields(
            "Renamed",
            About::from_fields("A", "", "2020-01-02", "").unwrap(),
        )
        .unwrap();
        info.apply(&mut d);
        assert_eq!(d.title, "Renamed");
        assert_eq!(d.about.authors, ["A"]);
        let json = serde_json::to_string(&info).unwrap();
        assert_eq!(serde_json::from_str::<DocInfo>(&json).unwrap(), info);
        assert_eq!(serde_json::to_string(&DocInfo::default()).unwrap(), "{}");
    }
}
