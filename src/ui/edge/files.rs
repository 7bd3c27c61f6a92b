//! Files (`gloo-file`): downloads offered to the reader, and files the reader chose or dropped,
//! read.

use gloo_file::{File, ObjectUrl};
use std::time::Duration;
use wasm_bindgen::JsCast;

/// Offers `contents` as a file download named `file_name`.
pub fn download(file_name: &str, mime: &str, contents: &str) -> Result<(), String> {
    download_parts(file_name, mime, &js_sys::Array::of1(&utf8_part(contents)))
}

/// `text`'s UTF-8 bytes as they are, one copy out of wasm memory, for a file (a JS string would
/// be decoded to UTF-16 and encoded back to UTF-8 by the Blob).
pub fn utf8_part(text: &str) -> js_sys::Uint8Array {
    js_sys::Uint8Array::from(text.as_bytes())
}

/// Offers a file of `parts` (each a [`utf8_part`]) for download.
pub fn download_parts(file_name: &str, mime: &str, parts: &js_sys::Array) -> Result<(), String> {
    let fail = |what: &str| format!("Could not download {file_name}: {what}");
    let props = web_sys::BlobPropertyBag::new();
    props.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &props)
        .map_err(|_| fail("the browser refused the file"))?;
    let url = ObjectUrl::from(blob);
    let a: web_sys::HtmlAnchorElement = gloo_utils::document()
        .create_element("a")
        .map_err(|_| fail("no link"))?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    // Revoked later (when `url` is dropped): the browser reads the blob after the click returns.
    crate::ui::edge::timers::later(Duration::from_secs(10), move || drop(url));
    Ok(())
}

/// A file's text (UTF-8), or `None` when the browser could not read it.
pub async fn read_text(file: web_sys::File) -> Option<String> {
    gloo_file::futures::read_as_text(&File::from(file).into())
        .await
        .ok()
}

/// A file's bytes as they are (a JS string would be UTF-16, turned back into UTF-8 on the way
/// in), or `None` when the browser could not read it.
pub async fn read_bytes(file: web_sys::File) -> Option<Vec<u8>> {
    gloo_file::futures::read_as_bytes(&File::from(file).into())
        .await
        .ok()
}
