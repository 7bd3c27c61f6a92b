//! Waiting for the server's next change between runs: CouchDB's long-poll changes feed
//! (`GET /{db}/_changes?feed=longpoll&style=all_docs&since=S&timeout=T&limit=L`). The server
//! holds the request open until a change after `S` exists (then answers at once) or `T` ms pass
//! (then answers with no results). The app sends it while signed in and online, and when it says
//! something changed, a pass of the run ([`crate::Sync::next_pass`]) takes its answer as the
//! pull's first page (the same request the pull makes, held open), so the change is fetched
//! at once.

use crate::engine::{Auth, Remote};
use crate::error::SyncError;
use crate::http::{db_path, Method, Request, Response};
use serde_json::Value;

/// What the long poll saw.
#[derive(Clone, Debug, PartialEq)]
pub enum Watched {
    /// A change after `since` exists: run. The answer, a `_changes` page for the pull.
    Changed(Value),
    /// The server's timeout passed with nothing new: ask again (from `last_seq` if given).
    Quiet { last_seq: Option<Value> },
    /// 401 or 403: a run finds out why (expired sign-in, not this user's database) and says so.
    Refused,
}

/// The long-poll request: changes after `since` (at most `limit`: the pull's batch size, as its
/// answer is used as the pull's page), held by the server up to `timeout_ms`.
pub fn watch_request(remote: &Remote, since: &Value, timeout_ms: u64, limit: usize) -> Request {
    let since = match since {
        Value::String(s) => s.clone(),
        Value::Null => "0".into(),
        other => other.to_string(),
    };
    let mut r = Request::new(Method::Get, db_path(&remote.db, "_changes"))
        .query("feed", "longpoll")
        .query("style", "all_docs")
        .query("since", since)
        .query("timeout", timeout_ms.to_string())
        .query("limit", limit.to_string());
    if let Auth::Cookie(c) = &remote.auth {
        r.headers
            .push(("Cookie".into(), format!("AuthSession={c}")));
    }
    r
}

/// Reads the long poll's answer. Errors are the engine's (5xx: `Server`; not a changes feed:
/// `Garbage`), for the caller's back-off.
pub fn watch_response(resp: &Response) -> Result<Watched, SyncError> {
    match resp.status {
        401 | 403 => return Ok(Watched::Refused),
        s if s >= 500 => {
            return Err(SyncError::Server {
                status: s,
                detail: String::from_utf8_lossy(&resp.body[..resp.body.len().min(200)]).into(),
            })
        }
        _ => {}
    }
    let garbage = |detail: String| SyncError::Garbage {
        status: resp.status,
        detail,
    };
    if !(200..300).contains(&resp.status) {
        return Err(garbage(format!("status {} to a changes feed", resp.status)));
    }
    let body: Value = serde_json::from_slice(&resp.body)
        .map_err(|e| garbage(format!("{e} in a changes feed")))?;
    let results = body
        .get("results")
        .and_then(Value::as_array)
        .ok_or_else(|| garbage("expected a changes feed".into()))?;
    // Design documents are not the reader's: they start no run.
    let real = results.iter().any(|r| {
        r.get("id")
            .and_then(Value::as_str)
            .is_some_and(|id| !id.starts_with("_design/"))
    });
    Ok(if real {
        Watched::Changed(body)
    } else {
        Watched::Quiet {
            last_seq: body.get("last_seq").cloned(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn remote() -> Remote {
        Remote {
            server: "http://127.0.0.1:5984".into(),
            db: "userdb-61".into(),
            auth: Auth::Browser,
        }
    }

    #[test]
    fn the_request_is_a_long_poll_from_the_checkpoint() {
        let r = watch_request(&remote(), &json!("12-g1AA"), 25_000, 250);
        assert_eq!(
            r.url("http://x"),
            "http://x/userdb-61/_changes?feed=longpoll&style=all_docs&since=12-g1AA&timeout=25000&limit=250"
        );
        assert_eq!(
            watch_request(&remote(), &json!(7), 10, 1).url("http://x"),
            "http://x/userdb-61/_changes?feed=longpoll&style=all_docs&since=7&timeout=10&limit=1"
        );
    }

    #[test]
    fn answers_read() {
        let ok = |body: &str| watch_response(&Response::new(200, body));
        let changed = r#"{"results":[{"seq":3,"id":"annotation:d:1","changes":[]}],"last_seq":3}"#;
        assert_eq!(
            ok(changed),
            Ok(Watched::Changed(serde_json::from_str(changed).unwrap()))
        );
        assert_eq!(
            ok(r#"{"results":[],"last_seq":9}"#),
            Ok(Watched::Quiet {
                last_seq: Some(json!(9))
            })
        );
        assert_eq!(
            ok(r#"{"results":[{"seq":4,"id":"_design/x","changes":[]}],"last_seq":4}"#),
            Ok(Watched::Quiet {
                last_seq: Some(json!(4))
            })
        );
        assert!(matches!(ok("<html>"), Err(SyncError::Garbage { .. })));
        assert!(matches!(
            ok(r#"{"results":"#),
            Err(SyncError::Garbage { .. })
        ));
        assert_eq!(
            watch_response(&Response::new(401, "{}")),
            Ok(Watched::Refused)
        );
        assert!(matches!(
            watch_response(&Response::new(503, "busy")),
            Err(SyncError::Server { status: 503, .. })
        ));
    }
}
