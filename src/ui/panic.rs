//! A panic must not leave a dead page. The hook (chained after `console_error_panic_hook`, which
//! logs the message and stack) puts a plain message at the top of the page with a download of the
//! annotations this tab holds.
//!
//! The reactive system may be in any state when a panic happens (a signal borrowed mid-update, an
//! effect half run), so the hook touches nothing of Leptos: the message is built with plain
//! `web_sys` calls, and the annotations come from a copy of this tab's records that [`remember`]
//! keeps in a thread-local (updated on every save, even when writing to storage failed or storage
//! is missing). The release build aborts after the hook (`panic = "abort"`);
//! the page and its message stay.

use marginalia_core::order;
use marginalia_core::storage::{SavePlan, STORAGE_VERSION};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::JsCast;

/// Id of the message element (one message, however many panics follow).
pub const MESSAGE_ID: &str = "marginalia-panic";

/// Panics on purpose: how the end-to-end tests reach the hook in the release build. Exported to
/// the page's own script (the JS glue's `marginalia_test_panic`), so only script running in the
/// page can call it (the strict CSP runs no script but the app's); no link, address or input of
/// a reader's reaches it.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn marginalia_test_panic() {
    panic!("a panic requested by marginalia_test_panic (testing the panic message)");
}

struct Rescue {
    file_name: String,
    doc: String,
    /// Annotation id → its record (the JSON the store holds), as this tab holds it now. (The
    /// download sorts them by id; a map type the app already has costs no code of its own.)
    records: HashMap<String, String>,
}

thread_local! {
    static RESCUE: RefCell<Option<Rescue>> = const { RefCell::new(None) };
}

/// Starts over for document `doc` (the rescue download is named `file_name`).
pub fn remember_doc(file_name: &str, doc: &str) {
    let _ = RESCUE.try_with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            *r = Some(Rescue {
                file_name: file_name.to_string(),
                doc: doc.to_string(),
                records: HashMap::new(),
            });
        }
    });
}

/// Keeps this tab's latest records (and forgets deleted ids) for the panic message's download:
/// updated with every save, even when writing to storage failed or storage is missing.
pub fn remember(plan: &SavePlan) {
    let _ = RESCUE.try_with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            if let Some(r) = r.as_mut() {
                for (id, raw) in &plan.puts {
                    r.records.insert(id.clone(), raw.clone());
                }
                for id in &plan.deletes {
                    r.records.remove(id);
                }
            }
        }
    });
}

/// Forgets the records (before the stored ones are read again: what this tab has and storage
/// lacks is put back by the save that follows a read).
pub fn forget_records() {
    let _ = RESCUE.try_with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            if let Some(r) = r.as_mut() {
                r.records.clear();
            }
        }
    });
}

/// Keeps stored records `(id, text)` as read.
pub fn remember_records(records: &[(String, String)]) {
    let _ = RESCUE.try_with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            if let Some(r) = r.as_mut() {
                for (id, raw) in records {
                    r.records.insert(id.clone(), raw.clone());
                }
            }
        }
    });
}

/// The annotations kept for the rescue download (file name, JSON in the stored envelope's form).
pub fn remembered() -> Option<(String, String)> {
    RESCUE
        .try_with(|r| {
            r.try_borrow().ok().and_then(|r| {
                r.as_ref().map(|x| {
                    let mut json = format!(
                        "{{\"version\":{STORAGE_VERSION},\"doc\":{},\"annotations\":[",
                        serde_json::to_string(&x.doc).unwrap_or_default()
                    );
                    let mut records: Vec<(&String, &String)> = x.records.iter().collect();
                    order::sort_by(&mut records, |a, b| a.0.cmp(b.0));
                    for (i, (_, raw)) in records.into_iter().enumerate() {
                        if i > 0 {
                            json.push(',');
                        }
                        json.push_str(raw);
                    }
                    json.push_str("]}");
                    (x.file_name.clone(), json)
                })
            })
        })
        .ok()
        .flatten()
}

/// Installs the panic hook (once).
pub fn install() {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            console_error_panic_hook::hook(info);
            show_message();
        }));
    });
}

/// Builds the message with plain DOM calls; never panics (every failure is ignored).
fn show_message() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document.get_element_by_id(MESSAGE_ID).is_some() {
        return;
    }
    let Some(body) = document.body() else { return };
    let Ok(bx) = document.create_element("div") else {
        return;
    };
    bx.set_id(MESSAGE_ID);
    let _ = bx.set_attribute("role", "alert");
    bx.set_class_name("status error panic");
    if let Some(el) = bx.dyn_ref::<web_sys::HtmlElement>() {
        // CSSOM, not a style attribute: allowed by the strict CSP.
        let style = el.style();
        let _ = style.set_property("position", "sticky");
        let _ = style.set_property("top", "0");
        let _ = style.set_property("z-index", "1000");
    }
    let add_text = |parent: &web_sys::Element, tag: &str, text: &str| {
        if let Ok(el) = document.create_element(tag) {
            el.set_text_content(Some(text));
            let _ = parent.append_child(&el);
        }
    };
    add_text(
        &bx,
        "strong",
        "Something went wrong — your annotations are safe.",
    );
    let rescue = remembered();
    let detail = if rescue.is_some() {
        " Everything saved is kept in this browser; download what this tab holds to be sure, then reload the page."
    } else {
        " Reload the page to continue."
    };
    add_text(&bx, "span", detail);
    if let Some((file_name, json)) = rescue {
        if let Some(url) = blob_url(&json) {
            if let Ok(a) = document.create_element("a") {
                let _ = a.set_attribute("href", &url);
                let _ = a.set_attribute("download", &file_name);
                a.set_class_name("button");
                a.set_text_content(Some("Download your annotations"));
                let _ = bx.append_child(&document.create_text_node(" "));
                let _ = bx.append_child(&a);
            }
        }
    }
    if let Ok(a) = document.create_element("a") {
        let href = web_sys::window()
            .and_then(|w| w.location().pathname().ok())
            .unwrap_or_else(|| "/".into());
        let _ = a.set_attribute("href", &href);
        a.set_text_content(Some("Reload"));
        let _ = bx.append_child(&document.create_text_node(" "));
        let _ = bx.append_child(&a);
    }
    let _ = body.insert_before(&bx, body.first_child().as_ref());
}

fn blob_url(json: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(json));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}
