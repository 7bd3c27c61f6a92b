//! Two "devices" (two replicas) syncing through a real pouchdb-server, over real HTTP.

mod common;

use common::*;
use marginalia_core::library::{Entry, StoredText};
use marginalia_core::markdown::DocFormat;
use marginalia_core::storage::anchor_all;
use marginalia_core::time::Timestamp;
use marginalia_sync::mapping::annotation_id;
use marginalia_sync::{
    sign_in_request, sign_in_response, user_db_name, Auth, Incoming, Method, Options, Replica,
    Step, SyncError,
};
use serde_json::{json, Value};

const DOC: &str = "fox";

fn server_doc(s: &Server, db: &str, id: &str) -> Value {
    let path = marginalia_sync::http::doc_path(db, id);
    s.admin(Method::Get, &format!("{path}?conflicts=true"), None)
        .1
}

fn live_ids(r: &Replica) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = r
        .annotations(DOC)
        .into_iter()
        .map(|a| (a.id, a.note))
        .collect();
    v.sort();
    v
}

/// No server: what a removal from the library records.
#[test]
fn removing_a_document_deletes_its_annotations_entry_and_text() {
    let mut a = Replica::new("device-a");
    a.put_library_entry(&Entry {
        id: DOC.into(),
        title: "Fox".into(),
        file_name: "fox.txt".into(),
        annotations: 2,
        last_opened: Timestamp::from_millis(500),
        url: None,
    });
    a.put_text(
        &StoredText {
            id: DOC.into(),
            file_name: "fox.txt".into(),
            format: DocFormat::Plain,
            text: "The quick brown fox jumps over the lazy dog.".into(),
            info: Default::default(),
        },
        "Fox",
        Timestamp::from_millis(500),
    );
    a.put_annotation(DOC, &annotation("urn:uuid:1", "kept", 2_000));
    a.put_annotation("other-doc", &annotation("urn:uuid:3", "elsewhere", 2_000));
    a.remove_document(
        DOC,
        ["urn:uuid:1".to_string()],
        Timestamp::from_millis(3_000),
    );
    assert_eq!(live_ids(&a), []);
    assert!(a.library().is_empty());
    assert!(a.text(DOC).is_none());
    assert!(a
        .get(&annotation_id(DOC, "urn:uuid:1"))
        .unwrap()
        .is_deleted());
    assert_eq!(a.annotations("other-doc").len(), 1);
    // Again: nothing new to send.
    let pending = a.pending_changes();
    a.remove_document(DOC, [], Timestamp::from_millis(4_000));
    assert_eq!(a.pending_changes(), pending);
}

#[test]
fn created_on_a_appears_on_b_with_its_text_and_anchors_there() {
    let Some(s) = Server::start(false) else {
        return;
    };
    s.create_db("m");
    let remote = s.remote("m");
    let mut a = Replica::new("device-a");
    let mut b = Replica::new("device-b");
    let text = StoredText {
        id: DOC.into(),
        file_name: "fox.txt".into(),
        format: DocFormat::Plain,
        text: "The quick brown fox jumps over the lazy dog.".into(),
        info: Default::default(),
    };
    a.put_text(&text, "Fox", Timestamp::from_millis(500));
    a.put_library_entry(&Entry {
        id: DOC.into(),
        title: "Fox".into(),
        file_name: "fox.txt".into(),
        annotations: 1,
        last_opened: Timestamp::from_millis(500),
        url: None,
    });
    a.put_annotation(DOC, &annotation("urn:uuid:1", "hello", 2_000));
    assert_eq!(a.pending_changes(), 3);
    let ra = sync_ok(&remote, &mut a);
    assert_eq!((ra.pushed, a.pending_changes()), (3, 0));

    let rb = sync_ok(&remote, &mut b);
    assert_eq!(rb.pulled, 3);
    let incoming = b.take_incoming();
    assert_eq!(incoming.len(), 3, "{incoming:?}");
    assert!(incoming.iter().any(
        |i| matches!(i, Incoming::Annotation { annotation, .. } if annotation.note == "hello")
    ));
    // The annotation anchors on B, against the text that came with it.
    let (title, text_b) = b.text(DOC).expect("text synced");
    assert_eq!(title, "Fox");
    let document = text_b.to_document().expect("parses");
    let mut anns = b.annotations(DOC);
    anchor_all(&document, &mut anns);
    assert!(anns[0].anchor.is_some(), "anchors on B");
    assert_eq!(b.library()[0].title, "Fox");

    // A third device without _bulk_get (one GET with open_revs per document) gets the same.
    let mut c = Replica::new("device-c");
    let run = drive(
        &remote,
        Options {
            bulk_get: false,
            ..Options::default()
        },
        &mut c,
        |_| Hook::Go,
    );
    assert!(matches!(run.end, Step::Done(_)), "{:?}", run.end);
    assert!(run
        .requests
        .iter()
        .any(|r| r.query.iter().any(|(k, _)| k == "open_revs")));
    assert!(!run.requests.iter().any(|r| r.path.ends_with("_bulk_get")));
    assert_eq!(live_ids(&c), live_ids(&b));

    // A second run with nothing new starts from the checkpoints, not from zero.
    let again = sync_ok(&remote, &mut b);
    assert_eq!((again.pulled, again.pushed), (0, 0));
    assert_ne!(again.pull_started_at, json!(0));
}

