//! Answers that are not CouchDB's: a tiny local TCP server returns HTML, truncated JSON, a 500,
//! or hangs up; the engine reports a clear error, backs off on schedule, and changes nothing.

mod common;

use common::*;
use marginalia_sync::{backoff_ms, Auth, Options, Remote, Replica, Step, SyncError};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Serves `answer` (a whole HTTP response; empty: close without answering) to every
/// connection until dropped.
struct Garbage {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Garbage {
    fn start(answer: &'static str) -> Garbage {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || {
            // Bounded: at most 30 s, then it stops by itself.
            for _ in 0..3_000 {
                if flag.load(Ordering::SeqCst) {
                    return;
                }
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        conn.set_nonblocking(false).unwrap();
                        conn.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                        let mut buf = [0u8; 8192];
                        let _ = conn.read(&mut buf);
                        let _ = conn.write_all(answer.as_bytes());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Garbage { port, stop }
    }
}

impl Drop for Garbage {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

const HTML: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 46\r\nConnection: close\r\n\r\n<html><body>Sign in to the Wi-Fi</body></html>";
const TRUNCATED: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 25\r\nConnection: close\r\n\r\n{\"db_name\":\"m\",\"update_se";
const ERROR_500: &str = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 42\r\nConnection: close\r\n\r\n{\"error\":\"unknown_error\",\"reason\":\"boom\"}\n";
const HANG_UP: &str = "";
const WRONG_SHAPE: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}";

type Check = fn(&SyncError) -> bool;

#[test]
fn garbage_answers_are_clear_errors_with_back_off_and_change_nothing() {
    let cases: [(&str, Check); 5] = [
        (
            HTML,
            |e| matches!(e, SyncError::Garbage { status: 200, detail } if detail.contains("Wi-Fi")),
        ),
        (
            TRUNCATED,
            |e| matches!(e, SyncError::Garbage { status: 200, detail } if detail.contains("EOF")),
        ),
        (
            ERROR_500,
            |e| matches!(e, SyncError::Server { status: 500, detail } if detail.contains("boom")),
        ),
        (HANG_UP, |e| matches!(e, SyncError::Offline(_))),
        (WRONG_SHAPE, |e| {
            matches!(e, SyncError::Garbage { status: 200, .. })
        }),
    ];
    for (answer, is_expected) in cases {
        let server = Garbage::start(answer);
        let remote = Remote {
            server: format!("http://127.0.0.1:{}", server.port),
            db: "m".into(),
            auth: Auth::None,
        };
        let mut r = Replica::new("a");
        r.put_annotation("doc", &annotation("urn:uuid:1", "kept", 1_000));
        let docs_before: Vec<_> = r.docs().cloned().collect();
        let opts = Options {
            max_attempts: 4,
            ..Options::default()
        };
        let run = drive(&remote, opts, &mut r, |_| Hook::Go);
        let waits: Vec<(u64, u32)> = run
            .retries
            .iter()
            .map(|s| match s {
                Step::Retry {
                    after_ms,
                    attempt,
                    error,
                } => {
                    assert!(is_expected(error), "{answer:?}: {error:?}");
                    (*after_ms, *attempt)
                }
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            waits,
            vec![(1_000, 1), (2_000, 2), (5_000, 3)],
            "{answer:?}"
        );
        let Step::Failed(e) = &run.end else {
            panic!("{:?}", run.end)
        };
        assert!(is_expected(e), "{answer:?}: {e:?}");
        assert!(!e.to_string().is_empty());
        assert_eq!(run.requests.len(), 4, "the same request, tried 4 times");
        assert!(run.requests.iter().all(|q| q == &run.requests[0]));
        let docs_after: Vec<_> = r.docs().cloned().collect();
        assert_eq!(docs_before, docs_after, "nothing changed");
        assert_eq!(r.pending_changes(), 1);
    }
    assert_eq!(
        (1..=8).map(backoff_ms).collect::<Vec<_>>(),
        vec![1_000, 2_000, 5_000, 15_000, 30_000, 60_000, 60_000, 60_000]
    );
}
