//! The reader's library: every document opened, with its stored text, so it can be reopened.
//! Keys: `marginalia/v1/library` (the index) and `marginalia/v1/text/<id>` (each document's text).

use crate::about::DocInfo;
use crate::article::{Document, BUNDLED_ID};
use crate::markdown::{parse_document, DocFormat};
use crate::percent;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

pub const LIBRARY_KEY: &str = "marginalia/v1/library";

pub fn text_key(doc_id: &str) -> String {
    format!("marginalia/v1/text/{doc_id}")
}

/// One document in the library.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub title: String,
    /// The file it came from (pasted text gets a made-up name).
    pub file_name: String,
    pub annotations: usize,
    pub last_opened: Timestamp,
    /// The canonical address of an article from the web: versions of one page are grouped by
    /// it, and annotations targeting it are routed to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A reader's document text as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredText {
    pub id: String,
    pub file_name: String,
    pub format: DocFormat,
    pub text: String,
    /// The reader's title and the document's details (where it came from).
    #[serde(default, skip_serializing_if = "DocInfo::is_empty")]
    pub info: DocInfo,
}

impl StoredText {
    /// The document, parsed again from its stored text (its id stays the stored one), with its
    /// stored title and details.
    pub fn to_document(&self) -> Option<Document> {
        let mut doc = parse_document(&self.id, &self.file_name, self.format, &self.text).ok()?;
        self.info.apply(&mut doc);
        Some(doc)
    }
}

/// A document's entry and its earlier versions (the same file or web address, other text),
/// most recent first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group<'a> {
    pub latest: &'a Entry,
    pub earlier: Vec<&'a Entry>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Library {
    pub entries: Vec<Entry>,
}

impl Library {
    /// Reads the stored index; anything unreadable gives an empty library (the texts stay stored).
    pub fn decode(raw: Option<&str>) -> Library {
        raw.and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default()
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{\"entries\":[]}".into())
    }

    /// The id of the document whose annotations target `source_iri`: the bundled article, or a
    /// reader's document in the library (for sending imported annotations where they belong).
    pub fn id_for_source(&self, source_iri: &str) -> Option<String> {
        if source_iri == crate::article::BUNDLED_IRI {
            return Some(crate::article::BUNDLED_ID.to_string());
        }
        if let Some(id) = source_iri.strip_prefix(crate::markdown::DOC_IRI_PREFIX) {
            return self.get(id).map(|e| e.id.clone());
        }
        // A web address: the latest version of that page.
        self.entries
            .iter()
            .filter(|e| e.url.as_deref() == Some(source_iri))
            .max_by_key(|e| e.last_opened)
            .map(|e| e.id.clone())
    }

    /// Renames document `id`; `false` when it is not in the library or the title is blank.
    pub fn rename(&mut self, id: &str, title: &str) -> bool {
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        match self.entries.iter_mut().find(|e| e.id == id) {
            Some(e) if !title.is_empty() => {
                e.title = title;
                true
            }
            _ => false,
        }
    }

    /// What makes two entries versions of one document: the same web address, else the same
    /// file name (the bundled article is its own).
    fn version_key(e: &Entry) -> Option<&str> {
        if e.id == BUNDLED_ID {
            return None;
        }
        e.url
            .as_deref()
            .or((!e.file_name.is_empty()).then_some(e.file_name.as_str()))
    }

    /// The listing with versions of one document grouped under the latest: groups in
    /// [`Library::listing`]'s order of their latest entry.
    pub fn grouped(&self) -> Vec<Group<'_>> {
        let mut groups: Vec<Group<'_>> = Vec::new();
        for e in self.listing() {
            let key = Library::version_key(e);
            match groups
                .iter_mut()
                .find(|g| key.is_some() && Library::version_key(g.latest) == key)
            {
                Some(g) => g.earlier.push(e),
                None => groups.push(Group {
                    latest: e,
                    earlier: Vec::new(),
                }),
            }
        }
        groups
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Records that `entry`'s document was opened (adds it or refreshes it).
    pub fn touch(&mut self, entry: Entry) {
        match self.entries.iter_mut().find(|e| e.id == entry.id) {
            Some(e) => *e = entry,
            None => self.entries.push(entry),
        }
    }