#[test]
fn offline_edits_to_different_annotations_merge() {
    let Some(s) = Server::start(false) else {
        return;
    };
    s.create_db("m");
    let remote = s.remote("m");
    let (mut a, mut b) = (Replica::new("a"), Replica::new("b"));
    a.put_annotation(DOC, &annotation("urn:uuid:1", "one", 1_000));
    a.put_annotation(DOC, &annotation("urn:uuid:2", "two", 1_000));
    sync_ok(&remote, &mut a);
    sync_ok(&remote, &mut b);
    // Both offline: A edits 1, B edits 2 and creates 3.
    a.put_annotation(DOC, &annotation("urn:uuid:1", "one, edited on A", 5_000));
    b.put_annotation(DOC, &annotation("urn:uuid:2", "two, edited on B", 6_000));
    b.put_annotation(DOC, &annotation("urn:uuid:3", "three", 6_000));
    assert_eq!(
        marginalia_sync::status_line(false, b.pending_changes()),
        "Offline — 2 changes waiting"
    );
    sync_ok(&remote, &mut a);
    sync_ok(&remote, &mut b);
    sync_ok(&remote, &mut a);
    let want = vec![
        ("urn:uuid:1".to_string(), "one, edited on A".to_string()),
        ("urn:uuid:2".to_string(), "two, edited on B".to_string()),
        ("urn:uuid:3".to_string(), "three".to_string()),
    ];
    assert_eq!(live_ids(&a), want);
    assert_eq!(live_ids(&b), want);
    assert_eq!((a.pending_changes(), b.pending_changes()), (0, 0));
}

#[test]
fn same_annotation_edited_on_both_converges_to_the_later_edit() {
    let Some(s) = Server::start(false) else {
        return;
    };
    s.create_db("m");
    let remote = s.remote("m");
    let (mut a, mut b) = (Replica::new("a"), Replica::new("b"));
    a.put_annotation(DOC, &annotation("urn:uuid:1", "first", 1_000));
    sync_ok(&remote, &mut a);
    sync_ok(&remote, &mut b);
    // Offline on both; B's edit is the later one, but A syncs last.
    b.put_annotation(DOC, &annotation("urn:uuid:1", "later, on B", 9_000));
    a.put_annotation(DOC, &annotation("urn:uuid:1", "earlier, on A", 5_000));
    sync_ok(&remote, &mut b);
    let ra = sync_ok(&remote, &mut a);
    assert_eq!(ra.resolved, 1, "A resolved the conflict it pulled");
    sync_ok(&remote, &mut b);
    let want = vec![("urn:uuid:1".to_string(), "later, on B".to_string())];
    assert_eq!(live_ids(&a), want);
    assert_eq!(live_ids(&b), want);
    // On the server: one document, the later edit, no conflict left.
    let doc = server_doc(&s, "m", &annotation_id(DOC, "urn:uuid:1"));
    assert_eq!(doc["annotation"]["note"], "later, on B");
    assert!(doc.get("_conflicts").is_none(), "{doc}");
    let (_, info) = s.admin(Method::Get, "/m", None);
    assert_eq!(info["doc_count"], 1);
    // A's incoming told the app about B's version.
    assert!(a.take_incoming().iter().any(
        |i| matches!(i, Incoming::Annotation { annotation, .. } if annotation.note == "later, on B")
    ));
}

