//! The batch's shared brake: the in-flight limit, adjusted by AIMD (halved on a `429`, one more
//! per window of good answers), and a gate every request of the batch waits at until the last
//! `429`'s `Retry-After` has passed, so one worker's `429` holds back all of them.

use std::sync::Mutex;
use std::time::Duration;

use futures_util::task::AtomicWaker;
use tokio::time::Instant;

/// How long the gate stays shut after a `429` without a (readable) `Retry-After`.
const DEFAULT_WAIT: Duration = Duration::from_secs(1);
/// The limit a batch starts at (or the maximum, if lower): from there it grows by one per
/// good answer until the first `429` or the maximum ("slow start", as TCP's), so that a batch
/// does not open with a burst of the maximum against a server that cannot take it.
const INITIAL_LIMIT: usize = 4;
/// How far past the gate's reopening its waiters are spread.
const SPREAD: Duration = Duration::from_millis(50);

/// The brake of one batch, shared by its items through the client they use.
#[derive(Debug)]
pub(crate) struct Throttle {
    /// The user's maximum number of items in flight.
    max: usize,
    /// The longest the gate stays shut (the retry policy's `max_retry_after`).
    max_wait: Duration,
    state: Mutex<State>,
    /// The batch's driver, woken when the limit grows so that it starts another item at once.
    pub(crate) grew: AtomicWaker,
}

#[derive(Debug)]
struct State {
    limit: usize,
    /// Until the first `429`: one more per good answer (the limit doubles per window).
    slow_start: bool,
    /// Good answers since the limit last changed.
    good: usize,
    /// Bumped at each decrease: a `429` to a request admitted before the last decrease belongs
    /// to the same congestion event and does not halve the limit again.
    epoch: u64,
    /// No request of the batch goes out before this.
    not_before: Option<Instant>,
    stats: ThrottleStats,
}

/// What the brake has seen so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ThrottleStats {
    pub requests: u64,
    pub throttled: u64,
    pub decreases: u64,
}

