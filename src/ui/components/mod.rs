//! The views. They read the store, call the services' and navigation's public functions, and
//! move the focus through the browser edge.

pub mod about;
pub mod app;
pub mod article;
pub mod help;
pub mod import;
pub mod keys;
pub mod later;
pub mod library;
pub mod messages;
pub mod panel;
pub mod review;
pub mod sheet;
pub mod sync_dialog;
pub mod toolbar;
pub mod topbar;