#[test]
fn the_device_that_lost_a_conflict_resolved_elsewhere_is_told_the_winner_only() {
    let Some(s) = Server::start(false) else {
        return;
    };
    s.create_db("m");
    let remote = s.remote("m");
    let (mut a, mut b) = (Replica::new("a"), Replica::new("b"));
    a.put_annotation(DOC, &annotation("urn:uuid:1", "first", 1_000));
    sync_ok(&remote, &mut a);
    sync_ok(&remote, &mut b);
    a.take_incoming();
    // Offline on both; A syncs first, then B resolves the conflict (B's later edit wins, A's
    // branch gets a deletion) and pushes both; then A pulls the two in one answer.
    a.put_annotation(DOC, &annotation("urn:uuid:1", "earlier, on A", 5_000));
    b.put_annotation(DOC, &annotation("urn:uuid:1", "later, on B", 9_000));
    sync_ok(&remote, &mut a);
    assert_eq!(sync_ok(&remote, &mut b).resolved, 1);
    sync_ok(&remote, &mut a);
    // The deletion of A's branch alone would read as the annotation's removal: the app is told
    // only where it ended, B's edit.
    let incoming = a.take_incoming();
    assert_eq!(incoming.len(), 1, "{incoming:?}");
    assert!(
        matches!(&incoming[0], Incoming::Annotation { annotation, .. } if annotation.note == "later, on B")
    );
    assert_eq!(
        live_ids(&a),
        vec![("urn:uuid:1".to_string(), "later, on B".to_string())]
    );
}

#[test]
fn edit_against_deletion_the_later_one_wins() {
    let Some(s) = Server::start(false) else {
        return;
    };
    s.create_db("m");
    let remote = s.remote("m");
    let (mut a, mut b) = (Replica::new("a"), Replica::new("b"));
    a.put_annotation(DOC, &annotation("urn:uuid:old-edit", "x", 1_000));
    a.put_annotation(DOC, &annotation("urn:uuid:new-edit", "y", 1_000));
    sync_ok(&remote, &mut a);
    sync_ok(&remote, &mut b);
    // 1: B edits at 3 s, A deletes at 4 s → the deletion wins (the edit is not later).
    b.put_annotation(
        DOC,
        &annotation("urn:uuid:old-edit", "edited before the deletion", 3_000),
    );
    a.delete_annotation(DOC, "urn:uuid:old-edit", Timestamp::from_millis(4_000));
    // 2: A deletes at 4 s, B edits at 8 s → the edit wins, the annotation stays.
    a.delete_annotation(DOC, "urn:uuid:new-edit", Timestamp::from_millis(4_000));
    b.put_annotation(
        DOC,
        &annotation("urn:uuid:new-edit", "edited after the deletion", 8_000),
    );
    for _ in 0..2 {
        sync_ok(&remote, &mut a);
        sync_ok(&remote, &mut b);
    }
    let want = vec![(
        "urn:uuid:new-edit".to_string(),
        "edited after the deletion".to_string(),
    )];
    assert_eq!(live_ids(&a), want);
    assert_eq!(live_ids(&b), want);
    // What each app is told: B that its edited annotation went, A that its deleted one is back.
    let removed = Incoming::AnnotationRemoved {
        doc: DOC.into(),
        id: "urn:uuid:old-edit".into(),
    };
    assert!(b.take_incoming().contains(&removed));
    assert!(a.take_incoming().iter().any(|i| matches!(i,
        Incoming::Annotation { annotation, .. } if annotation.id == "urn:uuid:new-edit")));
    let deleted = server_doc(&s, "m", &annotation_id(DOC, "urn:uuid:old-edit"));
    assert_eq!(deleted["error"], "not_found", "{deleted}");
    let kept = server_doc(&s, "m", &annotation_id(DOC, "urn:uuid:new-edit"));
    assert!(kept.get("_conflicts").is_none(), "{kept}");
    assert_eq!(kept["annotation"]["note"], "edited after the deletion");
}

