//! Why a sync stopped or must wait, in words a reader can act on.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncError {
    /// 401 and the server no longer knows who we are: sign in again.
    SignInExpired,
    /// 403, or 401 while signed in as someone the database does not admit.
    NotYours,
    /// `_session` refused the name or password (nothing was changed anywhere).
    WrongPassword,
    /// The database does not exist on the server (404).
    NoDatabase,
    /// No answer at all: offline, refused, reset, timed out (the driver's message).
    Offline(String),
    /// A 5xx, or a status the protocol has no place for.
    Server { status: u16, detail: String },
    /// An answer that is not the JSON the protocol promises: HTML (a captive portal, a proxy's
    /// error page), truncated JSON, the wrong shape.
    Garbage { status: u16, detail: String },
}

impl SyncError {
    /// Worth trying again after a while (see [`crate::backoff_ms`]); the others need the reader.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            SyncError::Offline(_) | SyncError::Server { .. } | SyncError::Garbage { .. }
        )
    }
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::SignInExpired => write!(f, "Sign-in expired: sign in again to keep syncing"),
            SyncError::NotYours => write!(
                f,
                "This database is not yours: the server does not let this account use it"
            ),
            SyncError::WrongPassword => write!(f, "Wrong name or password"),
            SyncError::NoDatabase => write!(f, "The sync database does not exist on the server"),
            SyncError::Offline(why) => write!(f, "Offline: the server could not be reached ({why})"),
            SyncError::Server { status, detail } => {
                write!(f, "The sync server failed (HTTP {status}): {detail}")
            }
            SyncError::Garbage { status, detail } => write!(
                f,
                "The sync server answered something that is not CouchDB's JSON (HTTP {status}): {detail}"
            ),
        }
    }
}

impl std::error::Error for SyncError {}
