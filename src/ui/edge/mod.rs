//! The browser edge: every contact with the DOM and the browser's APIs that is not a view, one
//! job per file. Nothing here knows the app's state: functions take and return plain values.

pub mod card_focus;
pub mod clipboard;
pub mod clock;
pub mod dialog;
pub mod elements;
pub mod events;
pub mod files;
pub mod focus;
pub mod html;
pub mod http;
pub mod idb;
pub mod layout;
pub mod perf;
pub mod scroll;
pub mod selection;
pub mod split;
pub mod storage;
pub mod sync_store;
pub mod timers;
