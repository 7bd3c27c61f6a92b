//! HTTP for sync: a [`marginalia_sync::Request`] sent with gloo-net, the browser's cookie jar
//! included (`credentials: include`), so the session cookie CouchDB set at sign-in goes along.
//! Any failure to get an answer is the browser's words.

use gloo_net::http::RequestBuilder;
use marginalia_sync::{Request, Response};
use web_sys::RequestCredentials;

/// Sends `req` to `server`: the answer (any status), or why there was none.
pub async fn send(server: &str, req: &Request) -> Result<Response, String> {
    send_with(server, req, None).await
}

/// A request that can be called off ([`Abort::abort`]): a long poll ends when the reader signs
/// out, the network goes, or another tab takes over the syncing.
#[derive(Clone)]
pub struct Abort(Option<web_sys::AbortController>);

impl Default for Abort {
    fn default() -> Self {
        Abort::new()
    }
}

impl Abort {
    pub fn new() -> Abort {
        Abort(web_sys::AbortController::new().ok())
    }

    pub fn abort(&self) {
        if let Some(c) = &self.0 {
            c.abort();
        }
    }
}

/// [`send`], ended early (an `Err`) when `abort` is called.
pub async fn send_abortable(
    server: &str,
    req: &Request,
    abort: &Abort,
) -> Result<Response, String> {
    let signal = abort.0.as_ref().map(|c| c.signal());
    send_with(server, req, signal.as_ref()).await
}

async fn send_with(
    server: &str,
    req: &Request,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<Response, String> {
    let mut b = RequestBuilder::new(&req.url(server))
        .method(method(req.method.as_str()))
        .credentials(RequestCredentials::Include)
        .abort_signal(signal);
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
