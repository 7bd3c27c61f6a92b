//! Sorting through one copy of the standard library's sort.
//!
//! Every `sort_by` of a new element type or closure is a fresh copy of the standard library's
//! sorting code (the merge, the small-sort networks, the pivot choice; docs/architecture.md). The
//! shipped app had nine such copies. [`sort_by`] sorts positions (`usize`) through a `dyn`
//! comparison instead, so the sorting code exists once, and then moves the items into that order;
//! the cost is one indirect call per comparison and one pass to move the items, which is nothing
//! beside the work of the callers (blocks of a few dozen marks, tag lists, merge results). The
//! one hot path, segmentation, orders its boundaries by insertion or counting (`segment`).

use std::cmp::Ordering;

/// Sorts `items` by `cmp`, stably (equal items keep their order), like `slice::sort_by`.
pub fn sort_by<T>(items: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let order = sorted_positions(items.len(), &mut |a, b| cmp(&items[a], &items[b]));
    put_in_order(items, &order);
}

/// Sorts `items` by a key computed once per item, stably, like `slice::sort_by_cached_key`.
pub fn sort_by_cached_key<T, K: Ord>(items: &mut Vec<T>, key: impl FnMut(&T) -> K) {
    let keys: Vec<K> = items.iter().map(key).collect();
    let order = sorted_positions(items.len(), &mut |a, b| keys[a].cmp(&keys[b]));
    put_in_order(items, &order);
}

/// Sorts `items` and removes the repeats, like `sort_unstable` followed by `dedup`.
pub fn sort_dedup<T: Ord>(items: &mut Vec<T>) {
    sort_by(items, T::cmp);
    items.dedup();
}

/// Moves `items` so that the one at `order[0]` comes first, and so on.
fn put_in_order<T>(items: &mut Vec<T>, order: &[usize]) {
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    items.extend(
        order
            .iter()
            .filter_map(|&i| slots.get_mut(i).and_then(Option::take)),
    );
}

/// The positions `0..len` in the order `cmp` gives them: the one place that sorts.
fn sorted_positions(len: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_like_the_standard_library(v in proptest::collection::vec((0u8..6, any::<u16>()), 0..200)) {
            // Sorted on the first field only, so equal keys show whether the order is stable.
            let mut ours = v.clone();
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut std_sorted = v.clone();
            std_sorted.sort_by_key(|a| a.0);
            prop_assert_eq!(&ours, &std_sorted);

            let mut cached = v.clone();
            sort_by_cached_key(&mut cached, |x| x.1 % 7);
            let mut std_cached = v.clone();
            std_cached.sort_by_cached_key(|x| x.1 % 7);
            prop_assert_eq!(cached, std_cached);

            let mut deduped = v.clone();
            sort_dedup(&mut deduped);
            let mut std_deduped = v;
            std_deduped.sort_unstable();
            std_deduped.dedup();
            prop_assert_eq!(deduped, std_deduped);
        }
    }

    #[test]
    fn moves_items_that_cannot_be_copied() {
        let mut v: Vec<String> = ["pear", "Apple", "fig", "apple"].map(String::from).to_vec();
        sort_by_cached_key(&mut v, |s| s.to_lowercase());
        assert_eq!(v, ["Apple", "apple", "fig", "pear"]);
    }
}