    pub fn set_count(&mut self, id: &str, annotations: usize) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.id == id) {
            e.annotations = annotations;
        }
    }

    /// Removes a document (never the bundled article); returns it for undo.
    pub fn remove(&mut self, id: &str) -> Option<Entry> {
        if id == BUNDLED_ID {
            return None;
        }
        let i = self.entries.iter().position(|e| e.id == id)?;
        Some(self.entries.remove(i))
    }

    /// Another version of the same file (same file name, different text), most recent first.
    pub fn earlier_version(&self, file_name: &str, id: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .filter(|e| e.file_name == file_name && e.id != id && e.id != BUNDLED_ID)
            .max_by_key(|e| e.last_opened)
    }

    /// Another version of the page at `url` (different text), most recent first.
    pub fn earlier_version_at(&self, url: &str, id: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .filter(|e| e.url.as_deref() == Some(url) && e.id != id && e.id != BUNDLED_ID)
            .max_by_key(|e| e.last_opened)
    }

    /// Entries for display: the bundled article first, then the most recently opened.
    pub fn listing(&self) -> Vec<&Entry> {
        let mut v: Vec<&Entry> = self.entries.iter().collect();
        super::order::sort_by(&mut v, |a, b| {
            (b.id == BUNDLED_ID)
                .cmp(&(a.id == BUNDLED_ID))
                .then(b.last_opened.cmp(&a.last_opened))
        });
        v
    }
}

/// Parses a `#doc=<id>&annotation=<id>` fragment (leading '#' optional, values percent-decoded).
pub fn parse_fragment(fragment: &str) -> (Option<String>, Option<String>) {
    let mut doc = None;
    let mut annotation = None;
    for pair in fragment.trim_start_matches('#').split('&') {
        if let Some((k, v)) = pair.split_once('=') {
            let v = percent::decode_lossy(v);
            match k {
                "doc" if !v.is_empty() => doc = Some(v),
                "annotation" if !v.is_empty() => annotation = Some(v),
                _ => {}
            }
        }
    }
    (doc, annotation)
}

/// Where the reader was in a document, kept under [`place_key`] so that reopening it (a reload,
/// a new tab, the library) goes back there: the block at the top of the reading area and how
/// far down into it, in thousandths of its height. Blocks rather than pixels, so the place
/// survives another window width or font size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadingPlace {
    pub block_idx: usize,
    /// 0 (the block's top) to 1000 (its bottom).
    pub permille: u16,
}

pub fn place_key(doc_id: &str) -> String {
    format!("marginalia/v1/place/{doc_id}")
}

impl ReadingPlace {
    /// `block_idx:permille`, e.g. `12:345`.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.block_idx, self.permille)
    }

    /// The place `raw` names; `None` for anything else (a place is a convenience: an unreadable
    /// one is forgotten, never an error).
    pub fn decode(raw: &str) -> Option<ReadingPlace> {
        let (block, permille) = raw.split_once(':')?;
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(block) || !all_digits(permille) {
            return None;
        }
        let place = ReadingPlace {
            block_idx: block.parse().ok()?,
            permille: permille.parse().ok()?,
        };
        (place.permille <= 1000).then_some(place)
    }
}

