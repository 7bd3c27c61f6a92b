//! The replication state machine: one bidirectional run (pull, then push) between a
//! [`Replica`] and one remote database, following CouchDB's replication protocol.
//!
//! ```text
//! GET  /db                                  verify peer, update_seq for progress
//! GET  /db/_local/<pull id>                 checkpoint (compared with the local copy)
//! loop GET /db/_changes?feed=normal&style=all_docs&since=S&limit=B
//!      (local revs_diff)
//!      POST /db/_bulk_get?revs=true&latest=true      (fallback: GET /db/<id>?revs=true&open_revs=[…])
//!      (insert with new_edits:false semantics, resolve conflicts)
//!      PUT  /db/_local/<pull id>            checkpoint on both sides
//! GET  /db/_local/<push id>
//! loop (local changes since S, B at a time)
//!      POST /db/_revs_diff
//!      POST /db/_bulk_docs {new_edits:false}
//!      PUT  /db/_local/<push id>
//! ```
//!
//! A finished run can go on with further passes ([`Sync::next_pass`], what PouchDB's live
//! replication does): it keeps both checkpoints and their `_rev`s, so a pass asks for neither the
//! database's information nor the logs again; a pull pass may start from a long poll's answer
//! (the first `_changes` page, already in hand), and a push pass may leave the pull to the long
//! poll. A pass that fetched or sent nothing moves its checkpoint in memory only (written with
//! the next one that does: a checkpoint only saves work, and a later one vouches for more). A
//! pass with a few local changes sends them without asking `_revs_diff` first.

use crate::error::SyncError;
use crate::http::{db_path, doc_path, Method, Request, Response};
use crate::replica::{hash128, Replica};
use serde_json::{json, Map, Value};
use std::collections::VecDeque;

/// How requests prove who is asking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// The browser's cookie jar holds `AuthSession` (send every request with
    /// `credentials: "include"`); no header is added.
    Browser,
    /// `AuthSession=<value>`, sent as a `Cookie` header (native drivers, tests).
    Cookie(String),
    /// No authentication (a server in "admin party", tests).
    None,
}

/// The remote end: a server and one database on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remote {
    /// `https://couch.example.org` (no trailing path).
    pub server: String,
    pub db: String,
    pub auth: Auth,
}

/// Tuning of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Changes per `_changes` page, and documents per push batch.
    pub batch_size: usize,
    /// Tries of one request before the run fails (with back-off between them).
    pub max_attempts: u32,
    /// Use `_bulk_get`; when false, or when the server lacks it, one GET per document.
    pub bulk_get: bool,
    pub pull: bool,
    pub push: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            batch_size: 100,
            max_attempts: 6,
            bulk_get: true,
            pull: true,
            push: true,
        }
    }
}

/// The back-off schedule: how long to wait before try `attempt + 1` (attempt 1 is the first
/// retry). 1 s, 2 s, 5 s, 15 s, 30 s, then every 60 s.
pub fn backoff_ms(attempt: u32) -> u64 {
    const SCHEDULE: [u64; 6] = [1_000, 2_000, 5_000, 15_000, 30_000, 60_000];
    SCHEDULE[(attempt.max(1) as usize - 1).min(SCHEDULE.len() - 1)]
}

/// Up to this many documents changed here, a further pass pushes them without asking
/// `_revs_diff` first ([`Sync::next_pass`]).
const DIRECT_PUSH: usize = 10;

/// What a further pass of a finished run does ([`Sync::next_pass`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Pass {
    /// Pull, then push. `changes`: a long poll's answer (a `_changes` body, `style=all_docs`,
    /// at most the batch size) and the sequence it was asked from; used as the pull's first page
    /// when that is where the pull stands, else the pull asks for its own.
    PullPush { changes: Option<(Value, Value)> },
    /// Push only: local changes while a long poll stands for the pull.
    Push,
}

/// What the driver does next.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Send this, then hand the answer to [`Sync::handle`] (or the failure to
    /// [`Sync::transport_failed`]).
    Send(Request),
    /// The last request failed with a passing error: wait `after_ms`, then call [`Sync::retry`].
    Retry {
        after_ms: u64,
        attempt: u32,
        error: SyncError,
    },
    /// The run finished; the replica holds the result.
    Done(Report),
    /// The run stopped; what was checkpointed stays done, the next run resumes from there.
    Failed(SyncError),
}

/// What a finished run did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Revisions fetched from the server and stored locally.
    pub pulled: usize,
    /// Revisions sent to the server.
    pub pushed: usize,
    /// Losing revisions deleted by resolving conflicts (pushed with the rest).
    pub resolved: usize,
    /// Documents the server refused in `_bulk_docs`.
    pub write_failures: usize,
    /// The checkpoints the run started from: remote seq for the pull, local seq for the push.
    pub pull_started_at: Value,
    pub push_started_at: u64,
    /// The server sequence the pull checkpointed last: where a long poll for the next change
    /// starts ([`crate::watch::watch_request`]).
    pub pull_seq: Value,
    /// Requests sent (retries included).
    pub requests: usize,
}

