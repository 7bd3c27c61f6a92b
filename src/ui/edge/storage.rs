//! localStorage: the JSON values (the library, the readers' texts) typed, the plain ones (a
//! reading place, an earlier build's annotations) as text. Every call survives a browser whose
//! localStorage is missing or throws on each read and write (private modes, blocked site data):
//! `gloo-storage` is not used for that reason (its reads and removals throw then).

use serde::{de::DeserializeOwned, Serialize};

/// The localStorage, when the browser gives this page one.
fn store() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Does the browser give this page a localStorage?
pub fn available() -> bool {
    store().is_some()
}

/// The text stored under `key`.
pub fn get(key: &str) -> Option<String> {
    store()?.get_item(key).ok()?
}

/// Stores `value` under `key`, or says why not, worded for the reader.
pub fn set(key: &str, value: &str) -> Result<(), String> {
    store()
        .ok_or("this browser has no localStorage")?
        .set_item(key, value)
        .map_err(|_| "the browser's storage is full".to_string())
}

pub fn remove(key: &str) {
    if let Some(s) = store() {
        let _ = s.remove_item(key);
    }
}

/// The JSON value stored under `key`; `None` when there is none or it cannot be read as a `T`.
pub fn get_json<T: DeserializeOwned>(key: &str) -> Option<T> {
    serde_json::from_str(&get(key)?).ok()
}

/// Stores `value` as JSON under `key`, or says why not, worded for the reader.
pub fn set_json<T: Serialize>(key: &str, value: &T) -> Result<(), String> {
    set(key, &serde_json::to_string(value).unwrap_or_default())
}
