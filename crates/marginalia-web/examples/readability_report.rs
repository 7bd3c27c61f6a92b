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
    // The largest page, timed step by step (the browser can yield between steps).
    if let Some(largest) = pages
        .iter()
        .max_by_key(|p| std::fs::metadata(p.join("source.html")).map_or(0, |m| m.len()))
    {
        let html = std::fs::read_to_string(largest.join("source.html")).expect("source.html");
        let page = common::parse_page(&html);
        let mut best: Option<Vec<f64>> = None;
        for _ in 0..20 {
            let mut times = Vec::new();
            let t = std::time::Instant::now();
            let mut e = marginalia_web::Extraction::new(&page, None);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            loop {
                let t = std::time::Instant::now();
                let done = matches!(e.step(), marginalia_web::Step::Done(_));
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                if done {
                    break;
                }
            }
            let total: f64 = times.iter().sum();
            if best.as_ref().is_none_or(|b| total < b.iter().sum::<f64>()) {
                best = Some(times);
            }
        }
        let times = best.unwrap_or_default();
        let steps: Vec<String> = times.iter().map(|t| format!("{t:.1}")).collect();
        println!(
            "largest page {} ({} bytes, {} nodes): {:.1} ms in all, best of 20; copy + steps: {} ms",
            largest.file_name().unwrap().to_string_lossy(),
            html.len(),
            page.count(),
            times.iter().sum::<f64>(),
            steps.join(" + ")
        );
    }
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
