//! Prints the Readability corpus table: per page, token F1 of the extracted text against Reader
//! View's expected text, whether the title is Reader View's, which metadata fields match, and the
//! extraction time. `cargo run --release -p marginalia-web --example readability_report [DIR]`
//! (DIR defaults to the crate's tests/readability-pages; any folder of Readability test pages
//! works).

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readability-pages")
        });
    let pages = common::page_dirs(&dir);
    println!(
        "{:<34} {:>6} {:>6} {:>8}  fields (byline siteName publishedTime excerpt lang)",
        "page", "F1", "title", "ms"
    );
    let (mut sum, mut titles, mut fields_ok, mut fields_n) = (0.0, 0, 0, 0);
    for p in &pages {
        let r = common::run_page(p);
        sum += r.f1;
        titles += usize::from(r.title_ok);
        let marks: Vec<&str> = r
            .fields
            .iter()
            .map(|(_, ok)| if *ok { "y" } else { "n" })
            .collect();
        fields_ok += r.fields.iter().filter(|(_, ok)| *ok).count();
        fields_n += r.fields.len();
        println!(
            "{:<34} {:>6.3} {:>6} {:>8.1}  {}",
            r.name,
            r.f1,
            if r.title_ok { "ok" } else { "WRONG" },
            r.millis,
            marks.join(" ")
        );
        if !r.title_ok {
            println!("    title {:?}\n    want  {:?}", r.title, r.expected_title);
        }
    }
    let n = pages.len().max(1);
    println!(
        "{} pages: mean F1 {:.3}, titles right {}/{}, metadata fields matched {}/{}",
        pages.len(),
        sum / n as f64,
        titles,
        pages.len(),
        fields_ok,
        fields_n
    );
}
