//! Browser tests (wasm-bindgen-test in headless Chromium): the mounted app and the DOM edge.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use marginalia::ui::{dom, App};
use marginalia_core::article::{Block, Document};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// A fresh container in the body for one test.
fn container(id: &str) -> web_sys::HtmlElement {
    let el = document().create_element("div").unwrap();
    el.set_id(id);
    document().body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

fn clear_storage() {
    if let Ok(Some(s)) = web_sys::window().unwrap().local_storage() {
        s.clear().unwrap();
    }
}

#[wasm_bindgen_test]
async fn mounts_the_article_with_title_and_seven_paragraphs() {
    clear_storage();
    let root = container("mount-article");
    let handle =
        leptos::mount::mount_to(root.clone(), || view! { <App doc=Document::bundled() /> });
    leptos::task::tick().await;
    let h1 = root.query_selector("article h1").unwrap().unwrap();
    assert_eq!(
        h1.text_content().unwrap(),
        "Pakistan Army Chief Makes Historic Visit to Iran"
    );
    let paragraphs = root.query_selector_all("article p").unwrap();
    assert_eq!(paragraphs.length(), 7);
    let footer = root.query_selector("article footer cite").unwrap().unwrap();
    assert_eq!(footer.text_content().unwrap(), "Source:\u{a0}Al Monitor");
    assert!(root.query_selector("button").unwrap().is_some());
    drop(handle);
}

#[wasm_bindgen_test]
fn selection_offsets_count_code_points_across_marks() {
    let root = container("sel-root");
    // Block 0 is "a😀b" + mark("c😀d") + "e"; block 1 is "xyz".
    root.set_inner_html(
        "<p data-block=\"0\">a😀b<mark>c😀d</mark>e</p><p data-block=\"1\">xyz</p>",
    );
    let p0 = root.query_selector("[data-block=\"0\"]").unwrap().unwrap();
    let mark_text = p0
        .query_selector("mark")
        .unwrap()
        .unwrap()
        .first_child()
        .unwrap();
    let p1_text = root
        .query_selector("[data-block=\"1\"]")
        .unwrap()
        .unwrap()
        .first_child()
        .unwrap();
    let range = document().create_range().unwrap();
    // After "c😀" inside the mark: UTF-16 offset 3, code point 2 of the mark, 5 of the block.
    range.set_start(&mark_text, 3).unwrap();
    range.set_end(&p1_text, 2).unwrap();
    let sel = web_sys::window().unwrap().get_selection().unwrap().unwrap();
    sel.remove_all_ranges().unwrap();
    sel.add_range(&range).unwrap();
    let (points, _) = dom::selection_in(&root, &[6, 3]).expect("a selection in the blocks");
    assert_eq!(points.start, (0, 5));
    assert_eq!(points.end, (1, 2));

    // An element boundary point: (p0, 2) is after "a😀b" and the mark: code point 6.
    range.set_start(&p0, 2).unwrap();
    range.set_end(&p0, 3).unwrap();
    sel.remove_all_ranges().unwrap();
    sel.add_range(&range).unwrap();
    let (points, _) = dom::selection_in(&root, &[6, 3]).unwrap();
    assert_eq!((points.start, points.end), ((0, 6), (0, 7)));

    // A collapsed selection is no selection.
    sel.collapse_with_offset(Some(&p1_text), 1).unwrap();
    assert!(dom::selection_in(&root, &[6, 3]).is_none());
    root.remove();
}

#[wasm_bindgen_test]
async fn highlighting_a_selection_renders_a_mark_over_emoji_text() {
    clear_storage();
    let doc = Document::new(
        "emoji-test",
        "urn:marginalia:test:emoji",
        "Emoji",
        vec![
            Block::paragraph("Tea 🍵 and café au lait 😀 in 東京."),
            Block::paragraph("Second paragraph."),
        ],
        None,
    );
    let root = container("mount-emoji");
    let handle = leptos::mount::mount_to(root.clone(), move || view! { <App doc=doc.clone() /> });
    leptos::task::tick().await;
    let article = root.query_selector("#article").unwrap().unwrap();
    // Select "café au lait 😀" (code points 10..25).
    dom::select_doc_span(
        &article,
        &[0, 33],
        marginalia_core::span::CharSpan::new(10, 25),
    )
    .unwrap();
    sleep_ms(50).await;
    leptos::task::tick().await;
    let button = root
        .query_selector(".sel-toolbar button[title^=\"Highlight (\"]")
        .unwrap()
        .expect("the toolbar appears for a selection");
    assert_eq!(button.text_content().unwrap(), "Highlight");
    button.unchecked_ref::<web_sys::HtmlElement>().click();
    leptos::task::tick().await;
    let mark = root
        .query_selector("article mark")
        .unwrap()
        .expect("a mark");
    assert_eq!(mark.text_content().unwrap(), "café au lait 😀");
    assert!(mark
        .get_attribute("title")
        .unwrap()
        .contains("Yellow highlight"));
    let card = root.query_selector(".card .quote").unwrap().unwrap();
    assert!(card.text_content().unwrap().contains("café au lait 😀"));
    drop(handle);
}

#[wasm_bindgen_test]
async fn the_database_writes_reads_counts_and_takes_a_documents_records() {
    use marginalia::ui::idb;
    use marginalia_core::storage::SavePlan;
    let doc = "idb-test-doc";
    let other = "idb-test-doc-2";
    let _ = idb::take_doc(doc).await;
    let _ = idb::take_doc(other).await;
    let put = |ids: &[&str]| SavePlan {
        puts: ids
            .iter()
            .map(|id| (id.to_string(), format!("{{\"id\":\"{id}\"}}")))
            .collect(),
        deletes: Vec::new(),
    };
    idb::write(doc, put(&["b", "a", "c"])).await.unwrap();
    idb::write(other, put(&["a"])).await.unwrap();
    // A second save: one record changed, one deleted; the rest untouched.
    let mut plan = put(&["a"]);
    plan.puts[0].1 = "{\"id\":\"a\",\"note\":\"changed\"}".into();
    plan.deletes.push("b".into());
    idb::write(doc, plan).await.unwrap();
    let mut read = idb::read_doc(doc).await.unwrap();
    assert_eq!(read.meta.as_deref(), Some("{\"version\":1}"));
    assert_eq!(read.len(), 2);
    assert_eq!(
        read.take(1),
        vec![(
            "a".to_string(),
            "{\"id\":\"a\",\"note\":\"changed\"}".to_string()
        )]
    );
    assert_eq!(
        read.take_all(),
        vec![("c".to_string(), "{\"id\":\"c\"}".to_string())]
    );
    assert!(read.take(5).is_empty());
    assert_eq!(idb::count(doc).await.unwrap(), 2);
    assert_eq!(idb::count(other).await.unwrap(), 1);
    // Taking a document removes only its records, and gives them back for undo.
    let taken = idb::take_doc(doc).await.unwrap();
    assert_eq!(taken.len(), 2);
    assert_eq!(idb::count(doc).await.unwrap(), 0);
    assert_eq!(idb::count(other).await.unwrap(), 1);
    idb::put_records(doc, taken).await.unwrap();
    assert_eq!(idb::count(doc).await.unwrap(), 2);
    // Records that could not be read are moved aside, not deleted.
    idb::set_aside(doc, &[("c".to_string(), "{\"id\":\"c\"}".to_string())])
        .await
        .unwrap();
    assert_eq!(idb::count(doc).await.unwrap(), 1);
    let _ = idb::take_doc(doc).await;
    let _ = idb::take_doc(other).await;
}

#[wasm_bindgen_test]
async fn a_document_is_read_a_page_at_a_time_whole_and_in_order() {
    use marginalia::ui::idb;
    let doc = "idb-test-pages";
    // A document whose name the first one's is a prefix of: its keys sort right after.
    let next = "idb-test-pages-2";
    let _ = idb::take_doc(doc).await;
    let _ = idb::take_doc(next).await;
    idb::write(next, many_puts("x-", 3, "other")).await.unwrap();
    // Two full pages exactly (the read's last page is empty), then one more record.
    idb::write(doc, many_puts("r-", 800, "v")).await.unwrap();
    for n in [800, 801] {
        if n == 801 {
            idb::write(doc, many_puts("s-", 1, "w")).await.unwrap();
        }
        let mut read = idb::read_doc(doc).await.unwrap();
        assert_eq!(read.meta.as_deref(), Some("{\"version\":1}"));
        assert_eq!(read.len(), n);
        let all = read.take_all();
        let ids: Vec<&str> = all.iter().map(|(id, _)| id.as_str()).collect();
        let mut expected: Vec<String> = (0..800).map(|i| format!("r-{i:05}")).collect();
        if n == 801 {
            expected.push("s-00000".into());
        }
        assert_eq!(ids, expected.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(all.iter().all(|(id, raw)| raw.contains(id.as_str())));
    }
    let _ = idb::take_doc(doc).await;
    assert_eq!(idb::read_doc(next).await.unwrap().len(), 3);
    let _ = idb::take_doc(next).await;
    // Nothing stored: nothing read, no meta.
    let read = idb::read_doc(doc).await.unwrap();
    assert!(read.is_empty() && read.meta.is_none());
}

#[wasm_bindgen_test]
async fn the_sync_replica_is_saved_a_slice_at_a_time_in_one_transaction() {
    use marginalia::ui::edge::sync_store;
    use marginalia_sync::{LocalDoc, ReplicaMeta};
    sync_store::clear().await.unwrap();
    let docs: Vec<LocalDoc> = (0..137)
        .map(|i| LocalDoc {
            id: format!("annotation:d:{i:04}"),
            seq: i,
            revs: Default::default(),
            unpushed: i % 2 == 0,
        })
        .collect();
    let meta = ReplicaMeta {
        id: "device".into(),
        seq: 137,
        runs: 2,
        logs: Default::default(),
    };
    let encoded = docs.iter().map(sync_store::encode).collect();
    sync_store::save(Some(meta.clone()), encoded).await.unwrap();
    let (read_meta, mut read) = sync_store::load().await.unwrap().expect("a stored replica");
    assert_eq!(read_meta, meta);
    read.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(read, docs);
    // The meta record alone.
    let later = ReplicaMeta { seq: 140, ..meta };
    sync_store::save(Some(later.clone()), Vec::new())
        .await
        .unwrap();
    assert_eq!(sync_store::load().await.unwrap().unwrap().0, later);
    sync_store::clear().await.unwrap();
}

/// Selects `span` of a one-block document and clicks **Highlight**.
/// `n` records `"{prefix}{i}"` (zero-padded, so in id order) with `value` in their text.
fn many_puts(prefix: &str, n: usize, value: &str) -> marginalia_core::storage::SavePlan {
    marginalia_core::storage::SavePlan {
        puts: (0..n)
            .map(|i| {
                let id = format!("{prefix}{i:05}");
                let raw = format!("{{\"id\":\"{id}\",\"v\":\"{value}\"}}");
                (id, raw)
            })
            .collect(),
        deletes: Vec::new(),
    }
}

#[wasm_bindgen_test]
async fn a_large_save_is_handed_over_a_slice_per_task_and_commits_whole() {
    use marginalia::ui::idb;
    use std::rc::Rc;
    let doc = "idb-test-large";
    let _ = idb::take_doc(doc).await;
    idb::write(doc, many_puts("gone-", 3, "x")).await.unwrap();
    let puts = 2 * idb::RECORDS_PER_TASK + 34;
    let mut plan = many_puts("n-", puts, "1");
    plan.deletes = vec!["gone-00000".into(), "gone-00002".into()];
    idb::open().await.unwrap();
    let writing = idb::start_write(doc, Rc::new(plan)).unwrap();
    // One slice now; the rest from the callbacks, in later tasks.
    assert_eq!(writing.handed(), idb::RECORDS_PER_TASK);
    writing.committed().await.unwrap();
    let all = idb::read_doc(doc).await.unwrap().take_all();
    assert_eq!(all.len(), puts + 1);
    assert_eq!(all[0].0, "gone-00001");
    assert_eq!(all[1].0, "n-00000");
    let last = format!("n-{:05}", puts - 1);
    assert_eq!(
        all[puts],
        (last.clone(), format!("{{\"id\":\"{last}\",\"v\":\"1\"}}"))
    );
    let _ = idb::take_doc(doc).await;
}

#[wasm_bindgen_test]
async fn a_save_still_being_handed_over_is_written_at_once_before_any_other_transaction() {
    use marginalia::ui::idb;
    use std::rc::Rc;
    let doc = "idb-test-order";
    let _ = idb::take_doc(doc).await;
    idb::open().await.unwrap();
    let n = 3 * idb::RECORDS_PER_TASK;
    let first = idb::start_write(doc, Rc::new(many_puts("r-", n, "old"))).unwrap();
    assert!(first.handed() < n);
    // A later save of the last record: the first is finished (its order kept) before it starts.
    let mut last = many_puts("r-", n, "new");
    last.puts.drain(..n - 1);
    let later = idb::start_write(doc, Rc::new(last)).unwrap();
    assert_eq!(first.handed(), n);
    first.committed().await.unwrap();
    later.committed().await.unwrap();
    let all = idb::read_doc(doc).await.unwrap().take_all();
    assert_eq!(all.len(), n);
    assert!(all[..n - 1].iter().all(|(_, raw)| raw.contains("\"old\"")));
    assert!(all[n - 1].1.contains("\"new\""));
    // One finished at once while its commit is awaited (the page hidden or going away:
    // finish_writes) is awaited to its end, through the transaction that wrote it.
    let n = 20 * idb::RECORDS_PER_TASK;
    let third = idb::start_write(doc, Rc::new(many_puts("r-", n, "third"))).unwrap();
    let result = Rc::new(std::cell::RefCell::new(None));
    let r = result.clone();
    wasm_bindgen_futures::spawn_local(async move {
        *r.borrow_mut() = Some(third.committed().await);
    });
    sleep_ms(0).await;
    assert_eq!(idb::handing(), 1);
    idb::finish_writes();
    assert_eq!(idb::handing(), 0);
    for _ in 0..500 {
        if result.borrow().is_some() {
            break;
        }
        sleep_ms(10).await;
    }
    assert_eq!(result.borrow_mut().take(), Some(Ok(())));
    let all = idb::read_doc(doc).await.unwrap().take_all();
    assert_eq!(all.len(), n);
    assert!(all.iter().all(|(_, raw)| raw.contains("\"third\"")));
    let _ = idb::take_doc(doc).await;
}

async fn highlight(root: &web_sys::HtmlElement, span: (usize, usize)) {
    let article = root.query_selector("#article").unwrap().unwrap();
    dom::select_doc_span(
        &article,
        &[0],
        marginalia_core::span::CharSpan::new(span.0, span.1),
    )
    .unwrap();
    sleep_ms(50).await;
    leptos::task::tick().await;
    let button = root
        .query_selector(".sel-toolbar button[title^=\"Highlight (\"]")
        .unwrap()
        .expect("the toolbar appears for a selection");
    button.unchecked_ref::<web_sys::HtmlElement>().click();
    leptos::task::tick().await;
}

#[wasm_bindgen_test]
async fn a_selection_keeps_its_place_when_its_paragraph_is_re_rendered_under_it() {
    let (_, doc) = one_paragraph("keep-sel", "Selection");
    let root = container("mount-keep-selection");
    let handle = mount_app(&root, &doc).await;
    highlight(&root, (4, 9)).await;
    highlight(&root, (20, 39)).await;
    // The reader selects inside the second highlight, backwards (focus before anchor) …
    let block = root.query_selector("[data-block=\"0\"]").unwrap().unwrap();
    let mark = block.query_selector_all("mark").unwrap().item(1).unwrap();
    let inside = mark.first_child().unwrap();
    let selection = web_sys::window().unwrap().get_selection().unwrap().unwrap();
    selection
        .set_base_and_extent(&inside, 10, &inside, 2)
        .unwrap();
    assert_eq!(String::from(selection.to_string()), "mps over");
    // … and that highlight goes (its card's Delete): the nodes the selection was in are replaced.
    let delete = root
        .query_selector(".card button[aria-label^=\"Delete highlight: jumps over\"]")
        .unwrap()
        .expect("the card of 20..39");
    delete.unchecked_ref::<web_sys::HtmlElement>().click();
    leptos::task::tick().await;
    assert!(!inside.is_connected());
    assert_eq!(block.query_selector_all("mark").unwrap().length(), 1);
    assert_eq!(String::from(selection.to_string()), "mps over");
    assert!(block.contains(selection.anchor_node().as_ref()));
    assert_eq!(
        (selection.anchor_offset(), selection.focus_offset()),
        (21, 13),
        "the same ends (30 and 22), the same direction, in the text node after the first mark (9)"
    );
    drop(handle);
}

/// A block's HTML without the focus and flash classes (which follow the reader, not the text).
fn block_markup(root: &web_sys::HtmlElement) -> String {
    let block = root.query_selector("[data-block=\"0\"]").unwrap().unwrap();
    block
        .inner_html()
        .replace(" active", "")
        .replace(" flash", "")
}

/// A document of one paragraph (a fresh id each time), and its text.
fn one_paragraph(id_prefix: &str, title: &str) -> (&'static str, Document) {
    let text = "The quick brown fox jumps over the lazy dog, then naps in the sun.";
    let id = format!("{id_prefix}-{}", (js_sys::Math::random() * 1e9) as u64);
    let doc = Document::new(
        id.clone(),
        format!("urn:marginalia:test:{id}"),
        title,
        vec![Block::paragraph(text)],
        None,
    );
    (text, doc)
}

/// The app mounted in `root` with `doc` (storage cleared first), once it has drawn.
async fn mount_app(root: &web_sys::HtmlElement, doc: &Document) -> impl Drop {
    clear_storage();
    let d = doc.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || view! { <App doc=d.clone() /> });
    leptos::task::tick().await;
    sleep_ms(100).await;
    handle
}

#[wasm_bindgen_test]
async fn changes_rerender_only_their_runs_and_leave_what_a_fresh_render_shows() {
    let (text, doc) = one_paragraph("patch-test", "Runs");
    let root = container("mount-runs");
    let handle = mount_app(&root, &doc).await;
    // Overlapping, nested and adjacent highlights, then a delete that merges runs back.
    for span in [(4, 19), (10, 30), (16, 25), (30, 39), (0, 3)] {
        highlight(&root, span).await;
    }
    let block = root.query_selector("[data-block=\"0\"]").unwrap().unwrap();
    let first_mark = block.query_selector("mark").unwrap().unwrap();
    let marks_before = block.query_selector_all("mark").unwrap().length();
    let delete = root
        .query_selector(".card button[aria-label^=\"Delete highlight: brown fox jumps\"]")
        .unwrap()
        .expect("the card of 10..30");
    delete.unchecked_ref::<web_sys::HtmlElement>().click();
    leptos::task::tick().await;
    // Only the runs under the deleted highlight (and one beside each end) were replaced: the
    // first mark, over "The", is the same node.
    assert!(first_mark.is_connected());
    assert!(block.query_selector_all("mark").unwrap().length() < marks_before);
    let patched = block_markup(&root);
    assert_eq!(block.text_content().unwrap(), text);
    // Saved, then mounted again: a whole render of the stored annotations is the same markup.
    sleep_ms(300).await;
    drop(handle);
    let root2 = container("mount-runs-again");
    let handle = leptos::mount::mount_to(root2.clone(), move || view! { <App doc=doc.clone() /> });
    for _ in 0..50 {
        leptos::task::tick().await;
        if root2.query_selector_all("article mark").unwrap().length() > 0 {
            break;
        }
        sleep_ms(50).await;
    }
    assert_eq!(block_markup(&root2), patched);
    drop(handle);
}

#[wasm_bindgen_test]
async fn a_load_over_hundreds_of_blocks_renders_the_view_first_then_every_block() {
    use marginalia::ui::idb;
    use marginalia_core::annotation::{uuid_v4_urn, Annotation, Color};
    use marginalia_core::markup::{self, MarkState};
    use marginalia_core::span::CharSpan;
    use marginalia_core::storage;
    clear_storage();
    const N: usize = 600;
    let id = format!("slices-test-{}", (js_sys::Math::random() * 1e9) as u64);
    let blocks: Vec<Block> = (0..N)
        .map(|i| Block::paragraph(format!("Paragraph {i} says something worth marking.")))
        .collect();
    let doc = Document::new(
        id.clone(),
        format!("urn:marginalia:test:{id}"),
        "Slices",
        blocks,
        None,
    );
    // Two overlapping highlights in every paragraph, stored before the app starts.
    let now = dom::now();
    let mut annotations = Vec::new();
    for i in 0..N {
        let start = doc.block_start(i) + doc.blocks[i].text.find("says").unwrap();
        for (from, to) in [(0, 14), (5, 27)] {
            let span = CharSpan::new(start + from, start + to);
            annotations.push(Annotation::highlight(
                uuid_v4_urn(dom::random_bytes()),
                &doc.source_iri,
                doc.text(),
                span,
                if from == 0 {
                    Color::Yellow
                } else {
                    Color::Blue
                },
                now,
            ));
        }
    }
    let records = annotations
        .iter()
        .map(|a| (a.id.clone(), storage::encode_record(a)))
        .collect();
    idb::put_records(&id, records).await.unwrap();
    let root = container("mount-slices");
    let d = doc.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || view! { <App doc=d.clone() /> });
    // The reader is half-way down the article while the annotations are read (the read
    // finishes after this task).
    let middle = root
        .query_selector(&format!("[data-block=\"{}\"]", N / 2))
        .unwrap()
        .unwrap();
    middle.scroll_into_view();
    let marked = |i: usize| {
        root.query_selector(&format!("[data-block=\"{i}\"] mark"))
            .unwrap()
            .is_some()
    };
    let mut first_seen = None;
    for _ in 0..400 {
        leptos::task::tick().await;
        if root.query_selector("article mark").unwrap().is_some() {
            first_seen = Some((0..N).filter(|&i| marked(i)).collect::<Vec<_>>());
            break;
        }
        sleep_ms(2).await;
    }
    let first_seen = first_seen.expect("highlights appear within a few seconds");
    // Not everything at once: the article's first block, the farthest above the view, is not
    // among the first drawn.
    assert!(
        !first_seen.contains(&0),
        "every block was drawn at once, not the view first: {} of {N} blocks",
        first_seen.len()
    );
    // The first marks drawn are those in view; those above it come only after every block
    // below it (a few blocks of slack for where the view's top edge falls).
    assert!(
        first_seen.contains(&(N / 2)),
        "the block in view is among the first drawn: {first_seen:?}"
    );
    if first_seen.iter().any(|&b| b + 5 < N / 2) {
        assert!(
            (N / 2..N).all(|b| first_seen.contains(&b)),
            "blocks above the view came before all below it: {first_seen:?}"
        );
    }
    // Then every block, each exactly as a whole render of its annotations draws it.
    for _ in 0..400 {
        if (0..N).all(marked) {
            break;
        }
        sleep_ms(10).await;
        leptos::task::tick().await;
    }
    for i in 0..N {
        let el = root
            .query_selector(&format!("[data-block=\"{i}\"]"))
            .unwrap()
            .unwrap();
        let anns: Vec<&Annotation> = annotations[2 * i..2 * i + 2].iter().collect();
        let expected = markup::block_html(
            &doc.blocks[i],
            doc.block_span(i),
            &anns,
            MarkState::default(),
        );
        assert_eq!(
            el.inner_html().replace(" active", "").replace(" flash", ""),
            expected,
            "block {i}"
        );
    }
    drop(handle);
    let _ = idb::take_doc(&id).await;
}