/// Where a run is, for "Syncing 120 of 4,032".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub pulling: bool,
    pub done: u64,
    pub total: u64,
}

impl Progress {
    pub fn label(&self) -> String {
        format!(
            "Syncing {} of {}",
            thousands(self.done),
            thousands(self.total.max(self.done))
        )
    }
}

/// The status line for a replica that is not syncing right now.
pub fn status_line(online: bool, pending: usize) -> String {
    let changes = if pending == 1 { "change" } else { "changes" };
    match (online, pending) {
        (true, 0) => "Synced".to_string(),
        (true, n) => format!("{} {changes} to sync", thousands(n as u64)),
        (false, 0) => "Offline".to_string(),
        (false, n) => format!("Offline — {} {changes} waiting", thousands(n as u64)),
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The number a sequence starts with (`42`, `"42-g1AAA…"`), for progress only.
fn seq_number(seq: &Value) -> u64 {
    match seq {
        Value::Number(n) => n.as_u64().unwrap_or(0),
        Value::String(s) => s
            .split('-')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        _ => 0,
    }
}

fn seq_param(seq: &Value) -> String {
    match seq {
        Value::String(s) => s.clone(),
        Value::Null => "0".into(),
        other => other.to_string(),
    }
}

/// The replication id: the same replica, server, database and direction always give the same
/// `_local` document, so a run resumes where the last one checkpointed.
pub fn replication_id(replica_id: &str, server: &str, db: &str, direction: &str) -> String {
    let server = server.trim_end_matches('/').to_ascii_lowercase();
    hash128(format!("marginalia-sync/1\n{replica_id}\n{server}\n{db}\n{direction}").as_bytes())
}

/// Where replication may start, from the source's and target's replication logs: the source's
/// `source_last_seq` when both name the same last session, else the `recorded_seq` of the
/// latest session both histories share, else nothing (a full replication).
pub fn start_checkpoint(source: Option<&Value>, target: Option<&Value>) -> Option<Value> {
    let (s, t) = (source?, target?);
    let sid = |v: &Value| {
        v.get("session_id")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if sid(s).is_some() && sid(s) == sid(t) {
        return s.get("source_last_seq").cloned();
    }
    let empty = Vec::new();
    let th = t.get("history").and_then(Value::as_array).unwrap_or(&empty);
    for h in s.get("history").and_then(Value::as_array).unwrap_or(&empty) {
        if let Some(id) = sid(h) {
            if th.iter().any(|x| sid(x).as_deref() == Some(id.as_str())) {
                return h.get("recorded_seq").cloned();
            }
        }
    }
    None
}

/// The log after a checkpoint of this session at `seq`.
fn next_log(
    prev: Option<&Value>,
    session: &str,
    start: &Value,
    seq: &Value,
    docs_read: usize,
    docs_written: usize,
) -> Value {
    let mut history = vec![json!({
        "session_id": session,
        "start_last_seq": start,
        "recorded_seq": seq,
        "end_last_seq": seq,
        "docs_read": docs_read,
        "docs_written": docs_written,
    })];
    if let Some(h) = prev
        .and_then(|p| p.get("history"))
        .and_then(Value::as_array)
    {
        history.extend(
            h.iter()
                .filter(|x| x.get("session_id").and_then(Value::as_str) != Some(session))
                .take(4)
                .cloned(),
        );
    }
    json!({
        "session_id": session,
        "source_last_seq": seq,
        "replication_id_version": 3,
        "history": history,
    })
}

#[derive(Clone, Debug)]
enum Stage {
    Info,
    WhoAmI,
    PullLog,
    PullChanges,
    PullFetch {
        last_seq: Value,
        more: bool,
    },
    PullOpenRevs {
        queue: VecDeque<(String, Vec<String>)>,
        last_seq: Value,
        more: bool,
    },
    PullCheckpoint {
        seq: Value,
        more: bool,
    },
    PushLog,
    PushRevsDiff {
        batch: Vec<(String, u64, Vec<String>)>,
        last: u64,
        more: bool,
    },
    PushDocs {
        batch: Vec<(String, u64)>,
        last: u64,
        more: bool,
    },
    PushCheckpoint {
        seq: u64,
        more: bool,
    },
    /// A checkpoint PUT met 409 (its earlier try was stored but the answer lost): read the log
    /// again for its `_rev`, then write the checkpoint once more.
    RefreshLog {
        pull: bool,
        seq: Value,
        more: bool,
    },
    Finished,
}

/// One sync run. Make one per run (each gets a session id of its own).
#[derive(Debug)]
pub struct Sync {
    remote: Remote,
    opts: Options,
    stage: Stage,
    pending: Option<Request>,
    /// The stage `pending` was sent from.
    pending_stage: Stage,
    attempt: u32,
    session: String,
    pull_rid: String,
    push_rid: String,
    remote_log: Option<Value>,
    pull_start: Value,
    pull_since: Value,
    push_start: u64,
    push_since: u64,
    pull_read: usize,
    push_written: usize,
    update_seq: u64,
    progress: Progress,
    report: Report,
    /// The revisions a `_bulk_get` asked for (for the per-document fallback).
    wanted: Option<Vec<(String, Vec<String>)>>,
    /// Documents pulled in this run and not changed here: id → their leaves.
    from_server: std::collections::HashMap<String, Vec<String>>,
    /// The run ended with [`Step::Done`]: a further pass may go on from it.
    done: bool,
    /// A further pass ([`Sync::next_pass`]) is under way.
    live: bool,
    /// Each direction's log as the server holds it (with its `_rev`), once read or written in
    /// this run: a further pass reads neither again.
    pull_log: Option<Option<Value>>,
    push_log: Option<Option<Value>>,
}

impl Sync {
    pub fn new(remote: Remote, opts: Options) -> Sync {
        Sync {
            remote,
            opts,
            stage: Stage::Info,
            pending: None,
            pending_stage: Stage::Info,
            attempt: 0,
            session: String::new(),
            pull_rid: String::new(),
            push_rid: String::new(),
            remote_log: None,
            pull_start: json!(0),
            pull_since: json!(0),
            push_start: 0,
            push_since: 0,
            pull_read: 0,
            push_written: 0,
            update_seq: 0,
            progress: Progress::default(),
            report: Report::default(),
            wanted: None,
            from_server: Default::default(),
            done: false,
            live: false,
            pull_log: None,
            push_log: None,
        }
    }

    /// The server and database this run syncs with.
    pub fn remote(&self) -> &Remote {
        &self.remote
    }

    /// The run (or its last pass) finished: [`Sync::next_pass`] goes on from it.
    pub fn can_go_on(&self) -> bool {
        self.done
    }

    /// The pull has brought everything it will in this run or pass (it may still write its last
    /// checkpoint): what it stored can be shown.
    pub fn pulled_all(&self) -> bool {
        !matches!(
            self.stage,
            Stage::Info
                | Stage::WhoAmI
                | Stage::PullLog
                | Stage::PullChanges
                | Stage::PullFetch { .. }
                | Stage::PullOpenRevs { .. }
                | Stage::PullCheckpoint { more: true, .. }
                | Stage::RefreshLog {
                    pull: true,
                    more: true,
                    ..
                }
        )
    }

    /// Another pass of a finished run, from where it ended (see the module's notes); a run that
    /// did not finish starts over ([`Sync::start`]).
    pub fn next_pass(&mut self, replica: &mut Replica, pass: Pass) -> Step {
        if !self.done {
            return self.start(replica);
        }
        self.done = false;
        self.live = true;
        self.attempt = 0;
        self.pending = None;
        self.report = Report::default();
        match pass {
            Pass::Push => match self.begin_push(replica) {
                Ok(step) => step,
                Err(e) => self.fail(e),
            },
            Pass::PullPush { .. } if !self.opts.pull => match self.begin_push(replica) {
                Ok(step) => step,
                Err(e) => self.fail(e),
            },
            Pass::PullPush { changes } => {
                self.remote_log = self.pull_log.clone().flatten();
                self.progress = Progress {
                    pulling: true,
                    done: 0,
                    total: 0,
                };
                match changes {
                    Some((since, body)) if since == self.pull_since => {
                        self.stage = Stage::PullChanges;
                        match self.advance(replica, 200, body) {
                            Ok(step) => step,
                            // Not a usable page: the pull asks for its own.
                            Err(_) => self.changes_request(),
                        }
                    }
                    _ => self.changes_request(),
                }
            }
        }
    }

    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// The first request of the run.
    pub fn start(&mut self, replica: &mut Replica) -> Step {
        let run = replica.next_run();
        self.session = hash128(format!("{}\n{run}", replica.id()).as_bytes());
        let (server, db) = (&self.remote.server, &self.remote.db);
        self.pull_rid = replication_id(replica.id(), server, db, "pull");
        self.push_rid = replication_id(replica.id(), server, db, "push");
        self.stage = Stage::Info;
        (self.done, self.live, self.pull_log, self.push_log) = (false, false, None, None);
        let req = self.req(Method::Get, db_path(&self.remote.db, ""));
        self.send(req)
    }

    /// Sends the failed request again (after [`Step::Retry`]'s wait).
    pub fn retry(&mut self) -> Step {
        match &self.pending {
            Some(r) if self.attempt > 0 => {
                self.report.requests += 1;
                // Back to where the request was sent from (an answer that could not be read
                // may have ended the stage).
                self.stage = self.pending_stage.clone();
                Step::Send(r.clone())
            }
            _ => Step::Failed(SyncError::Offline("nothing to retry".into())),
        }
    }

    /// The request could not be sent or got no answer.
    pub fn transport_failed(&mut self, message: &str) -> Step {
        self.fail(SyncError::Offline(message.to_string()))
    }

    fn req(&self, method: Method, path: String) -> Request {
        let mut r = Request::new(method, path);
        if let Auth::Cookie(c) = &self.remote.auth {
            r.headers
                .push(("Cookie".into(), format!("AuthSession={c}")));
        }
        r
    }

    fn refresh_log(&mut self, pull: bool, seq: Value, more: bool) -> Step {
        let rid = if pull { &self.pull_rid } else { &self.push_rid };
        let r = self.req(
            Method::Get,
            doc_path(&self.remote.db, &format!("_local/{rid}")),
        );
        self.stage = Stage::RefreshLog { pull, seq, more };
        self.send(r)
    }

    /// Sends `docs` (the revisions of `batch`'s documents the server lacks) to `_bulk_docs`.
    fn push_docs(
        &mut self,
        docs: Vec<Value>,
        batch: Vec<(String, u64)>,
        last: u64,
        more: bool,
    ) -> Step {
        self.report.pushed += docs.len();
        self.push_written += docs.len();
        let r = self
            .req(Method::Post, db_path(&self.remote.db, "_bulk_docs"))
            .json(json!({"docs": docs, "new_edits": false}));
        self.stage = Stage::PushDocs { batch, last, more };
        self.send(r)
    }

    fn send(&mut self, r: Request) -> Step {
        self.report.requests += 1;
        self.pending = Some(r.clone());
        self.pending_stage = self.stage.clone();
        Step::Send(r)
    }

    fn fail(&mut self, e: SyncError) -> Step {
        if e.retryable() && self.attempt + 1 < self.opts.max_attempts {
            self.attempt += 1;
            return Step::Retry {
                after_ms: backoff_ms(self.attempt),
                attempt: self.attempt,
                error: e,
            };
        }
        self.stage = Stage::Finished;
        self.pending = None;
        Step::Failed(e)
    }

    fn finish(&mut self) -> Step {
        self.stage = Stage::Finished;
        self.pending = None;
        self.done = true;
        self.report.pull_started_at = self.pull_start.clone();
        self.report.push_started_at = self.push_start;
        self.report.pull_seq = self.pull_since.clone();
        Step::Done(self.report.clone())
    }

    /// The answer to the last [`Step::Send`].
    pub fn handle(&mut self, replica: &mut Replica, resp: Response) -> Step {
        if matches!(self.stage, Stage::WhoAmI) {
            // 401 earlier: still signed in (then the database refused us) or not?
            let name = serde_json::from_slice::<Value>(&resp.body)
                .ok()
                .and_then(|v| v.pointer("/userCtx/name").cloned());
            self.stage = Stage::Finished;
            self.pending = None;
            return Step::Failed(match name {
                Some(Value::String(_)) => SyncError::NotYours,
                _ => SyncError::SignInExpired,
            });
        }
        match resp.status {
            401 => {
                self.stage = Stage::WhoAmI;
                let r = self.req(Method::Get, "/_session".into());
                return self.send(r);
            }
            403 => {
                self.stage = Stage::Finished;
                self.pending = None;
                return Step::Failed(SyncError::NotYours);
            }
            // The database itself is gone (deleted while syncing); a missing `_local` log or a
            // server without `_bulk_get` also answer 404 and are handled in their stages.
            404 if matches!(
                self.stage,
                Stage::Info
                    | Stage::PullChanges
                    | Stage::PushRevsDiff { .. }
                    | Stage::PushDocs { .. }
            ) =>
            {
                self.stage = Stage::Finished;
                self.pending = None;
                return Step::Failed(SyncError::NoDatabase);
            }
            s if s >= 500 => {
                return self.fail(SyncError::Server {
                    status: s,
                    detail: snippet(&resp.body),
                })
            }
            _ => {}
        }
        let body: Value = match serde_json::from_slice(&resp.body) {
            Ok(v) => v,
            Err(e) => {
                return self.fail(SyncError::Garbage {
                    status: resp.status,
                    detail: format!("{e}; the answer began {:?}", snippet(&resp.body)),
                })
            }
        };
        match self.advance(replica, resp.status, body) {
            Ok(step) => {
                if matches!(step, Step::Send(_)) {
                    self.attempt = 0;
                }
                step
            }
            Err(e) => self.fail(e),
        }
    }

    fn advance(
        &mut self,
        replica: &mut Replica,
        status: u16,
        body: Value,
    ) -> Result<Step, SyncError> {
        let garbage = |what: &str| SyncError::Garbage {
            status,
            detail: format!("expected {what}"),
        };
        let ok = (200..300).contains(&status);
        let stage = std::mem::replace(&mut self.stage, Stage::Finished);
        match stage {
            Stage::Info => {
                if status == 404 {
                    return Err(SyncError::NoDatabase);
                }
                if !ok || body.get("update_seq").is_none() {
                    return Err(garbage("the database's information"));
                }
                self.update_seq = seq_number(&body["update_seq"]);
                self.begin_pull(replica)
            }
            Stage::PullLog => {
                let remote = if ok {
                    Some(body)
                } else if status == 404 {
                    None
                } else {
                    return Err(garbage("a replication log"));
                };
                self.pull_since = start_checkpoint(remote.as_ref(), replica.log(&self.pull_rid))
                    .unwrap_or(json!(0));
                self.pull_start = self.pull_since.clone();
                self.pull_log = Some(remote.clone());
                self.remote_log = remote;
                self.progress = Progress {
                    pulling: true,
                    done: 0,
                    total: self.update_seq.saturating_sub(seq_number(&self.pull_since)),
                };
                Ok(self.changes_request())
            }
            Stage::PullChanges => {
                let results = body
                    .get("results")
                    .and_then(Value::as_array)
                    .filter(|_| ok)
                    .ok_or_else(|| garbage("a changes feed"))?;
                if results.is_empty() {
                    return self.begin_push(replica);
                }
                let more = results.len() >= self.opts.batch_size;
                let last_seq = body
                    .get("last_seq")
                    .cloned()
                    .or_else(|| results.last().and_then(|r| r.get("seq").cloned()))
                    .unwrap_or(json!(0));
                let mut wanted = Vec::new();
                for row in results {
                    let Some(id) = row.get("id").and_then(Value::as_str) else {
                        continue;
                    };
                    if id.starts_with("_design/") {
                        continue;
                    }
                    let revs: Vec<String> = row
                        .get("changes")
                        .and_then(Value::as_array)
                        .map(|c| {
                            c.iter()
                                .filter_map(|x| x.get("rev")?.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    let missing = replica.missing_revs(id, &revs);
                    if !missing.is_empty() {
                        wanted.push((id.to_string(), missing));
                    }
                }
                self.progress.done += results.len() as u64;
                self.progress.total = match body.get("pending").and_then(Value::as_u64) {
                    Some(p) => self.progress.done + p,
                    None => self.progress.total.max(self.progress.done),
                };
                if wanted.is_empty() {
                    if self.live && !more {
                        // Nothing fetched (this device's own changes coming back, …): the
                        // checkpoint moves in memory, written with the next one.
                        self.pull_since = last_seq;
                        return self.begin_push(replica);
                    }
                    return Ok(self.checkpoint_pull(last_seq, more));
                }
                if self.opts.bulk_get {
                    let docs: Vec<Value> = wanted
                        .iter()
                        .flat_map(|(id, revs)| {
                            revs.iter().map(move |r| json!({"id": id, "rev": r}))
                        })
                        .collect();
                    let r = self
                        .req(Method::Post, db_path(&self.remote.db, "_bulk_get"))
                        .query("revs", "true")
                        .query("latest", "true")
                        .json(json!({ "docs": docs }));
                    self.stage = Stage::PullFetch { last_seq, more };
                    // Kept for the fallback.
                    self.wanted = Some(wanted);
                    Ok(self.send(r))
                } else {
                    Ok(self.open_revs(VecDeque::from(wanted), last_seq, more))
                }
            }
            Stage::PullFetch { last_seq, more } => {
                let wanted = self.wanted.take().unwrap_or_default();
                if matches!(status, 400 | 404 | 405 | 501) {
                    // No _bulk_get here: one GET per document from now on.
                    self.opts.bulk_get = false;
                    return Ok(self.open_revs(VecDeque::from(wanted), last_seq, more));
                }
                let results = body
                    .get("results")
                    .and_then(Value::as_array)
                    .filter(|_| ok)
                    .ok_or_else(|| garbage("_bulk_get results"))?;
                for r in results {
                    for d in r
                        .get("docs")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(doc) = d.get("ok") {
                            self.store(replica, doc);
                        }
                    }
                }
                Ok(self.checkpoint_pull(last_seq, more))
            }
            Stage::PullOpenRevs {
                mut queue,
                last_seq,
                more,
            } => {
                let docs = body
                    .as_array()
                    .filter(|_| ok)
                    .ok_or_else(|| garbage("open_revs results"))?;
                for d in docs {
                    if let Some(doc) = d.get("ok") {
                        self.store(replica, doc);
                    }
                }
                queue.pop_front();
                Ok(self.open_revs(queue, last_seq, more))
            }
            Stage::PullCheckpoint { seq, more } if status == 409 => {
                Ok(self.refresh_log(true, seq, more))
            }
            Stage::PushCheckpoint { seq, more } if status == 409 => {
                Ok(self.refresh_log(false, json!(seq), more))
            }
            Stage::RefreshLog { pull, seq, more } => {
                if !(ok || status == 404) {
                    return Err(garbage("a replication log"));
                }
                self.remote_log = ok.then_some(body);
                if pull {
                    self.pull_log = Some(self.remote_log.clone());
                } else {
                    self.push_log = Some(self.remote_log.clone());
                }
                if pull {
                    Ok(self.checkpoint_pull(seq, more))
                } else {
                    Ok(self.checkpoint_push(seq.as_u64().unwrap_or(0), more))
                }
            }
            Stage::PullCheckpoint { seq, more } => {
                if !ok {
                    return Err(garbage("the checkpoint saved"));
                }
                self.save_local_log(
                    replica,
                    &self.pull_rid.clone(),
                    body,
                    &self.pull_start.clone(),
                    &seq,
                    self.pull_read,
                );
                self.pull_since = seq;
                if more {
                    Ok(self.changes_request())
                } else {
                    self.begin_push(replica)
                }
            }
            Stage::PushLog => {
                let remote = if ok {
                    Some(body)
                } else if status == 404 {
                    None
                } else {
                    return Err(garbage("a replication log"));
                };
                self.push_since = start_checkpoint(replica.log(&self.push_rid), remote.as_ref())
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0);
                self.push_start = self.push_since;
                self.push_log = Some(remote.clone());
                self.remote_log = remote;
                self.progress = Progress {
                    pulling: false,
                    done: 0,
                    total: replica.count_since(self.push_since) as u64,
                };
                Ok(self.revs_diff(replica))
            }
            Stage::PushRevsDiff { batch, last, more } => {
                let diff = body
                    .as_object()
                    .filter(|_| ok)
                    .ok_or_else(|| garbage("a revs_diff answer"))?;
                let mut docs = Vec::new();
                let mut sent = Vec::new();
                for (id, seq, _) in &batch {
                    let missing: Vec<&str> = diff
                        .get(id)
                        .and_then(|d| d.get("missing"))
                        .and_then(Value::as_array)
                        .map(|m| m.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    if missing.is_empty() {
                        replica.mark_pushed(id, *seq);
                        continue;
                    }
                    if let Some(doc) = replica.get(id) {
                        docs.extend(missing.iter().filter_map(|r| doc.to_couch(r)));
                    }
                    sent.push((id.clone(), *seq));
                }
                self.progress.done += batch.len() as u64;
                if docs.is_empty() {
                    return Ok(self.checkpoint_push(last, more));
                }
                Ok(self.push_docs(docs, sent, last, more))
            }
            Stage::PushDocs { batch, last, more } => {
                if !ok {
                    return Err(garbage("_bulk_docs results"));
                }
                let failed: Vec<&str> = body
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|r| r.get("error").is_some())
                    .filter_map(|r| r.get("id")?.as_str())
                    .collect();
                self.report.write_failures += failed.len();
                for (id, seq) in &batch {
                    if !failed.contains(&id.as_str()) {
                        replica.mark_pushed(id, *seq);
                    }
                }
                Ok(self.checkpoint_push(last, more))
            }
            Stage::PushCheckpoint { seq, more } => {
                if !ok {
                    return Err(garbage("the checkpoint saved"));
                }
                let start = json!(self.push_start);
                self.save_local_log(
                    replica,
                    &self.push_rid.clone(),
                    body,
                    &start,
                    &json!(seq),
                    self.push_written,
                );
                self.push_since = seq;
                if more {
                    Ok(self.revs_diff(replica))
                } else {
                    Ok(self.finish())
                }
            }
            Stage::WhoAmI | Stage::Finished => {
                Ok(Step::Failed(SyncError::Offline("the run is over".into())))
            }
        }
    }

    fn store(&mut self, replica: &mut Replica, doc: &Value) {
        if let Some(resolved) = replica.insert_replicated(doc) {
            self.report.pulled += 1;
            self.pull_read += 1;
            // Conflicts resolved here become local changes, pushed in this run.
            self.report.resolved += resolved;
            // A document that now holds only what this server just gave us needs no push.
            if let Some(d) = doc
                .get("_id")
                .and_then(Value::as_str)
                .and_then(|id| replica.get(id))
            {
                if d.unpushed {
                    self.from_server.remove(&d.id);
                } else {
                    let leaves = d.leaves().into_iter().map(str::to_string).collect();
                    self.from_server.insert(d.id.clone(), leaves);
                }
            }
        }
    }

    fn begin_pull(&mut self, replica: &mut Replica) -> Result<Step, SyncError> {
        if !self.opts.pull {
            return self.begin_push(replica);
        }
        self.stage = Stage::PullLog;
        let r = self.req(
            Method::Get,
            doc_path(&self.remote.db, &format!("_local/{}", self.pull_rid)),
        );
        Ok(self.send(r))
    }

    fn begin_push(&mut self, replica: &mut Replica) -> Result<Step, SyncError> {
        if !self.opts.push {
            return Ok(self.finish());
        }
        if let Some(log) = self.push_log.clone() {
            // A further pass: the log is known, and where the push stands.
            self.remote_log = log;
            self.progress = Progress {
                pulling: false,
                done: 0,
                total: replica.count_since(self.push_since) as u64,
            };
            return Ok(self.revs_diff(replica));
        }
        self.stage = Stage::PushLog;
        let r = self.req(
            Method::Get,
            doc_path(&self.remote.db, &format!("_local/{}", self.push_rid)),
        );
        Ok(self.send(r))
    }

    fn changes_request(&mut self) -> Step {
        self.stage = Stage::PullChanges;
        let r = self
            .req(Method::Get, db_path(&self.remote.db, "_changes"))
            .query("feed", "normal")
            .query("style", "all_docs")
            .query("since", seq_param(&self.pull_since))
            .query("limit", self.opts.batch_size.to_string());
        self.send(r)
    }

    fn open_revs(
        &mut self,
        queue: VecDeque<(String, Vec<String>)>,
        last_seq: Value,
        more: bool,
    ) -> Step {
        let Some((id, revs)) = queue.front().cloned() else {
            return self.checkpoint_pull(last_seq, more);
        };
        let r = self
            .req(Method::Get, doc_path(&self.remote.db, &id))
            .query("revs", "true")
            .query("latest", "true")
            .query("open_revs", Value::from(revs).to_string());
        self.stage = Stage::PullOpenRevs {
            queue,
            last_seq,
            more,
        };
        self.send(r)
    }

    fn checkpoint_pull(&mut self, seq: Value, more: bool) -> Step {
        let log = next_log(
            self.remote_log.as_ref(),
            &self.session,
            &self.pull_start,
            &seq,
            self.pull_read,
            self.pull_read,
        );
        let r = self.put_log(&self.pull_rid.clone(), log);
        self.stage = Stage::PullCheckpoint { seq, more };
        self.send(r)
    }

    fn revs_diff(&mut self, replica: &Replica) -> Step {
        let mut cursor = self.push_since;
        let (batch, last, more) = loop {
            let raw = replica.changes_since(cursor, self.opts.batch_size);
            let Some(last) = raw.last().map(|c| c.1) else {
                return if cursor > self.push_since && !self.live {
                    self.checkpoint_push(cursor, false)
                } else {
                    // (A further pass that sent nothing: the checkpoint moves in memory.)
                    self.push_since = cursor;
                    self.finish()
                };
            };
            let more = raw.len() >= self.opts.batch_size;
            let n = raw.len();
            // Documents pulled from this server in this run, unchanged since: it has them.
            let batch: Vec<_> = raw
                .into_iter()
                .filter(|(id, _, leaves)| self.from_server.get(id) != Some(leaves))
                .collect();
            self.progress.done += (n - batch.len()) as u64;
            if !batch.is_empty() {
                break (batch, last, more);
            }
            cursor = last;
            if !more {
                if self.live {
                    self.push_since = cursor;
                    return self.finish();
                }
                return self.checkpoint_push(cursor, false);
            }
        };
        if self.live && batch.len() <= DIRECT_PUSH {
            // A few changes made here since the last pass: the server has none of them (or,
            // an answer lost, some: storing a revision again changes nothing), so they go
            // without asking `_revs_diff` first, a round trip less.
            let docs: Vec<Value> = batch
                .iter()
                .filter_map(|(id, _, revs)| Some((replica.get(id)?, revs)))
                .flat_map(|(doc, revs)| revs.iter().filter_map(|r| doc.to_couch(r)))
                .collect();
            self.progress.done += batch.len() as u64;
            let sent = batch.into_iter().map(|(id, seq, _)| (id, seq)).collect();
            return self.push_docs(docs, sent, last, more);
        }
        let mut map = Map::new();
        for (id, _, revs) in &batch {
            map.insert(id.clone(), Value::from(revs.clone()));
        }
        let r = self
            .req(Method::Post, db_path(&self.remote.db, "_revs_diff"))
            .json(Value::Object(map));
        self.stage = Stage::PushRevsDiff { batch, last, more };
        self.send(r)
    }

    fn checkpoint_push(&mut self, seq: u64, more: bool) -> Step {
        let start = json!(self.push_start);
        let log = next_log(
            self.remote_log.as_ref(),
            &self.session,
            &start,
            &json!(seq),
            self.push_written,
            self.push_written,
        );
        let r = self.put_log(&self.push_rid.clone(), log);
        self.stage = Stage::PushCheckpoint { seq, more };
        self.send(r)
    }

    fn put_log(&self, rid: &str, mut log: Value) -> Request {
        let id = format!("_local/{rid}");
        log["_id"] = json!(id);
        if let Some(rev) = self.remote_log.as_ref().and_then(|l| l.get("_rev")) {
            log["_rev"] = rev.clone();
        }
        self.req(Method::Put, doc_path(&self.remote.db, &id))
            .json(log)
    }

    /// After the server stored a checkpoint: the same log on the local side, and the server's
    /// new `_rev` for the next one.
    fn save_local_log(
        &mut self,
        replica: &mut Replica,
        rid: &str,
        answer: Value,
        start: &Value,
        seq: &Value,
        n: usize,
    ) {
        let mut log = next_log(self.remote_log.as_ref(), &self.session, start, seq, n, n);
        replica.set_log(rid, log.clone());
        if let Some(rev) = answer.get("rev") {
            log["_rev"] = rev.clone();
        }
        if rid == self.pull_rid {
            self.pull_log = Some(Some(log.clone()));
        } else {
            self.push_log = Some(Some(log.clone()));
        }
        self.remote_log = Some(log);
    }
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let t: String = text.chars().take(120).collect();
    t.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_and_status_lines() {
        let p = Progress {
            pulling: true,
            done: 120,
            total: 4_032,
        };
        assert_eq!(p.label(), "Syncing 120 of 4,032");
        assert_eq!(status_line(false, 3), "Offline — 3 changes waiting");
        assert_eq!(status_line(false, 1), "Offline — 1 change waiting");
        assert_eq!(status_line(true, 0), "Synced");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn checkpoints_compare_by_session() {
        let a = next_log(None, "s1", &json!(0), &json!(10), 1, 1);
        let b = next_log(Some(&a), "s2", &json!(10), &json!(20), 1, 1);
        // Same last session: its seq.
        assert_eq!(start_checkpoint(Some(&b), Some(&b)), Some(json!(20)));
        // The target missed s2's last write: the latest shared session.
        assert_eq!(start_checkpoint(Some(&b), Some(&a)), Some(json!(10)));
        assert_eq!(start_checkpoint(Some(&b), None), None);
        let other = next_log(None, "zz", &json!(0), &json!(5), 1, 1);
        assert_eq!(start_checkpoint(Some(&b), Some(&other)), None);
        // Per server and database.
        assert_ne!(
            replication_id("r", "https://a.example", "db", "pull"),
            replication_id("r", "https://b.example", "db", "pull")
        );
        assert_eq!(
            replication_id("r", "https://A.example/", "db", "pull"),
            replication_id("r", "https://a.example", "db", "pull")
        );
    }

    fn expect_send(step: Step) -> Request {
        match step {
            Step::Send(r) => r,
            other => panic!("expected a request, got {other:?}"),
        }
    }

    /// Scripted answers (the sans-IO engine needs no server): a checkpoint PUT whose first try
    /// was stored but whose answer was lost meets 409; the engine reads the log again and
    /// writes it with the current `_rev`. An answer of the wrong shape is retried from the
    /// same stage.
    #[test]
    fn a_checkpoint_conflict_rereads_the_log_and_a_wrong_shape_is_retried() {
        let mut replica = Replica::new("r");
        let mut body = Map::new();
        body.insert("modified".into(), json!(1));
        let rev = replica.put("x", Some(body), Map::new()).unwrap();
        let remote = Remote {
            server: "http://h".into(),
            db: "db".into(),
            auth: Auth::Cookie("c".into()),
        };
        let mut sync = Sync::new(
            remote,
            Options {
                pull: false,
                ..Options::default()
            },
        );
        let r = expect_send(sync.start(&mut replica));
        assert_eq!((r.method, r.path.as_str()), (Method::Get, "/db"));
        assert_eq!(r.header("cookie"), Some("AuthSession=c"));
        // Wrong shape: retried, from the same stage.
        let step = sync.handle(&mut replica, Response::new(200, r#"{"ok":true}"#));
        assert!(
            matches!(
                step,
                Step::Retry {
                    attempt: 1,
                    after_ms: 1_000,
                    error: SyncError::Garbage { .. }
                }
            ),
            "{step:?}"
        );
        assert_eq!(expect_send(sync.retry()), r);
        let r = expect_send(sync.handle(&mut replica, Response::new(200, r#"{"update_seq":0}"#)));
        assert!(r.path.starts_with("/db/_local/"));
        let r =
            expect_send(sync.handle(&mut replica, Response::new(404, r#"{"error":"not_found"}"#)));
        assert_eq!(r.path, "/db/_revs_diff");
        let diff = format!(r#"{{"x":{{"missing":["{rev}"]}}}}"#);
        let r = expect_send(sync.handle(&mut replica, Response::new(200, diff)));
        assert_eq!(r.path, "/db/_bulk_docs");
        assert_eq!(r.body.as_ref().unwrap()["new_edits"], json!(false));
        let put = expect_send(sync.handle(&mut replica, Response::new(201, "[]")));
        assert_eq!(put.method, Method::Put);
        assert!(put.body.as_ref().unwrap().get("_rev").is_none());
        let get =
            expect_send(sync.handle(&mut replica, Response::new(409, r#"{"error":"conflict"}"#)));
        assert_eq!((get.method, &get.path), (Method::Get, &put.path));
        let stored =
            r#"{"_id":"_local/x","_rev":"0-1","session_id":"s","source_last_seq":1,"history":[]}"#;
        let put2 = expect_send(sync.handle(&mut replica, Response::new(200, stored)));
        assert_eq!(put2.body.as_ref().unwrap()["_rev"], json!("0-1"));
        let done = sync.handle(
            &mut replica,
            Response::new(201, r#"{"ok":true,"rev":"0-2"}"#),
        );
        let Step::Done(report) = done else {
            panic!("{done:?}")
        };
        assert_eq!(report.pushed, 1);
        assert_eq!(replica.pending_changes(), 0);
        assert!(
            matches!(sync.retry(), Step::Failed(_)),
            "nothing to retry after the end"
        );
    }
}
