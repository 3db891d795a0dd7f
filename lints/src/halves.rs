//! Work shared between the two halves of a list, the second half on a thread of its own.

/// `work` over `items`, the second half on another thread when there are at least `from` items
/// (a handful is not worth a thread), the results in `items`' order, as one pass gives them.
/// `work` is told where its half starts in `items`. Should the other thread panic (a bug), its
/// half is done again here.
pub(crate) fn in_halves<T: Sync, R: Send>(
    items: &[T],
    from: usize,
    work: impl Fn(usize, &[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    if items.len() < from {
        return work(0, items);
    }
    let middle = items.len() / 2;
    let (first, second) = items.split_at(middle);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| work(middle, second));
        let mut mine = work(0, first);
        let rest = other.join().unwrap_or_else(|_| work(middle, second));
        mine.reserve_exact(rest.len());
        mine.extend(rest);
        mine
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_join_in_order_and_know_where_they_start() {
        let items: Vec<usize> = (0..100).collect();
        let out = in_halves(&items, 64, |start, half| half.iter().enumerate().map(|(i, x)| (start + i, *x)).collect());
        assert!(out.iter().enumerate().all(|(i, &(at, x))| at == i && x == i));
        assert_eq!(in_halves(&items[..3], 64, |start, half| vec![(start, half.len())]), [(0, 3)]);
    }
}
