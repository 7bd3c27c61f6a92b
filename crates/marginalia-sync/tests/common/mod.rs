//! The test harness: a real pouchdb-server (node_modules/.bin, from package.json) on 127.0.0.1
//! and a free port, in a temporary directory, killed on drop; a blocking HTTP driver (ureq) that
//! runs the sans-IO engine over real HTTP.
#![allow(dead_code)]

use marginalia_core::annotation::{Annotation, Color};
use marginalia_core::selector::{TextPositionSelector, TextQuoteSelector};
use marginalia_core::time::Timestamp;
use marginalia_sync::{Method, Options, Remote, Replica, Request, Response, Step, Sync};
use serde_json::Value;
use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub struct Server {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
    persistent: bool,
    bin: PathBuf,
}

fn bin() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = root.join("node_modules/.bin/pouchdb-server");
    if bin.exists() {
        return Some(bin);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "node_modules/.bin/pouchdb-server is missing and CI=true: run `npm ci` first (package.json pins it)"
        );
    }
    // Once per test binary, straight to stderr: the test harness does not capture it.
    static LOUD: std::sync::Once = std::sync::Once::new();
    LOUD.call_once(|| {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "!!!!! SKIPPED: node_modules/.bin/pouchdb-server is missing; run `npm ci` to run the CouchDB sync tests !!!!!"
        );
    });
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Server {
    /// A pouchdb-server in memory (`--in-memory`), or on LevelDB files in its temporary
    /// directory (`persistent`: survives a restart). `None` (after one loud line) when
    /// pouchdb-server is not installed outside CI.
    pub fn start(persistent: bool) -> Option<Server> {
        let bin = bin()?;
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("marginalia-sync-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut s = Server {
            child: None,
            port: free_port(),
            dir,
            persistent,
            bin,
        };
        s.spawn();
        Some(s)
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new(&self.bin);
        cmd.current_dir(&self.dir)
            .arg("--host")
            .arg("127.0.0.1")
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--dir")
            .arg(&self.dir)
            .arg("--config")
            .arg(self.dir.join("config.json"))
            .arg("--no-stdout-logs")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if !self.persistent {
            cmd.arg("--in-memory");
        }
        self.child = Some(cmd.spawn().expect("pouchdb-server starts"));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = raw(Method::Get, &format!("{}/", self.url()), None, &[]) {
                if r.status == 200 {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "pouchdb-server did not answer in 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Killed, then started again on the same port and directory.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// A request as the admin (admin party: no credentials); the JSON answer.
    pub fn admin(&self, method: Method, path: &str, body: Option<&str>) -> (u16, Value) {
        self.admin_with(method, path, body, &[])
    }

    pub fn admin_with(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let r =
            raw(method, &format!("{}{path}", self.url()), body, headers).expect("server answers");
        (
            r.status,
            serde_json::from_slice(&r.body).unwrap_or(Value::Null),
        )
    }

    pub fn create_db(&self, db: &str) {
        let (s, v) = self.admin(Method::Put, &format!("/{db}"), None);
        assert!(s == 201 || s == 200, "create {db}: {s} {v}");
    }

    pub fn remote(&self, db: &str) -> Remote {
        Remote {
            server: self.url(),
            db: db.into(),
            auth: marginalia_sync::Auth::None,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One HTTP exchange with ureq. `Err` only when no answer came at all.
pub fn raw(
    method: Method,
    url: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> Result<Response, String> {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let mut r = agent.request(method.as_str(), url);
    for (k, v) in headers {
        r = r.set(k, v);
    }
    let res = match body {
        Some(b) => r.set("Content-Type", "application/json").send_string(b),
        None => r.call(),
    };
    let resp = match res {
        Ok(resp) | Err(ureq::Error::Status(_, resp)) => resp,
        Err(e) => return Err(e.to_string()),
    };
    let status = resp.status();
    let mut headers = Vec::new();
    for name in resp.headers_names() {
        for v in resp.all(&name) {
            headers.push((name.clone(), v.to_string()));
        }
    }
    let mut bytes = Vec::new();
    resp.into_reader()
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok(Response {
        status,
        headers,
        body: bytes,
    })
}

/// Sends an engine request to `server`.
pub fn send(server: &str, req: &Request) -> Result<Response, String> {
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("content-type"))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    raw(
        req.method,
        &req.url(server),
        req.body_text().as_deref(),
        &headers,
    )
}

/// What a driven run ended with.
pub struct Run {
    pub end: Step,
    pub requests: Vec<Request>,
    pub retries: Vec<Step>,
    /// `Sync::progress` after each answer.
    pub progress: Vec<marginalia_sync::Progress>,
}

pub enum Hook {
    Go,
    /// Stop driving (the app closed, or went offline for good).
    Abandon,
}

/// Drives one run to its end, calling `hook` before each request is sent. Retries are taken
/// at once (the wait is the driver's business; the schedule is checked in the tests).
pub fn drive(
    remote: &Remote,
    opts: Options,
    replica: &mut Replica,
    mut hook: impl FnMut(&Request) -> Hook,
) -> Run {
    let mut sync = Sync::new(remote.clone(), opts);
    let mut step = sync.start(replica);
    let mut requests = Vec::new();
    let mut retries = Vec::new();
    let mut progress = Vec::new();
    loop {
        match step {
            Step::Send(req) => {
                if let Hook::Abandon = hook(&req) {
                    return Run {
                        end: Step::Failed(marginalia_sync::SyncError::Offline("abandoned".into())),
                        requests,
                        retries,
                        progress,
                    };
                }
                requests.push(req.clone());
                step = match send(&remote.server, &req) {
                    Ok(resp) => sync.handle(replica, resp),
                    Err(e) => sync.transport_failed(&e),
                };
                progress.push(sync.progress());
            }
            Step::Retry { .. } => {
                retries.push(step.clone());
                step = sync.retry();
            }
            Step::Done(_) | Step::Failed(_) => {
                return Run {
                    end: step,
                    requests,
                    retries,
                    progress,
                }
            }
        }
    }
}

/// Drives a run kept by the caller from `step` (its start or a further pass) to its end, with
/// no retries: the requests it sent, and the report.
pub fn drive_kept(
    remote: &Remote,
    sync: &mut Sync,
    replica: &mut Replica,
    step: Step,
) -> (marginalia_sync::Report, Vec<Request>) {
    drive_kept_seeing(remote, sync, replica, step, |_| {})
}

/// [`drive_kept`], with `seen` called on the run after each answer it handled.
pub fn drive_kept_seeing(
    remote: &Remote,
    sync: &mut Sync,
    replica: &mut Replica,
    mut step: Step,
    mut seen: impl FnMut(&Sync),
) -> (marginalia_sync::Report, Vec<Request>) {
    let mut requests = Vec::new();
    loop {
        match step {
            Step::Send(req) => {
                requests.push(req.clone());
                step = match send(&remote.server, &req) {
                    Ok(resp) => sync.handle(replica, resp),
                    Err(e) => sync.transport_failed(&e),
                };
                seen(sync);
            }
            Step::Done(report) => return (report, requests),
            other => panic!("sync failed: {other:?}"),
        }
    }
}

pub fn sync_ok(remote: &Remote, replica: &mut Replica) -> marginalia_sync::Report {
    let run = drive(remote, Options::default(), replica, |_| Hook::Go);
    match run.end {
        Step::Done(r) => r,
        other => panic!("sync failed: {other:?}"),
    }
}

pub fn annotation(id: &str, note: &str, modified: i64) -> Annotation {
    Annotation {
        id: id.to_string(),
        source: "urn:x-marginalia:doc".into(),
        quote: TextQuoteSelector {
            exact: "quick brown fox".into(),
            prefix: "The ".into(),
            suffix: " jumps".into(),
        },
        position: Some(TextPositionSelector { start: 4, end: 19 }),
        note: note.to_string(),
        tags: Vec::new(),
        color: Color::default(),
        created: Timestamp::from_millis(1_000),
        modified: Timestamp::from_millis(modified),
        anchor: None,
        identical_passages: 1,
    }
}

/// What the app keeps in IndexedDB for a replica: the meta record and one record per document,
/// as JSON text. `save` writes what changed; `load` is the app starting again.
#[derive(Default)]
pub struct Store {
    meta: Option<String>,
    docs: std::collections::BTreeMap<String, String>,
}

impl Store {
    pub fn save(&mut self, r: &mut Replica) {
        if let Some(m) = r.take_meta_if_changed() {
            self.meta = Some(serde_json::to_string(&m).unwrap());
        }
        for d in r.take_dirty() {
            self.docs
                .insert(d.id.clone(), serde_json::to_string(&d).unwrap());
        }
    }

    pub fn load(&self) -> Replica {
        let meta = serde_json::from_str(self.meta.as_deref().expect("saved")).unwrap();
        let docs = self.docs.values().map(|d| serde_json::from_str(d).unwrap());
        Replica::restore(meta, docs)
    }
}
