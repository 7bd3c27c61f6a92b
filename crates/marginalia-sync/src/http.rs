//! Plain HTTP values: what the engine asks to be sent ([`Request`]) and what it is handed back
//! ([`Response`]). The caller does the sending (gloo-net in the browser, a blocking client in the
//! tests); nothing here opens a socket.

use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// One request to the CouchDB server.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub method: Method,
    /// From the server root, percent-encoded, starting with `/`: `/userdb-616c/_changes`.
    pub path: String,
    /// Unencoded pairs; [`Request::url`] encodes them.
    pub query: Vec<(String, String)>,
    /// Always `Accept: application/json`; `Content-Type: application/json` with a body; `Cookie`
    /// only with [`crate::Auth::Cookie`] (in the browser the cookie jar does it: send with
    /// `credentials: "include"`).
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl Request {
    pub(crate) fn new(method: Method, path: String) -> Request {
        Request {
            method,
            path,
            query: Vec::new(),
            headers: vec![("Accept".into(), "application/json".into())],
            body: None,
        }
    }

    pub(crate) fn query(mut self, key: &str, value: impl Into<String>) -> Request {
        self.query.push((key.into(), value.into()));
        self
    }

    pub(crate) fn json(mut self, body: Value) -> Request {
        self.headers
            .push(("Content-Type".into(), "application/json".into()));
        self.body = Some(body);
        self
    }

    /// The full URL under `server` (`https://couch.example.org`, a trailing `/` is ignored).
    pub fn url(&self, server: &str) -> String {
        let mut url = format!("{}{}", server.trim_end_matches('/'), self.path);
        for (i, (k, v)) in self.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&encode_component(k));
            url.push('=');
            url.push_str(&encode_component(v));
        }
        url
    }

    /// The body as the text to send.
    pub fn body_text(&self) -> Option<String> {
        self.body.as_ref().map(|b| b.to_string())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What came back: status, headers (only `Set-Cookie` is read, and only natively) and the body's
/// bytes, whatever they are (HTML from a captive portal, a truncated body …).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The path of document `id` in database `db`. `_local/…` and `_design/…` keep their slash.
pub fn doc_path(db: &str, id: &str) -> String {
    for prefix in ["_local/", "_design/"] {
        if let Some(rest) = id.strip_prefix(prefix) {
            return format!(
                "/{}/{}{}",
                encode_component(db),
                prefix,
                encode_component(rest)
            );
        }
    }
    format!("/{}/{}", encode_component(db), encode_component(id))
}

pub fn db_path(db: &str, rest: &str) -> String {
    if rest.is_empty() {
        format!("/{}", encode_component(db))
    } else {
        format!("/{}/{}", encode_component(db), rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_encoded() {
        let r = Request::new(
            Method::Get,
            doc_path("userdb-61", "annotation:d:urn:uuid:1"),
        )
        .query("open_revs", "[\"1-a\"]");
        assert_eq!(
            r.url("http://h:1/"),
            "http://h:1/userdb-61/annotation%3Ad%3Aurn%3Auuid%3A1?open_revs=%5B%221-a%22%5D"
        );
        assert_eq!(doc_path("db", "_local/abc"), "/db/_local/abc");
    }
}
