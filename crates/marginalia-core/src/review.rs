//! Review: past highlights shown a few at a time, for readers who revisit what they marked. Those
//! never shown come first, then those shown longest ago; among equals the order is random. What
//! was shown is remembered on the device ([`SeenLog`], in localStorage under [`SEEN_KEY`]).

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Where the app keeps [`SeenLog`].
pub const SEEN_KEY: &str = "marginalia/v1/review-seen";

/// How many highlights a review shows at a time.
pub const BATCH: usize = 5;

/// A small seeded generator (SplitMix64): the same seed gives the same review order, so the
/// order is tested exactly; the app seeds it from the browser's randomness.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The key a highlight is remembered by: its document and its id.
pub fn seen_key(doc_id: &str, annotation_id: &str) -> String {
    format!("{doc_id} {annotation_id}")
}

/// When each highlight was last shown in a review (by [`seen_key`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenLog {
    pub version: u32,
    pub seen: BTreeMap<String, Timestamp>,
}

impl SeenLog {
    /// The stored log; anything unreadable starts afresh (it only orders the next review).
    pub fn decode(raw: Option<&str>) -> SeenLog {
        raw.and_then(|r| serde_json::from_str::<SeenLog>(r).ok())
            .filter(|l| l.version == 1)
            .unwrap_or_default()
    }

    pub fn encode(&self) -> String {
        let mut log = self.clone();
        log.version = 1;
        serde_json::to_string(&log).unwrap_or_default()
    }

    pub fn last_seen(&self, key: &str) -> Option<Timestamp> {
        self.seen.get(key).copied()
    }

    /// Remembers that `keys` were shown at `now`.
    pub fn mark<'a>(&mut self, keys: impl IntoIterator<Item = &'a str>, now: Timestamp) {
        for k in keys {
            self.seen.insert(k.to_string(), now);
        }
    }

    /// Forgets highlights that are gone (not among `existing`), so the log does not grow with
    /// deleted ones.
    pub fn retain(&mut self, existing: &BTreeSet<String>) {
        self.seen.retain(|k, _| existing.contains(k));
    }
}

/// The order to review `keys` in (positions into `keys`): never seen first, then the least
/// recently seen; random among those seen at the same time (or never), drawn from `rng`.
pub fn review_order(keys: &[String], log: &SeenLog, rng: &mut Rng) -> Vec<usize> {
    let mut order: Vec<(Option<Timestamp>, u64, usize)> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (log.last_seen(k), rng.next_u64(), i))
        .collect();
    // `None` (never seen) sorts before every time.
    crate::order::sort_by(&mut order, |a, b| a.cmp(b));
    order.into_iter().map(|(_, _, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::Rng;
    use super::*;
    use proptest::prelude::*;

    fn keys(n: usize) -> Vec<String> {
        (0..n).map(|i| seen_key("doc", &format!("a{i}"))).collect()
    }

    #[test]
    fn unseen_come_first_then_the_longest_unseen() {
        let k = keys(6);
        let mut log = SeenLog::default();
        log.mark([k[0].as_str(), k[1].as_str()], Timestamp(200));
        log.mark([k[2].as_str()], Timestamp(100));
        let order = review_order(&k, &log, &mut Rng::new(7));
        let mut first: Vec<usize> = order[..3].to_vec();
        first.sort();
        assert_eq!(first, [3, 4, 5], "never seen first");
        assert_eq!(order[3], 2, "then the one seen longest ago");
        let mut last: Vec<usize> = order[4..].to_vec();
        last.sort();
        assert_eq!(last, [0, 1]);
    }

    #[test]
    fn the_same_seed_gives_the_same_order_and_another_seed_shuffles() {
        let k = keys(40);
        let log = SeenLog::default();
        let a = review_order(&k, &log, &mut Rng::new(1));
        assert_eq!(a, review_order(&k, &log, &mut Rng::new(1)));
        assert_ne!(a, review_order(&k, &log, &mut Rng::new(2)));
        assert_ne!(
            a,
            (0..40).collect::<Vec<_>>(),
            "random within equal seen-ness"
        );
    }

    #[test]
    fn a_review_batch_by_batch_shows_everything_before_repeating() {
        let k = keys(12);
        let mut log = SeenLog::default();
        let mut shown = BTreeSet::new();
        let mut now = 1000;
        // Three reviews of one batch each, as a reader opening Review three times.
        for seed in 0..3 {
            let order = review_order(&k, &log, &mut Rng::new(seed));
            let batch: Vec<&str> = order[..BATCH.min(k.len())]
                .iter()
                .map(|&i| k[i].as_str())
                .collect();
            for b in &batch {
                if shown.len() < k.len() {
                    assert!(shown.insert(b.to_string()), "{b} shown twice");
                }
            }
            now += 10;
            log.mark(batch, Timestamp(now));
        }
        assert_eq!(shown.len(), 12);
    }

    #[test]
    fn the_log_round_trips_forgets_the_gone_and_survives_damage() {
        let mut log = SeenLog::default();
        log.mark(["d a", "d b"], Timestamp(5));
        let back = SeenLog::decode(Some(&log.encode()));
        assert_eq!(back.last_seen("d a"), Some(Timestamp(5)));
        let mut back = back;
        back.retain(&BTreeSet::from(["d b".to_string()]));
        assert_eq!(back.seen.len(), 1);
        assert_eq!(SeenLog::decode(Some("{not json")), SeenLog::default());
        assert_eq!(SeenLog::decode(None), SeenLog::default());
        assert_eq!(
            SeenLog::decode(Some(r#"{"version":9,"seen":{}}"#)),
            SeenLog::default()
        );
    }

    proptest! {
        /// Whatever the log and seed, the order is a permutation with seen times ascending
        /// (never seen first).
        #[test]
        fn the_order_is_a_permutation_by_last_seen(
            seen in prop::collection::vec(prop::option::of(0i64..5), 0..30),
            seed in any::<u64>(),
        ) {
            let k = keys(seen.len());
            let mut log = SeenLog::default();
            for (key, s) in k.iter().zip(&seen) {
                if let Some(t) = s {
                    log.mark([key.as_str()], Timestamp(*t));
                }
            }
            let order = review_order(&k, &log, &mut Rng::new(seed));
            let mut sorted = order.clone();
            sorted.sort();
            prop_assert_eq!(sorted, (0..k.len()).collect::<Vec<_>>());
            let times: Vec<Option<i64>> = order.iter().map(|&i| seen[i]).collect();
            prop_assert!(times.windows(2).all(|w| w[0] <= w[1]));
        }
    }
}