#[test]
fn conflicts_made_on_the_server_are_resolved_and_losers_deleted() {
    let Some(s) = Server::start(false) else {
        return;
    };
    s.create_db("m");
    let remote = s.remote("m");
    let id = annotation_id(DOC, "urn:uuid:c");
    let body = |note: &str, modified: i64| {
        json!({"type": "annotation", "doc": DOC, "modified": modified,
               "annotation": serde_json::to_value(annotation("urn:uuid:c", note, modified)).unwrap()})
    };
    // Two branches from one root, written as another replicator would (new_edits: false).
    let mut root = body("root", 1_000);
    root["_id"] = json!(id);
    root["_rev"] = json!("1-aaa");
    let mut left = body("left, later", 7_000);
    left["_id"] = json!(id);
    left["_rev"] = json!("2-bbb");
    left["_revisions"] = json!({"start": 2, "ids": ["bbb", "aaa"]});
    let mut right = body("right, earlier but a longer branch", 6_000);
    right["_id"] = json!(id);
    right["_rev"] = json!("3-ddd");
    right["_revisions"] = json!({"start": 3, "ids": ["ddd", "ccc", "aaa"]});
    let docs = json!({"docs": [root, left, right], "new_edits": false}).to_string();
    let (st, _) = s.admin(Method::Post, "/m/_bulk_docs", Some(&docs));
    assert_eq!(st, 201);
    let before = server_doc(&s, "m", &id);
    assert_eq!(
        before["_conflicts"],
        json!(["2-bbb"]),
        "CouchDB's winner is the longer branch"
    );

    // Device C pulls the conflict and resolves it, but goes offline before pushing.
    let mut c = Replica::new("c");
    let pull_only = Options {
        push: false,
        ..Options::default()
    };
    let run = drive(&remote, pull_only, &mut c, |_| Hook::Go);
    assert!(matches!(run.end, Step::Done(ref r) if r.resolved == 1));
    assert_eq!(c.pending_changes(), 1);

    let mut a = Replica::new("a");
    let report = sync_ok(&remote, &mut a);
    assert_eq!(report.resolved, 1);
    assert_eq!(
        live_ids(&a),
        vec![("urn:uuid:c".into(), "left, later".into())]
    );
    // C's resolution, made on its own, is the same revision as A's: nothing new to send.
    let rc = sync_ok(&remote, &mut c);
    assert_eq!((rc.pushed, rc.resolved), (0, 0));
    assert_eq!(c.pending_changes(), 0);
    assert_eq!(live_ids(&c), live_ids(&a));
    let after = server_doc(&s, "m", &id);
    assert!(after.get("_conflicts").is_none(), "{after}");
    assert_eq!(after["annotation"]["note"], "left, later");
    // The loser is a deleted revision now, not gone from history.
    let (_, leaves) = s.admin(
        Method::Get,
        &format!(
            "{}?open_revs=all",
            marginalia_sync::http::doc_path("m", &id)
        ),
        None,
    );
    let leaves = leaves.as_array().cloned().unwrap_or_default();
    let live = leaves
        .iter()
        .filter(|l| l["ok"]["_deleted"] != json!(true))
        .count();
    assert_eq!((leaves.len(), live), (2, 1), "{leaves:?}");

    // Another device pulls the resolved state: no conflict, same winner, nothing to resolve.
    let mut b = Replica::new("b");
    let rb = sync_ok(&remote, &mut b);
    assert_eq!(rb.resolved, 0);
    assert_eq!(live_ids(&b), live_ids(&a));
}

