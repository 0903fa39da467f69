//! The batch's shared brake: the in-flight limit, adjusted by AIMD (lowered on a `429`, one
//! more per window of good answers), and a gate every request of the batch waits at until the
//! last `429`'s `Retry-After` has passed, so one worker's `429` holds back all of them.
//!
//! The two answer different servers. Against a rate limit (so many requests a second) the gate
//! does the work: the whole batch stops until the limit's window reopens, so its rate is the
//! server's, whatever the number in flight; the first request waiting goes out at the
//! reopening itself and the others over the next 50 ms. Against a limit on concurrent work the
//! in-flight limit does: it comes down at each congestion event until the `429`s stop.
//!
//! How far it comes down follows DCTCP's cut (RFC 8257): to `limit * (1 - f / 2)`, where `f`
//! is the share of answers refused since the last decrease (DCTCP smooths it over windows; here
//! it is taken as it is), and at least one less. A server refusing every request halves the
//! limit, as TCP Reno would; a rate limit that refuses the last few requests of each saturated
//! window takes one or two off. A fixed halving there left too few items in flight to fill
//! each reopened window (`BENCHMARKS.md`, "Bulk rendering").

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
/// How far past the gate's reopening its waiters, but the first, are spread.
const SPREAD: Duration = Duration::from_millis(50);

/// The limit after a congestion event in which `refused` (0 to 1) of the answers since the
/// last decrease were `429`: DCTCP's `limit * (1 - refused / 2)`, at least one less, never
/// below one.
fn decreased(limit: usize, refused: f64) -> usize {
    let cut = (limit as f64 * (1.0 - refused / 2.0)).floor() as usize;
    cut.min(limit.saturating_sub(1)).max(1)
}

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
    /// Answers (good or `429`) and `429`s since the last decrease: the share refused, which
    /// sets how deep the next decrease goes.
    answered: u64,
    refused: u64,
    /// Bumped at each decrease: a `429` to a request admitted before the last decrease belongs
    /// to the same congestion event and does not lower the limit again.
    epoch: u64,
    /// No request of the batch goes out before this.
    not_before: Option<Instant>,
    /// The reopening whose first request has been chosen: that one goes out at the reopening
    /// itself, the others spread past it.
    opener_for: Option<Instant>,
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
                answered: 0,
                refused: 0,
                epoch: 0,
                not_before: None,
                opener_for: None,
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
            let (until, epoch, opener) = {
                let mut state = self.state();
                let until = state.not_before;
                // The first waiter of a reopening goes out at the reopening itself, so that
                // the server's capacity is back in use at once.
                let opener = until.is_some() && state.opener_for != until;
                if opener {
                    state.opener_for = until;
                }
                (until, state.epoch, opener)
            };
            match until {
                Some(until) if until > Instant::now() => {
                    if opener {
                        at_the_instant(until).await;
                    } else {
                        // The others spread over a little time past the reopening, so that
                        // they do not all arrive in one burst, of which all but the first few
                        // would be answered 429 again.
                        let spread = SPREAD.mul_f64(fastrand::f64());
                        tokio::time::sleep_until(until + spread).await;
                    }
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
                state.answered += 1;
                state.refused += 1;
                let wait = retry_after.unwrap_or(DEFAULT_WAIT).min(self.max_wait);
                let until = Instant::now() + wait;
                state.not_before = Some(state.not_before.map_or(until, |t| t.max(until)));
                if epoch == state.epoch {
                    state.slow_start = false;
                    state.limit =
                        decreased(state.limit, state.refused as f64 / state.answered as f64);
                    state.answered = 0;
                    state.refused = 0;
                    state.good = 0;
                    state.epoch += 1;
                    state.stats.decreases += 1;
                }
            }
            // A 5xx says the server is unwell, not that the batch is too fast: neither.
            Some((status, _)) if status < 500 => {
                state.answered += 1;
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

/// Waits until `until` itself. tokio's timers fire on the first millisecond tick at or after
/// their deadline, up to a millisecond late; a reopened window is the server's from its first
/// request, so the opener sleeps to the tick before and yields until the instant (one task, for
/// well under a millisecond, once per reopening).
async fn at_the_instant(until: Instant) {
    let tick_before = until.checked_sub(Duration::from_millis(1)).unwrap_or(until);
    tokio::time::sleep_until(tick_before).await;
    let spinning = std::time::Instant::now();
    while Instant::now() < until {
        if spinning.elapsed() > Duration::from_millis(2) {
            // The clock does not move while this task yields (a paused test clock): sleep.
            tokio::time::sleep_until(until).await;
            return;
        }
        tokio::task::yield_now().await;
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
        assert_eq!(
            throttle.limit(),
            INITIAL_LIMIT + 10 - 1,
            "one answer in eleven refused: one less"
        );
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
    fn a_429_lowers_the_limit_once_per_congestion_event_by_the_share_refused() {
        let throttle = at_max(64);
        // 64 requests went out in epoch 0; all of them come back 429. The first comes after
        // 64 good answers: one answer in 65 refused, one less.
        for _ in 0..64 {
            throttle.observe(0, throttled(Duration::from_millis(100)));
        }
        assert_eq!(throttle.limit(), 63, "one event, one decrease");
        // A request sent after the decrease is a new event; every answer since the last
        // decrease was refused: half.
        throttle.observe(1, throttled(Duration::from_millis(100)));
        assert_eq!(throttle.limit(), 31);
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
        let throttle = at_max(40);
        for epoch in 0..2 {
            throttle.observe(epoch, throttled(Duration::ZERO));
        }
        assert_eq!(throttle.limit(), 19);
        for _ in 0..18 {
            throttle.observe(2, OK);
        }
        assert_eq!(throttle.limit(), 19, "a window is `limit` good answers");
        throttle.observe(2, OK);
        assert_eq!(throttle.limit(), 20);
        for _ in 0..1_000 {
            throttle.observe(2, OK);
        }
        assert_eq!(throttle.limit(), 40, "never past the maximum");
    }

    #[test]
    fn a_decrease_goes_as_deep_as_the_share_refused_and_is_at_least_one() {
        for (limit, refused, after) in [
            (64, 0.0, 63),
            (64, 0.03, 63),
            (64, 0.25, 56),
            (64, 0.5, 48),
            (64, 1.0, 32),
            (10, 0.5, 7),
            (2, 0.01, 1),
            (1, 1.0, 1),
        ] {
            assert_eq!(decreased(limit, refused), after, "{limit} at {refused}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_waiter_leaves_at_the_reopening_and_the_others_just_after() {
        let throttle = Throttle::new(64, Duration::from_secs(60));
        let start = Instant::now();
        throttle.observe(0, throttled(Duration::from_secs(1)));
        let reopening = start + Duration::from_secs(1);
        for round in 0..2 {
            let left = futures_util::future::join_all((0..16).map(|_| async {
                throttle.admit().await;
                Instant::now()
            }))
            .await;
            let reopening = reopening + Duration::from_secs(2 * round);
            assert_eq!(
                left.iter().filter(|&&t| t == reopening).count(),
                1,
                "round {round}: one goes at the reopening itself"
            );
            assert!(
                left.iter()
                    .all(|&t| t >= reopening && t <= reopening + SPREAD)
            );
            // The next 429: a new reopening, with an opener of its own.
            throttle.observe(
                1,
                throttled(reopening + Duration::from_secs(2) - Instant::now()),
            );
        }
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
