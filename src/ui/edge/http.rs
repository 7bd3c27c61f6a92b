//! HTTP for sync: a [`marginalia_sync::Request`] sent with gloo-net, the browser's cookie jar
//! included (`credentials: include`), so the session cookie CouchDB set at sign-in goes along.
//! Any failure to get an answer is the browser's words.

use gloo_net::http::RequestBuilder;
use marginalia_sync::{Request, Response};
use web_sys::RequestCredentials;

/// Sends `req` to `server`: the answer (any status), or why there was none.
pub async fn send(server: &str, req: &Request) -> Result<Response, String> {
    let mut b = RequestBuilder::new(&req.url(server))
        .method(method(req.method.as_str()))
        .credentials(RequestCredentials::Include);
    for (k, v) in &req.headers {
        b = b.header(k, v);
    }
    let built = match req.body_text() {
        Some(body) => b.body(body),
        None => b.build(),
    }
    .map_err(|e| e.to_string())?;
    let resp = built.send().await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let body = resp.binary().await.map_err(|e| e.to_string())?;
    Ok(Response {
        status,
        headers: Vec::new(),
        body,
    })
}

fn method(m: &str) -> gloo_net::http::Method {
    use gloo_net::http::Method as M;
    match m {
        "POST" => M::POST,
        "PUT" => M::PUT,
        "DELETE" => M::DELETE,
        "HEAD" => M::HEAD,
        _ => M::GET,
    }
}

/// Does the browser think it is online (`navigator.onLine`)?
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Asks the browser to keep this site's storage (`navigator.storage.persist()`): whether it
/// will (false where it may evict it under storage pressure).
pub async fn persist_storage() -> bool {
    let Some(storage) = web_sys::window().map(|w| w.navigator().storage()) else {
        return false;
    };
    let persisted = async {
        let done = wasm_bindgen_futures::JsFuture::from(storage.persisted().ok()?).await;
        done.ok()?.as_bool()
    };
    if persisted.await == Some(true) {
        return true;
    }
    match storage.persist() {
        Ok(p) => wasm_bindgen_futures::JsFuture::from(p)
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        Err(_) => false,
    }
}