#[test]
fn server_killed_mid_push_and_mid_pull_resumes_from_checkpoints() {
    // LevelDB files in a directory, so a restarted server has what it stored before the kill.
    let Some(mut s) = Server::start(true) else {
        return;
    };
    s.create_db("m");
    let remote = s.remote("m");
    let mut a = Replica::new("a");
    for i in 0..2_000 {
        a.put_annotation(
            DOC,
            &annotation(&format!("urn:uuid:{i:05}"), &format!("n{i}"), 1_000 + i),
        );
    }
    let opts = Options {
        batch_size: 100,
        ..Options::default()
    };

    // Push: the 6th batch reaches the server, which dies before answering (here: the batch is
    // delivered by hand, then the server is killed and the engine's own request is refused).
    // The engine backs off and retries until it gives up: offline.
    let mut batches = 0;
    let url = s.url();
    let run = drive(&remote, opts.clone(), &mut a, |r| {
        if r.path.ends_with("_bulk_docs") {
            batches += 1;
            if batches == 6 {
                let stored = send(&url, r).expect("the 6th batch is stored");
                assert_eq!(stored.status, 201);
                s.kill();
            }
        }
        Hook::Go
    });
    let Step::Failed(SyncError::Offline(_)) = &run.end else {
        panic!("{:?}", run.end)
    };
    assert_eq!(run.retries.len(), 5, "backed off 5 times, then gave up");
    // The app closes; what it saved is all it has when it opens again.
    let mut store_a = Store::default();
    store_a.save(&mut a);
    let mut a = store_a.load();
    s.restart();
    assert_eq!(a.pending_changes(), 1_500);
    let run = drive(&remote, opts.clone(), &mut a, |_| Hook::Go);
    let last = run.progress.last().unwrap();
    assert_eq!(last.label(), "Syncing 1,500 of 1,500");
    let Step::Done(report) = &run.end else {
        panic!("{:?}", run.end)
    };
    assert_eq!(
        report.push_started_at, 500,
        "resumed after the 5 checkpointed batches"
    );
    let diffed: usize = run
        .requests
        .iter()
        .filter(|r| r.path.ends_with("_revs_diff"))
        .map(|r| {
            r.body
                .as_ref()
                .and_then(Value::as_object)
                .map_or(0, |m| m.len())
        })
        .sum();
    assert_eq!(diffed, 1_500, "no document compared twice");
    assert_eq!(
        report.pushed, 1_400,
        "the 6th batch was on the server already"
    );
    assert_eq!(a.pending_changes(), 0);
    let (_, info) = s.admin(Method::Get, "/m", None);
    assert_eq!(info["doc_count"], 2_000);

    // Pull on B: the server dies after 7 batches were fetched and checkpointed.
    let mut b = Replica::new("b");
    let mut fetched = 0;
    let run = drive(&remote, opts.clone(), &mut b, |r| {
        if r.path.ends_with("_bulk_get") {
            fetched += 1;
            if fetched == 8 {
                s.kill();
            }
        }
        Hook::Go
    });
    let Step::Failed(SyncError::Offline(_)) = &run.end else {
        panic!("{:?}", run.end)
    };
    assert_eq!(b.annotations(DOC).len(), 700);
    assert!(run
        .progress
        .iter()
        .any(|p| p.pulling && p.label() == "Syncing 700 of 2,000"));
    let mut store_b = Store::default();
    store_b.save(&mut b);
    let mut b = store_b.load();
    s.restart();
    let run = drive(&remote, opts, &mut b, |_| Hook::Go);
    let Step::Done(report) = &run.end else {
        panic!("{:?}", run.end)
    };
    assert_ne!(report.pull_started_at, json!(0));
    let first_since = run
        .requests
        .iter()
        .find(|r| r.path.ends_with("_changes"))
        .and_then(|r| r.query.iter().find(|(k, _)| k == "since"))
        .map(|(_, v)| v.clone());
    assert_ne!(
        first_since.as_deref(),
        Some("0"),
        "the pull did not start again from 0"
    );
    assert_eq!(report.pulled, 1_300);
    // Nothing is sent back; only the 700 pulled by the abandoned run are compared, not the
    // 1,300 this run pulled.
    assert_eq!(report.pushed, 0);
    let diffed: usize = run
        .requests
        .iter()
        .filter(|r| r.path.ends_with("_revs_diff"))
        .map(|r| {
            r.body
                .as_ref()
                .and_then(Value::as_object)
                .map_or(0, |m| m.len())
        })
        .sum();
    assert_eq!(diffed, 700);
    let mut anns = b.annotations(DOC);
    anns.sort_by(|x, y| x.id.cmp(&y.id));
    anns.dedup_by(|x, y| x.id == y.id);
    assert_eq!(anns.len(), 2_000, "nothing lost, nothing twice");
    assert_eq!(b.len(), 2_000);
    assert!(b.docs().all(|d| d.leaves().len() == 1), "no conflict made");
}

