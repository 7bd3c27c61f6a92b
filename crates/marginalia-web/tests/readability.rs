//! The Readability corpus (tests/readability-pages, see its README): every page's title must be
//! Reader View's, its metadata fields (byline, site name, published time, excerpt, language) too,
//! and its text must keep a token F1 against Reader View's article at least as high as the floor
//! below (set just under what the extraction reaches, so a regression fails). Prints the table.
//! `cargo run --release -p marginalia-web --example readability_report` prints the same table.

mod common;

/// (page, F1 floor).
const FLOORS: &[(&str, f64)] = &[
    ("001", 0.996),
    ("003-metadata-preferred", 0.997),
    ("004-metadata-space-separated-properties", 0.997),
    ("005-unescape-html-entities", 0.997),
    ("ars-1", 0.997),
    ("bbc-1", 0.983),
    ("blogger", 0.997),
    ("citylab-1", 0.997),
    ("daringfireball-1", 0.988),
    ("dropbox-blog", 0.996),
    ("ebb-org", 0.997),
    ("ehow-1", 0.947),
    ("firefox-nightly-blog", 0.919),
    ("gitlab-blog", 0.997),
    ("google-sre-book-1", 0.997),
    ("guardian-1", 0.890),
    ("heise", 0.997),
    ("herald-sun-1", 0.989),
    ("hidden-nodes", 0.997),
    ("hukumusume", 0.962),
    ("iab-1", 0.992),
    ("ietf-1", 0.997),
    ("js-link-replacement", 0.997),
    ("la-nacion", 0.997),
    ("lemonde-1", 0.997),
    ("lwn-1", 0.996),
    ("medium-1", 0.997),
    ("missing-paragraphs", 0.997),
    ("mozilla-1", 0.975),
    ("normalize-spaces", 0.997),
    ("ol", 0.997),
    ("parsely-metadata", 0.997),
    ("qq", 0.981),
    ("remove-script-tags", 0.997),
    ("replace-brs", 0.997),
    ("rtl-1", 0.997),
    ("seattletimes-1", 0.997),
    ("simplyfound-1", 0.997),
    ("social-buttons", 0.997),
    ("svg-parsing", 0.997),
    ("title-en-dash", 0.997),
    ("tmz-1", 0.949),
    ("tumblr", 0.997),
    ("v8-blog", 0.997),
    ("wapo-1", 0.997),
    ("wordpress", 0.997),
];

/// The mean F1 over these pages may not fall under this.
const MEAN_FLOOR: f64 = 0.988;

#[test]
fn readability_pages_keep_their_titles_metadata_and_text() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readability-pages");
    let pages = common::page_dirs(&dir);
    assert!(pages.len() >= 20, "the corpus has {} pages", pages.len());
    assert_eq!(
        pages.len(),
        FLOORS.len(),
        "every page has a floor, every floor a page"
    );
    let mut failures = Vec::new();
    let mut sum = 0.0;
    let (mut fields_ok, mut fields_n) = (0, 0);
    for p in &pages {
        let r = common::run_page(p);
        let floor = FLOORS
            .iter()
            .find(|(n, _)| *n == r.name)
            .map(|(_, f)| *f)
            .unwrap_or_else(|| panic!("no floor for {}", r.name));
        let wrong: Vec<&str> = r
            .fields
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(f, _)| *f)
            .collect();
        fields_ok += r.fields.len() - wrong.len();
        fields_n += r.fields.len();
        println!(
            "{:<42} F1 {:.3} (floor {:.3}) title {} fields {}",
            r.name,
            r.f1,
            floor,
            if r.title_ok { "ok" } else { "WRONG" },
            if wrong.is_empty() {
                "ok".to_string()
            } else {
                wrong.join(",")
            }
        );
        sum += r.f1;
        if !r.title_ok {
            failures.push(format!(
                "{}: title {:?}, want {:?}",
                r.name, r.title, r.expected_title
            ));
        }
        if r.f1 < floor {
            failures.push(format!(
                "{}: F1 {:.3} under its floor {:.3}",
                r.name, r.f1, floor
            ));
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: metadata {} differ", r.name, wrong.join(", ")));
        }
    }
    let mean = sum / pages.len() as f64;
    println!(
        "{} pages: mean F1 {mean:.3}, metadata fields matched {fields_ok}/{fields_n}",
        pages.len()
    );
    if mean < MEAN_FLOOR {
        failures.push(format!("mean F1 {mean:.3} under {MEAN_FLOOR}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
