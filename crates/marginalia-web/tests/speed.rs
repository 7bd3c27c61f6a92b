//! A page of about 1 MB (32,000 nodes, all of it article) is read in a fraction of a second
//! natively (release), a few seconds unoptimised: nothing in the extraction is quadratic in the
//! page's size. The times print with `-- --nocapture`. `cargo run --release -p marginalia-web
//! --example readability_report` times real 1 MB pages step by step.

use marginalia_web::tree::{Element, Node};
use marginalia_web::{read_clipboard, Extraction, Step};
use std::time::Instant;

/// About `bytes` of HTML's worth of tree: an article of paragraphs with links and emphasis, in
/// sections, beside a navigation, a sidebar and comments; `flat` puts every paragraph straight
/// in the article (one long list of siblings).
fn big_page(bytes: usize, flat: bool) -> (Node, usize) {
    let mut article = Element::new("article").attr("class", "post-content");
    let mut section = Element::new("section");
    let mut size = 0;
    let mut i = 0;
    while size < bytes {
        let p = Element::new("p")
            .text(format!(
                "Paragraph {i} of the article goes on about rivers, valleys, and the sea, with \
                 commas, clauses and enough words to be scored as content; "
            ))
            .child(
                Element::new("a")
                    .attr("href", format!("/notes/{i}"))
                    .text("a link"),
            )
            .text(" and ")
            .child(Element::new("em").text("some emphasis"))
            .text(" before the end of it.");
        size += 260;
        if flat {
            article.children.push(p.into());
        } else {
            section.children.push(p.into());
            if section.children.len() == 20 {
                article.children.push(std::mem::take(&mut section).into());
                section = Element::new("section");
            }
        }
        i += 1;
    }
    if !section.children.is_empty() {
        article.children.push(section.into());
    }
    let mut nav = Element::new("nav");
    for j in 0..200 {
        nav.children.push(
            Element::new("a")
                .attr("href", format!("/{j}"))
                .text("Menu")
                .into(),
        );
    }
    let comments = Element::new("div")
        .attr("id", "comments")
        .child(Element::new("p").text("A comment, with words, and more words, and commas."));
    let page = Node::Element(
        Element::new("html")
            .child(
                Element::new("head")
                    .child(Element::new("title").text("A long article about rivers")),
            )
            .child(
                Element::new("body")
                    .child(nav)
                    .child(Element::new("div").attr("class", "sidebar").text("Popular"))
                    .child(Element::new("main").child(article))
                    .child(comments),
            ),
    );
    (page, i)
}

fn time_page(flat: bool) {
    let (page, paragraphs) = big_page(1 << 20, flat);
    let nodes = page.count();
    let start = Instant::now();
    let mut e = Extraction::new(&page, None);
    let mut steps = vec![start.elapsed().as_secs_f64() * 1000.0];
    let article = loop {
        let t = Instant::now();
        let step = e.step();
        steps.push(t.elapsed().as_secs_f64() * 1000.0);
        if let Step::Done(r) = step {
            break r.expect("an article");
        }
    };
    let total = start.elapsed();
    println!(
        "{} 1 MB page ({nodes} nodes, {paragraphs} paragraphs): {:.0} ms, steps {:?} ms",
        if flat { "flat" } else { "sectioned" },
        total.as_secs_f64() * 1000.0,
        steps.iter().map(|s| s.round()).collect::<Vec<_>>()
    );
    assert_eq!(article.document.blocks.len(), paragraphs);
    assert_eq!(article.document.title, "A long article about rivers");
    // Generous bounds (the machine may be shared): they catch a quadratic walk, which would
    // take minutes here, not a slow machine.
    let bound = if cfg!(debug_assertions) { 30.0 } else { 3.0 };
    assert!(total.as_secs_f64() < bound, "a 1 MB page took {total:?}");
    let start = Instant::now();
    let doc = read_clipboard(&page, None).expect("a document");
    println!(
        "  … pasted whole: {:.0} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    assert!(doc.blocks.len() >= paragraphs);
}

#[test]
fn a_1_mb_page_in_sections_is_read_quickly() {
    time_page(false);
}

#[test]
fn a_1_mb_page_of_sibling_paragraphs_is_read_quickly() {
    time_page(true);
}
