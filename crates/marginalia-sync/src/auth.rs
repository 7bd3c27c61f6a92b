//! Signing in with CouchDB's `_session`: the name and password go into one request and are never
//! kept; what remains is the `AuthSession` cookie (in the browser's jar, or returned here for a
//! native driver).

use crate::error::SyncError;
use crate::http::{encode_component, Method, Request, Response};
use serde_json::{json, Value};

/// `POST /_session` with the name and password. In the browser send it with
/// `credentials: "include"` so the cookie it sets is kept for the sync requests.
pub fn sign_in_request(name: &str, password: &str) -> Request {
    Request::new(Method::Post, "/_session".into()).json(json!({"name": name, "password": password}))
}

/// Who signed in, and the `AuthSession` cookie value when the driver can read `Set-Cookie`
/// (natively; a browser never shows it to the page, and does not need to).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn {
    pub name: String,
    pub roles: Vec<String>,
    pub cookie: Option<String>,
}

/// Reads `_session`'s answer: 401 is [`SyncError::WrongPassword`]; HTML, a 5xx or another
/// shape is a clear error too.
pub fn sign_in_response(resp: &Response) -> Result<SignedIn, SyncError> {
    if resp.status == 401 || resp.status == 403 {
        return Err(SyncError::WrongPassword);
    }
    if resp.status >= 500 {
        return Err(SyncError::Server {
            status: resp.status,
            detail: String::from_utf8_lossy(&resp.body)
                .chars()
                .take(120)
                .collect(),
        });
    }
    let garbage = |detail: String| SyncError::Garbage {
        status: resp.status,
        detail,
    };
    let v: Value = serde_json::from_slice(&resp.body).map_err(|e| garbage(e.to_string()))?;
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .filter(|_| (200..300).contains(&resp.status))
        .ok_or_else(|| garbage("expected the signed-in user".into()))?;
    let roles = v
        .get("roles")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let cookie = resp
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| {
            let first = v.split(';').next()?.trim();
            first.strip_prefix("AuthSession=").map(str::to_string)
        });
    Ok(SignedIn {
        name: name.to_string(),
        roles,
        cookie,
    })
}

/// `DELETE /_session`: signs out (the server clears the cookie).
pub fn sign_out_request() -> Request {
    Request::new(Method::Delete, "/_session".into())
}

/// The database `couch_peruser` makes for a user: `userdb-` and the name's UTF-8 bytes in hex.
pub fn user_db_name(name: &str) -> String {
    let hex: String = name.bytes().map(|b| format!("{b:02x}")).collect();
    format!("userdb-{hex}")
}

/// `encode_component` for the CouchDB user document id, `org.couchdb.user:<name>`.
pub fn user_doc_path(name: &str) -> String {
    format!(
        "/_users/{}",
        encode_component(&format!("org.couchdb.user:{name}"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_db_and_cookie() {
        assert_eq!(user_db_name("alice"), "userdb-616c696365");
        let mut r = Response::new(200, r#"{"ok":true,"name":"bob","roles":[]}"#);
        r.headers.push((
            "Set-Cookie".into(),
            "AuthSession=abc; Path=/; HttpOnly".into(),
        ));
        let s = sign_in_response(&r).unwrap();
        assert_eq!((s.name.as_str(), s.cookie.as_deref()), ("bob", Some("abc")));
        assert_eq!(
            sign_in_response(&Response::new(401, r#"{"error":"unauthorized"}"#)),
            Err(SyncError::WrongPassword)
        );
        assert!(matches!(
            sign_in_response(&Response::new(200, "<html>portal</html>")),
            Err(SyncError::Garbage { .. })
        ));
        let req = sign_in_request("bob", "pw");
        assert_eq!(req.path, "/_session");
    }
}