/// `#doc=<id>` (and `&annotation=<id>`), percent-encoded.
pub fn make_fragment(doc: &str, annotation: Option<&str>) -> String {
    let mut s = format!("#doc={}", percent::encode(doc, percent::FRAGMENT_VALUE));
    if let Some(a) = annotation {
        s.push_str("&annotation=");
        s.push_str(&percent::encode(a, percent::FRAGMENT_VALUE));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_place_reads_back_as_written(block_idx in 0usize..1_000_000, permille in 0u16..=1000) {
            let place = ReadingPlace { block_idx, permille };
            prop_assert_eq!(ReadingPlace::decode(&place.encode()), Some(place));
        }

        #[test]
        fn any_text_decodes_to_a_place_or_none_without_panicking(raw in "[0-9:a -]{0,12}|.{0,24}") {
            if let Some(place) = ReadingPlace::decode(&raw) {
                prop_assert!(place.permille <= 1000);
                prop_assert_eq!(ReadingPlace::decode(&place.encode()), Some(place));
            }
        }
    }

    #[test]
    fn unreadable_places_are_forgotten() {
        for raw in [
            "",
            ":",
            "12",
            "12:",
            ":5",
            "-1:5",
            "1:-5",
            "1:1001",
            "1:5:6",
            " 1:5",
            "1:5 ",
            "a:b",
            "1.5:3",
            "99999999999999999999999:1",
        ] {
            assert_eq!(ReadingPlace::decode(raw), None, "{raw:?}");
        }
        assert_eq!(
            ReadingPlace::decode("0:0"),
            Some(ReadingPlace {
                block_idx: 0,
                permille: 0
            })
        );
        assert_eq!(
            ReadingPlace::decode("7:1000"),
            Some(ReadingPlace {
                block_idx: 7,
                permille: 1000
            })
        );
        assert_eq!(place_key("notes-1"), "marginalia/v1/place/notes-1");
    }

    fn entry(id: &str, name: &str, t: i64) -> Entry {
        Entry {
            id: id.into(),
            title: id.into(),
            file_name: name.into(),
            annotations: 0,
            last_opened: Timestamp(t),
            url: None,
        }
    }

    #[test]
    fn versions_are_grouped_under_the_latest_and_entries_renamed() {
        let mut lib = Library::default();
        lib.touch(entry(BUNDLED_ID, "", 1));
        lib.touch(entry("notes-a", "notes.md", 10));
        lib.touch(entry("other", "other.md", 15));
        lib.touch(entry("notes-b", "notes.md", 20));
        let mut web_old = entry("page-1", "page.html", 5);
        web_old.url = Some("https://example.org/p".into());
        let mut web_new = entry("page-2", "saved copy.html", 30);
        web_new.url = Some("https://example.org/p".into());
        lib.touch(web_old);
        lib.touch(web_new);
        let shape: Vec<(&str, Vec<&str>)> = lib
            .grouped()
            .iter()
            .map(|g| {
                (
                    g.latest.id.as_str(),
                    g.earlier.iter().map(|e| e.id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (BUNDLED_ID, vec![]),
                ("page-2", vec!["page-1"]),
                ("notes-b", vec!["notes-a"]),
                ("other", vec![]),
            ]
        );
        assert_eq!(
            lib.id_for_source("https://example.org/p").as_deref(),
            Some("page-2")
        );
        assert_eq!(lib.id_for_source("https://example.org/q"), None);
        assert_eq!(
            lib.earlier_version_at("https://example.org/p", "page-2")
                .unwrap()
                .id,
            "page-1"
        );
        assert!(lib.rename("notes-a", "  My   notes "));
        assert_eq!(lib.get("notes-a").unwrap().title, "My notes");
        assert!(!lib.rename("notes-a", " "));
        assert!(!lib.rename("missing", "x"));
        // An entry written by an earlier build (no url) still reads.
        let old = r#"{"entries":[{"id":"x","title":"X","file_name":"x.md","annotations":2,"last_opened":5}]}"#;
        assert_eq!(Library::decode(Some(old)).entries[0].url, None);
    }

    #[test]
    fn fragments_round_trip() {
        let f = make_fragment("notes-1a2b", Some("urn:uuid:0000-1"));
        assert_eq!(f, "#doc=notes-1a2b&annotation=urn:uuid:0000-1");
        assert_eq!(
            parse_fragment(&f),
            (Some("notes-1a2b".into()), Some("urn:uuid:0000-1".into()))
        );
        assert_eq!(parse_fragment("#doc=a%20b"), (Some("a b".into()), None));
        assert_eq!(parse_fragment(""), (None, None));
        assert_eq!(parse_fragment("#doc=%zz%"), (Some("%zz%".into()), None));
        assert_eq!(parse_fragment("#doc=%é1"), (Some("%é1".into()), None));
    }

    #[test]
    fn library_keeps_bundled_first_and_finds_earlier_versions() {
        let mut lib = Library::default();
        lib.touch(entry("notes-aaaa", "notes.md", 10));
        lib.touch(entry(BUNDLED_ID, "", 5));
        lib.touch(entry("notes-bbbb", "notes.md", 20));
        let ids: Vec<&str> = lib.listing().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, [BUNDLED_ID, "notes-bbbb", "notes-aaaa"]);
        assert_eq!(
            lib.earlier_version("notes.md", "notes-bbbb").unwrap().id,
            "notes-aaaa"
        );
        assert!(lib.remove(BUNDLED_ID).is_none());
        assert_eq!(lib.remove("notes-aaaa").unwrap().id, "notes-aaaa");
        assert!(lib.earlier_version("notes.md", "notes-bbbb").is_none());
        let back = Library::decode(Some(&lib.encode()));
        assert_eq!(back, lib);
        assert_eq!(Library::decode(Some("not json")), Library::default());
    }

    #[test]
    fn stored_text_parses_back() {
        let st = StoredText {
            id: "x-1".into(),
            file_name: "x.md".into(),
            format: DocFormat::Markdown,
            text: "# Title\n\nBody.".into(),
            info: DocInfo::default(),
        };
        let d = st.to_document().unwrap();
        assert_eq!(
            (d.id.as_str(), d.title.as_str(), d.blocks.len()),
            ("x-1", "Title", 1)
        );
    }
}
