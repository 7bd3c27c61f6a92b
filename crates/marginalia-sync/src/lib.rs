//! Marginalia's offline-first sync through CouchDB (issue 31): a sans-IO replication client.
//!
//! The engine never does I/O. [`Sync`] is a state machine that says which HTTP request to send
//! next ([`Step::Send`]) and reads the answer it is handed ([`Sync::handle`]); the local store is
//! plain data ([`Replica`]) that the app loads from and writes back to IndexedDB. So the same
//! logic runs natively in the tests (against a real pouchdb-server) and in the browser (with
//! gloo-net). See README.md for the protocol as implemented, the document mapping and the rules.

pub mod auth;
pub mod engine;
pub mod error;
pub mod http;
pub mod mapping;
pub mod record;
pub mod replica;
pub mod watch;

pub use auth::{sign_in_request, sign_in_response, sign_out_request, user_db_name, SignedIn};
pub use engine::{
    backoff_ms, replication_id, start_checkpoint, status_line, Auth, Options, Pass, Progress,
    Remote, Report, Step, Sync,
};
pub use error::SyncError;
pub use http::{Method, Request, Response};
pub use mapping::Incoming;
pub use replica::{LocalDoc, Replica, ReplicaMeta, RevNode};
pub use watch::{watch_request, watch_response, Watched};
