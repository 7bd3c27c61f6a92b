//! Writes the browser benchmarks' inputs to `target/bench/fixtures/` (or the directory given as
//! the first argument), from the same deterministic generators as the native benchmarks
//! (`benches/common`), with the domain's own encoder:
//!
//! * `bundled-article.json`, `big-article.json`: title, paragraphs and source line, for the
//!   reference pages (static HTML, plain DOM calls);
//! * `big.txt`: the ~1 MB article as a plain-text file;
//! * `bundled-10k.json`, `big-10k.json`: localStorage envelopes (`marginalia/v1/doc/<id>`)
//!   holding 10,000 annotations spread over each article.
//!
//! Run by `bench/run.sh`: `cargo run --profile bench --example gen_fixtures`.

#[path = "../benches/common/mod.rs"]
mod common;

use marginalia_core::article::Document;
use marginalia_core::storage;
use serde_json::json;
use std::path::PathBuf;

fn article_json(doc: &Document) -> String {
    json!({
        "id": doc.id,
        "title": doc.title,
        "paragraphs": doc.blocks.iter().map(|b| b.text.as_str()).collect::<Vec<_>>(),
        "source": doc.source_line,
    })
    .to_string()
}

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/bench/fixtures".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let bundled = common::bundled();
    let big = common::big();
    let plain = common::big_plain();
    // The plain-text form must read back as the same document.
    let reread = Document::parse_plain(common::BIG_ID, common::BIG_IRI, &plain)
        .expect("the generated article parses");
    assert_eq!(
        reread.text(),
        big.text(),
        "big.txt reads back as the same text"
    );

    let write = |name: &str, contents: &str| -> std::io::Result<()> {
        std::fs::write(dir.join(name), contents)?;
        println!("  {:<22} {:>10} bytes", name, contents.len().to_string());
        Ok(())
    };
    println!("fixtures in {}:", dir.display());
    write("bundled-article.json", &article_json(&bundled))?;
    write("big-article.json", &article_json(&big))?;
    write("big.txt", &plain)?;
    for (name, doc) in [("bundled-10k.json", &bundled), ("big-10k.json", &big)] {
        let anns = common::annotations(doc, 10_000, 10);
        let mut sorted: Vec<_> = anns.iter().collect();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        write(name, &storage::encode(&doc.id, sorted))?;
    }
    println!(
        "  (1 MB article: {} paragraphs, {} code points)",
        big.blocks.len(),
        big.len_chars()
    );
    Ok(())
}