#[test]
fn sign_in_users_and_security() {
    let Some(s) = Server::start(false) else {
        return;
    };
    // Leave "admin party": one server admin, then users and a database only alice may use.
    let (st, _) = s.admin(Method::Put, "/_config/admins/admin", Some("\"secret\""));
    assert_eq!(st, 200);
    let basic = [("Authorization", "Basic YWRtaW46c2VjcmV0")]; // admin:secret
    for (name, pw) in [("alice", "alice-pw"), ("bob", "bob-pw")] {
        let user = json!({"name": name, "password": pw, "roles": [], "type": "user"}).to_string();
        let path = marginalia_sync::auth::user_doc_path(name);
        let (st, v) = s.admin_with(Method::Put, &path, Some(&user), &basic);
        assert_eq!(st, 201, "{v}");
    }
    let db = user_db_name("alice");
    let (st, _) = s.admin_with(Method::Put, &format!("/{db}"), None, &basic);
    assert_eq!(st, 201);
    let security = json!({"admins": {"names": ["alice"], "roles": []},
                          "members": {"names": ["alice"], "roles": []}})
    .to_string();
    let (st, _) = s.admin_with(
        Method::Put,
        &format!("/{db}/_security"),
        Some(&security),
        &basic,
    );
    assert_eq!(st, 200);

    let sign_in = |name: &str, pw: &str| {
        let resp = send(&s.url(), &sign_in_request(name, pw)).expect("answer");
        sign_in_response(&resp)
    };
    // Wrong password: a clear error; nothing else happened.
    assert_eq!(sign_in("alice", "nope"), Err(SyncError::WrongPassword));

    let alice = sign_in("alice", "alice-pw").expect("alice signs in");
    let cookie = alice.cookie.clone().expect("AuthSession cookie");
    let mut a = Replica::new("a");
    a.put_annotation(DOC, &annotation("urn:uuid:1", "mine", 1_000));
    let remote = |auth: Auth| marginalia_sync::Remote {
        server: s.url(),
        db: db.clone(),
        auth,
    };
    sync_ok(&remote(Auth::Cookie(cookie)), &mut a);
    assert_eq!(a.pending_changes(), 0);

    // Bob is signed in, but this is not his database.
    let bob = sign_in("bob", "bob-pw").expect("bob signs in");
    let mut b = Replica::new("b");
    let run = drive(
        &remote(Auth::Cookie(bob.cookie.unwrap())),
        Options::default(),
        &mut b,
        |_| Hook::Go,
    );
    assert_eq!(run.end, Step::Failed(SyncError::NotYours));
    assert!(b.is_empty());
    // A database that does not exist.
    let mut missing = remote(Auth::None);
    missing.db = "no-such-db".into();
    let run = drive(&missing, Options::default(), &mut b, |_| Hook::Go);
    assert_eq!(run.end, Step::Failed(SyncError::NoDatabase));
    // A session the server no longer knows, and no session at all.
    for auth in [Auth::Cookie("bogus".into()), Auth::None] {
        let run = drive(&remote(auth), Options::default(), &mut b, |_| Hook::Go);
        assert_eq!(run.end, Step::Failed(SyncError::SignInExpired));
        assert!(run.retries.is_empty(), "no retry on an auth error");
    }
    // CORS for a web app on another origin, with credentials (the cookie), as the README asks.
    for (path, value) in [
        ("httpd/enable_cors", "\"true\""),
        ("cors/origins", "\"https://app.example\""),
        ("cors/credentials", "\"true\""),
        ("cors/headers", "\"accept, content-type, origin\""),
    ] {
        let (st, _) = s.admin_with(
            Method::Put,
            &format!("/_config/{path}"),
            Some(value),
            &basic,
        );
        assert_eq!(st, 200, "{path}");
    }
    let pre = raw(
        Method::Get,
        &format!("{}/{db}", s.url()),
        None,
        &[("Origin", "https://app.example")],
    )
    .unwrap();
    assert_eq!(
        pre.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(pre.header("access-control-allow-credentials"), Some("true"));
    let other = raw(
        Method::Get,
        &format!("{}/", s.url()),
        None,
        &[("Origin", "https://other.example")],
    )
    .unwrap();
    assert_eq!(other.header("access-control-allow-origin"), None);
    assert_eq!(
        SyncError::NotYours.to_string(),
        "This database is not yours: the server does not let this account use it"
    );
}

#[test]
fn a_long_poll_from_the_checkpoint_answers_when_the_other_device_pushes() {
    use marginalia_sync::{watch_request, watch_response, Watched};
    let Some(s) = Server::start(false) else {
        return;
    };
    s.create_db("w");
    let remote = s.remote("w");
    let mut a = Replica::new("device-a");
    let mut b = Replica::new("device-b");
    a.put_annotation(DOC, &annotation("urn:uuid:1", "first", 1_000));
    sync_ok(&remote, &mut a);
    let since = sync_ok(&remote, &mut b).pull_seq;
    assert_ne!(since, Value::Null);

    // A waits on the server (nothing new: it holds the request); B pushes a change: A's poll
    // answers at once, long before its timeout. (pouchdb-server holds a long poll until a
    // change whatever the `timeout`; CouchDB answers with no results after it: the app also
    // ends the request itself.)
    let (server, req) = (
        remote.server.clone(),
        watch_request(&remote, &since, 20_000, 100),
    );
    let waiting = std::thread::spawn(move || send(&server, &req));
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert!(
        !waiting.is_finished(),
        "nothing changed: the server holds the poll"
    );
    let started = std::time::Instant::now();
    b.put_annotation(DOC, &annotation("urn:uuid:2", "second", 2_000));
    sync_ok(&remote, &mut b);
    let answer = waiting.join().unwrap().expect("answer");
    assert!(matches!(watch_response(&answer), Ok(Watched::Changed(_))));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    // The run it starts brings the change; from its checkpoint the poll waits again.
    let report = sync_ok(&remote, &mut a);
    assert_eq!(report.pulled, 1);
    let (server, req) = (
        remote.server.clone(),
        watch_request(&remote, &report.pull_seq, 20_000, 100),
    );
    let waiting = std::thread::spawn(move || send(&server, &req));
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        !waiting.is_finished(),
        "from the checkpoint, nothing is new"
    );
    // (The thread ends with the server, when the test drops it.)
}