impl Throttle {
    pub(crate) fn new(max: usize, max_wait: Duration) -> Throttle {
        let max = max.max(1);
        Throttle {
            max,
            max_wait,
            state: Mutex::new(State {
                limit: max.min(INITIAL_LIMIT),
                slow_start: true,
                good: 0,
                epoch: 0,
                not_before: None,
                stats: ThrottleStats::default(),
            }),
            grew: AtomicWaker::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock leaves only counters behind: keep going with them.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How many items may be in flight now.
    pub(crate) fn limit(&self) -> usize {
        self.state().limit
    }

    pub(crate) fn stats(&self) -> ThrottleStats {
        self.state().stats
    }

    /// Waits until the gate is open; returns the epoch the request goes out in.
    pub(crate) async fn admit(&self) -> u64 {
        loop {
            let (until, epoch) = {
                let state = self.state();
                (state.not_before, state.epoch)
            };
            match until {
                Some(until) if until > Instant::now() => {
                    // Spread the waiters over a little time past the reopening, so that they do
                    // not all arrive in one burst, of which all but the first few would be
                    // answered 429 again.
                    let spread = SPREAD.mul_f64(fastrand::f64());
                    tokio::time::sleep_until(until + spread).await;
                }
                _ => return epoch,
            }
        }
    }

    /// Learns from one attempt's answer: its status and `Retry-After`, or `None` when no
    /// answer came (a dropped connection, a timeout), which says nothing about the rate.
    pub(crate) fn observe(&self, epoch: u64, answer: Option<(u16, Option<Duration>)>) {
        let mut state = self.state();
        state.stats.requests += 1;
        match answer {
            Some((429, retry_after)) => {
                state.stats.throttled += 1;
                let wait = retry_after.unwrap_or(DEFAULT_WAIT).min(self.max_wait);
                let until = Instant::now() + wait;
                state.not_before = Some(state.not_before.map_or(until, |t| t.max(until)));
                if epoch == state.epoch {
                    state.slow_start = false;
                    state.limit = (state.limit / 2).max(1);
                    state.good = 0;
                    state.epoch += 1;
                    state.stats.decreases += 1;
                }
            }
            // A 5xx says the server is unwell, not that the batch is too fast: neither.
            Some((status, _)) if status < 500 => {
                state.good += 1;
                if state.good >= state.limit || state.slow_start {
                    state.good = 0;
                    if state.limit < self.max {
                        state.limit += 1;
                        drop(state);
                        self.grew.wake();
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: Option<(u16, Option<Duration>)> = Some((202, None));

    fn throttled(after: Duration) -> Option<(u16, Option<Duration>)> {
        Some((429, Some(after)))
    }

    /// A throttle at its maximum, out of slow start.
    fn at_max(max: usize) -> Throttle {
        let throttle = Throttle::new(max, Duration::from_secs(60));
        for _ in 0..max {
            throttle.observe(0, OK);
        }
        assert_eq!(throttle.limit(), max);
        throttle
    }

    #[test]
    fn a_batch_starts_small_and_grows_by_one_per_good_answer_until_a_429() {
        let throttle = Throttle::new(64, Duration::from_secs(60));
        assert_eq!(throttle.limit(), INITIAL_LIMIT);
        for _ in 0..10 {
            throttle.observe(0, OK);
        }
        assert_eq!(throttle.limit(), INITIAL_LIMIT + 10);
        throttle.observe(0, throttled(Duration::ZERO));
        assert_eq!(throttle.limit(), (INITIAL_LIMIT + 10) / 2);
        let limit = throttle.limit();
        throttle.observe(1, OK);
        assert_eq!(throttle.limit(), limit, "after a 429, one per window");
        assert_eq!(
            Throttle::new(2, Duration::ZERO).limit(),
            2,
            "never above the maximum"
        );
    }

    #[test]
    fn a_429_halves_the_limit_once_per_congestion_event() {
        let throttle = at_max(64);
        // 64 requests went out in epoch 0; all of them come back 429.
        for _ in 0..64 {
            throttle.observe(0, throttled(Duration::from_millis(100)));
        }
        assert_eq!(throttle.limit(), 32, "one event, one halving");
        // A request sent after the decrease is a new event.
        throttle.observe(1, throttled(Duration::from_millis(100)));
        assert_eq!(throttle.limit(), 16);
        let stats = throttle.stats();
        assert_eq!(
            (stats.requests, stats.throttled, stats.decreases),
            (129, 65, 2)
        );
    }

    #[test]
    fn the_limit_never_drops_below_one() {
        let throttle = Throttle::new(4, Duration::from_secs(60));
        for epoch in 0..10 {
            throttle.observe(epoch, throttled(Duration::ZERO));
        }
        assert_eq!(throttle.limit(), 1);
    }

    #[test]
    fn good_answers_add_one_per_window_up_to_the_maximum() {
        let throttle = at_max(8);
        throttle.observe(0, throttled(Duration::ZERO));
        assert_eq!(throttle.limit(), 4);
        for _ in 0..3 {
            throttle.observe(1, OK);
        }
        assert_eq!(throttle.limit(), 4, "a window is `limit` good answers");
        throttle.observe(1, OK);
        assert_eq!(throttle.limit(), 5);
        for _ in 0..1_000 {
            throttle.observe(1, OK);
        }
        assert_eq!(throttle.limit(), 8, "never past the maximum");
    }

    #[test]
    fn server_errors_and_drops_change_nothing() {
        let throttle = at_max(8);
        for _ in 0..100 {
            throttle.observe(0, Some((503, None)));
            throttle.observe(0, None);
        }
        assert_eq!(throttle.limit(), 8);
        assert_eq!(throttle.stats().requests, 208);
    }

    #[tokio::test(start_paused = true)]
    async fn the_gate_holds_every_request_until_retry_after_has_passed() {
        let throttle = Throttle::new(8, Duration::from_secs(60));
        let start = Instant::now();
        assert_eq!(throttle.admit().await, 0);
        assert_eq!(Instant::now(), start, "open: no wait");
        throttle.observe(0, throttled(Duration::from_secs(3)));
        // An earlier, shorter Retry-After does not reopen it.
        throttle.observe(0, throttled(Duration::from_secs(1)));
        assert_eq!(throttle.admit().await, 1);
        assert!(Instant::now() >= start + Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn the_gate_wait_is_capped_by_the_policy() {
        let throttle = Throttle::new(8, Duration::from_secs(5));
        let start = Instant::now();
        throttle.observe(0, throttled(Duration::from_secs(3_600)));
        throttle.admit().await;
        let waited = Instant::now() - start;
        assert!(waited >= Duration::from_secs(5) && waited <= Duration::from_secs(5) + SPREAD);
    }
}