#[wasm_bindgen_test]
async fn a_highlight_made_while_stored_annotations_are_read_is_kept_when_the_document_closes() {
    use marginalia::ui::idb;
    use marginalia_core::span::CharSpan;
    clear_storage();
    let id = format!("close-test-{}", (js_sys::Math::random() * 1e9) as u64);
    let doc = Document::new(
        id.clone(),
        format!("urn:marginalia:test:{id}"),
        "Closing",
        vec![Block::paragraph("Some words worth keeping, written down.")],
        None,
    );
    let root = container("mount-close");
    let handle = leptos::mount::mount_to(root.clone(), move || view! { <App doc=doc.clone() /> });
    // In the same task as the mount, so before the database has been read: select, press h,
    // and close the document.
    let article = root.query_selector("#article").unwrap().unwrap();
    dom::select_doc_span(&article, &[0], CharSpan::new(5, 10)).unwrap();
    js_sys::eval("dispatchEvent(new KeyboardEvent('keydown', { key: 'h', bubbles: true }))")
        .unwrap();
    drop(handle);
    let mut count = 0;
    for _ in 0..50 {
        sleep_ms(20).await;
        count = idb::count(&id).await.unwrap();
        if count > 0 {
            break;
        }
    }
    assert_eq!(
        count, 1,
        "the highlight was written when its document closed"
    );
    let _ = idb::take_doc(&id).await;
}