/// The path of a request after the database: `_changes`, `_local`, `_bulk_get` ….
fn what(r: &marginalia_sync::Request) -> String {
    let tail = r.path.splitn(3, '/').nth(2).unwrap_or("");
    let tail = if tail.starts_with("_local/") {
        "_local"
    } else {
        tail
    };
    format!("{} {tail}", r.method.as_str())
}

#[test]
fn further_passes_go_on_from_the_checkpoints_and_the_long_polls_answer_is_the_pulls_page() {
    use marginalia_sync::{watch_request, watch_response, Pass, Sync, Watched};
    let Some(s) = Server::start(false) else {
        return;
    };
    s.create_db("live");
    let remote = s.remote("live");
    let opts = Options::default();
    let mut a = Replica::new("device-a");
    let mut b = Replica::new("device-b");
    a.put_annotation(DOC, &annotation("urn:uuid:1", "first", 1_000));
    // Both devices' first runs, kept.
    let mut sync_a = Sync::new(remote.clone(), opts.clone());
    let first = sync_a.start(&mut a);
    drive_kept(&remote, &mut sync_a, &mut a, first);
    let mut sync_b = Sync::new(remote.clone(), opts.clone());
    let first = sync_b.start(&mut b);
    let (report_b, _) = drive_kept(&remote, &mut sync_b, &mut b, first);
    assert!(sync_a.can_go_on() && sync_b.can_go_on());
    assert_eq!(live_ids(&b).len(), 1);
    let _ = b.take_incoming();

    // A records a change; its push-only pass sends it (a few changes made here: without asking
    // `_revs_diff` first), and its checkpoint.
    a.put_annotation(DOC, &annotation("urn:uuid:2", "second", 2_000));
    let step = sync_a.next_pass(&mut a, Pass::Push);
    let (report, requests) = drive_kept(&remote, &mut sync_a, &mut a, step);
    assert_eq!(
        requests.iter().map(what).collect::<Vec<_>>(),
        ["POST _bulk_docs", "PUT _local"]
    );
    assert_eq!(report.pushed, 1);
    assert_eq!(a.pending_changes(), 0);

    // B's long poll (from its checkpoint, a page of the pull's size) answers with the change;
    // its pass takes that page as the pull's: the documents, then the checkpoint, and nothing
    // to push (what it pulled needs no push, and its checkpoint moves in memory).
    let since = report_b.pull_seq.clone();
    let answer = send(
        &remote.server,
        &watch_request(&remote, &since, 10_000, opts.batch_size),
    )
    .expect("an answer");
    let Ok(Watched::Changed(page)) = watch_response(&answer) else {
        panic!("expected a change")
    };
    let step = sync_b.next_pass(
        &mut b,
        Pass::PullPush {
            changes: Some((since.clone(), page.clone())),
        },
    );
    // The fetch comes before any checkpoint vouches for it.
    let mut pulled_all = vec![sync_b.pulled_all()];
    let (report, requests) = drive_kept_seeing(&remote, &mut sync_b, &mut b, step, |s| {
        pulled_all.push(s.pulled_all())
    });
    assert_eq!(
        requests.iter().map(what).collect::<Vec<_>>(),
        ["POST _bulk_get", "PUT _local"]
    );
    // Before the fetch: not yet; once it is stored (the checkpoint next): all pulled.
    assert_eq!(pulled_all, [false, true, true]);
    assert_eq!(report.pulled, 1);
    assert_ne!(report.pull_seq, since);
    assert_eq!(b.take_incoming().len(), 1);
    assert_eq!(live_ids(&b).len(), 2);

    // A's own change comes back through its long poll: nothing to fetch, nothing to push, no
    // request; from the new sequence the poll has nothing.
    let since_a = sync_a_pull_seq(&remote, &mut sync_a, &mut a);
    let answer = send(
        &remote.server,
        &watch_request(&remote, &since_a, 10_000, opts.batch_size),
    )
    .expect("an answer");
    let Ok(Watched::Changed(own)) = watch_response(&answer) else {
        panic!("expected its own change")
    };
    let step = sync_a.next_pass(
        &mut a,
        Pass::PullPush {
            changes: Some((since_a.clone(), own)),
        },
    );
    let (report, requests) = drive_kept(&remote, &mut sync_a, &mut a, step);
    assert!(requests.is_empty(), "{requests:?}");
    let since_now = match &report.pull_seq {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let (_, left) = s.admin(
        Method::Get,
        &format!("/{}/_changes?since={since_now}", remote.db),
        None,
    );
    assert_eq!(left["results"], json!([]), "{left}");

    // A page from elsewhere than where the pull stands is not used: the pull asks for its own.
    let step = sync_b.next_pass(
        &mut b,
        Pass::PullPush {
            changes: Some((json!(0), page)),
        },
    );
    let (_, requests) = drive_kept(&remote, &mut sync_b, &mut b, step);
    assert_eq!(
        requests.iter().map(what).collect::<Vec<_>>(),
        ["GET _changes"]
    );

    // After a reload (fresh runs from the checkpoints on the server), both are in step.
    for r in [&mut a, &mut b] {
        let report = sync_ok(&remote, r);
        assert_eq!((report.pulled, report.pushed), (0, 0));
        assert_eq!(r.pending_changes(), 0);
    }
    assert_eq!(live_ids(&a), live_ids(&b));
}

/// The pull sequence a kept run stands at (a pass with nothing to do tells it).
fn sync_a_pull_seq(
    remote: &marginalia_sync::Remote,
    sync: &mut marginalia_sync::Sync,
    r: &mut Replica,
) -> Value {
    let step = sync.next_pass(r, marginalia_sync::Pass::Push);
    let (report, requests) = drive_kept(remote, sync, r, step);
    assert!(requests.is_empty(), "nothing to push: {requests:?}");
    report.pull_seq
}
