//! The system clipboard.

use wasm_bindgen::JsCast;

/// Puts `text` on the system clipboard; the reason when it could not, worded for the reader.
pub async fn copy_text(text: &str) -> Result<(), &'static str> {
    let window = web_sys::window().ok_or("there is no window")?;
    // `navigator.clipboard` is missing on a page not served securely (http, other than localhost).
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into())
        .ok()
        .filter(|c| c.is_object())
        .ok_or("this browser allows copying only on a secure (https) page")?;
    let clipboard: web_sys::Clipboard = clipboard.unchecked_into();
    wasm_bindgen_futures::JsFuture::from(clipboard.write_text(text))
        .await
        .map(|_| ())
        .map_err(|_| "the browser did not allow it")
}
