//! The pure core of Marginalia: article text, spans, W3C selectors, anchoring, segmentation into
//! highlight runs and their HTML, the annotation set with undo, export/import and the storage schema.
//!
//! Nothing here touches the browser. Offsets are Unicode code points (`char_idx`) everywhere;
//! UTF-16 offsets (`utf16_idx`) exist only in the conversion helpers of [`text`], which the UI
//! calls in exactly one place.

pub mod about;
pub mod anchor;
pub mod annotation;
pub mod article;
pub mod cite;
pub mod fold;
pub mod fuzzy;
pub mod library;
pub mod listing;
pub mod markdown;
pub mod markdown_export;
#[cfg(test)]
mod markdown_reader_tests;
pub mod markup;
pub mod note;
pub mod order;
pub mod percent;
pub mod review;
pub mod search;
pub mod segment;
pub mod selector;
pub mod span;
pub mod storage;
pub mod text;
pub mod time;
pub mod w3c;