#[wasm_bindgen_test]
async fn a_document_opened_while_another_is_still_being_read_loads_its_annotations() {
    use marginalia::ui::idb;
    use marginalia_core::span::CharSpan;
    clear_storage();
    let stamp = (js_sys::Math::random() * 1e9) as u64;
    let make = |name: &str| {
        let id = format!("{name}-{stamp}");
        Document::new(
            id.clone(),
            format!("urn:marginalia:test:{id}"),
            name,
            vec![Block::paragraph("Words to read twice, quickly.")],
            None,
        )
    };
    let (first, second) = (make("first"), make("second"));
    // One highlight stored for the second document.
    let root = container("mount-switch");
    let doc = second.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || view! { <App doc=doc.clone() /> });
    let article = root.query_selector("#article").unwrap().unwrap();
    dom::select_doc_span(&article, &[0], CharSpan::new(0, 5)).unwrap();
    js_sys::eval("dispatchEvent(new KeyboardEvent('keydown', { key: 'h', bubbles: true }))")
        .unwrap();
    drop(handle);
    for _ in 0..50 {
        sleep_ms(20).await;
        if idb::count(&second.id).await.unwrap() == 1 {
            break;
        }
    }
    assert_eq!(idb::count(&second.id).await.unwrap(), 1);
    // Open the first document and, while its records are being read, the second one.
    let handle = leptos::mount::mount_to(root.clone(), move || view! { <App doc=first.clone() /> });
    drop(handle);
    let doc = second.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || view! { <App doc=doc.clone() /> });
    let mut marks = 0;
    for _ in 0..50 {
        sleep_ms(20).await;
        marks = root.query_selector_all("#article mark").unwrap().length();
        if marks > 0 {
            break;
        }
    }
    assert_eq!(marks, 1, "the second document's highlight was loaded");
    drop(handle);
    let _ = idb::take_doc(&second.id).await;
}

