//! What Review showed, remembered on this device (localStorage), so the next review starts with
//! highlights not shown yet. Nothing leaves the device.

use crate::ui::edge::clock::{now, random_bytes};
use crate::ui::edge::storage;
use marginalia_core::review::{review_order, seen_key, Rng, SeenLog, SEEN_KEY};
use marginalia_core::search::Hit;
use std::collections::BTreeSet;

fn load() -> SeenLog {
    SeenLog::decode(storage::get(SEEN_KEY).as_deref())
}

/// The order to review `items` in (positions into it): those never shown first, then those shown
/// longest ago, random among equals.
pub fn order(items: &[(String, Hit)]) -> Vec<usize> {
    let keys: Vec<String> = items
        .iter()
        .map(|(_, h)| seen_key(&h.doc_id, &h.annotation_id))
        .collect();
    let b = random_bytes();
    let seed = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    review_order(&keys, &load(), &mut Rng::new(seed))
}

/// Remembers that `shown` were shown now; forgets highlights no longer among `all`.
pub fn mark_seen(shown: &[&Hit], all: &[(String, Hit)]) {
    let mut log = load();
    log.mark(
        shown
            .iter()
            .map(|h| seen_key(&h.doc_id, &h.annotation_id))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
        now(),
    );
    let existing: BTreeSet<String> = all
        .iter()
        .map(|(_, h)| seen_key(&h.doc_id, &h.annotation_id))
        .collect();
    log.retain(&existing);
    // A full storage only means the next review may repeat these: nothing to tell the reader.
    let _ = storage::set(SEEN_KEY, &log.encode());
}
