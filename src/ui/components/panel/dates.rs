//! Dates on cards and in the library, in the reader's words.

use marginalia_core::time::Timestamp;

thread_local! {
    /// One formatter for every card: `Date.toLocaleString` with options makes one per call,
    /// which is slow for a page of cards.
    static DATE_FORMAT: js_sys::Function = {
        let opts = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
        let _ = js_sys::Reflect::set(&opts, &"timeStyle".into(), &"short".into());
        let locales = js_sys::Array::of1(&"en-GB".into());
        js_sys::Intl::DateTimeFormat::new(&locales, &opts).format()
    };
}

/// Makes the card date formatter ahead of need (its first use loads locale data), for a quiet
/// moment after the first paint rather than the first card.
pub fn warm_date_format() {
    DATE_FORMAT.with(|_| ());
}

pub fn local_time(t: Timestamp) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.millis() as f64));
    DATE_FORMAT
        .with(|f| f.call1(&wasm_bindgen::JsValue::UNDEFINED, &d).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}