/// The edge's HTML walk (`edge::html`): a page parsed by DOMParser becomes marginalia-web's tree
/// (elements, attributes, text; no comments), nothing of it is inserted or run, and a deeply
/// nested page is walked without recursion.
#[wasm_bindgen_test]
fn html_pages_are_walked_into_the_tree_inertly() {
    use marginalia::ui::edge::html::{clipboard_tree, Walk};
    use marginalia_web::{Element, Node};
    let tree = clipboard_tree(
        "<!-- a comment --><title>T</title><p class=\"x\" onclick=\"window.__walked=1\">Hi <b>there</b></p>\
         <script>window.__walked = 2</script><img src=\"https://invalid.example/x.png\" onerror=\"window.__walked=3\">",
    )
    .unwrap();
    let Node::Element(html) = &tree else {
        panic!("not an element")
    };
    assert_eq!(html.name, "html");
    let body = html.children.iter().find_map(|n| match n {
        Node::Element(e) if e.name == "body" => Some(e),
        _ => None,
    });
    let p = body.unwrap().children.first().unwrap();
    assert_eq!(
        p,
        &Node::Element(
            Element::new("p")
                .attr("class", "x")
                .attr("onclick", "window.__walked=1")
                .text("Hi ")
                .child(Element::new("b").text("there"))
        )
    );
    let walked = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__walked".into()).unwrap();
    assert!(walked.is_undefined());
    // 5,000 levels deep, in steps.
    let deep = format!("{}x{}", "<div>".repeat(5000), "</div>".repeat(5000));
    let mut walk = Walk::new(&deep).unwrap();
    let mut steps = 0;
    let tree = loop {
        steps += 1;
        if let Some(t) = walk.step() {
            break t;
        }
    };
    assert!(steps >= 2, "{steps}");
    assert!(tree.count() > 5000);
    let doc = marginalia_web::read_clipboard(&tree, None).unwrap();
    assert_eq!(doc.blocks.len(), 1);
    assert_eq!(doc.blocks[0].text, "x");
}
