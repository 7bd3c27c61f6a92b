//! Services: what the app does besides showing the store. Each subscribes to the store's change
//! announcements or is called by the components through its public functions; none imports a
//! component. Server sync ([`server_sync`]) is one of them.

pub mod exports;
pub mod import;
pub mod library;
pub mod loading;
pub mod persist;
pub mod place;
pub mod review;
pub mod saving;
pub mod search;
pub mod server_sync;
pub mod tabs;
