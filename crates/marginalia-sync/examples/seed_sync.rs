//! Fills a user's database for the sync benchmark (`bench/sync/`): the app's own engine records
//! N annotations spread over the bundled article (the native benchmarks' deterministic
//! generator, `marginalia-core/benches/common`) and pushes them, signed in as the user, with the
//! tests' blocking driver (ureq). Prints one JSON line: documents pushed, requests, time.
//!
//! `cargo run --release -p marginalia-sync --example seed_sync -- <server> <name> <password> [n]`

#[path = "../tests/common/mod.rs"]
mod driver;
#[path = "../../marginalia-core/benches/common/mod.rs"]
mod gen;

use marginalia_sync::{
    sign_in_request, sign_in_response, user_db_name, Auth, Options, Remote, Replica, Step,
};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server, name, password] = [&args[0], &args[1], &args[2]];
    let n: usize = args.get(3).map_or(10_000, |s| s.parse().expect("a count"));

    let answer = driver::send(server, &sign_in_request(name, password)).expect("server answers");
    let who = sign_in_response(&answer).expect("signed in");
    let remote = Remote {
        server: server.clone(),
        db: user_db_name(&who.name),
        auth: Auth::Cookie(who.cookie.expect("an AuthSession cookie")),
    };

    let doc = gen::bundled();
    let mut replica = Replica::new("bench-seed-device");
    for a in gen::annotations(&doc, n, 31) {
        replica.put_annotation(&doc.id, &a);
    }
    let t = Instant::now();
    let run = driver::drive(&remote, Options::default(), &mut replica, |_| {
        driver::Hook::Go
    });
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    match run.end {
        Step::Done(report) => println!(
            "{{\"pushed\":{},\"requests\":{},\"ms\":{:.1}}}",
            report.pushed, report.requests, ms
        ),
        other => {
            eprintln!("seed_sync: the push failed: {other:?}");
            std::process::exit(1);
        }
    }
}
