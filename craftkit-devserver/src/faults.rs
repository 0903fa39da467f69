//! Injected faults, chosen by a request counter and seeded dice: never by request data.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::config::{Fault, FaultKind, FaultWhen};

/// A request extension telling the render handler to fail the render it accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FailRender;

pub(crate) struct Faults {
    rules: Vec<Fault>,
    requests: AtomicU64,
    /// splitmix64 state
    dice: Mutex<u64>,
}

impl Faults {
    pub fn new(rules: Vec<Fault>, seed: u64) -> Faults {
        Faults {
            rules,
            requests: AtomicU64::new(0),
            dice: Mutex::new(seed),
        }
    }

    /// The fault for the next API request, if any: the first rule that fires. Each `Rate` rule
    /// rolls its own dice, so every rule hits its share of requests.
    pub fn pick(&self) -> Option<FaultKind> {
        if self.rules.is_empty() {
            return None;
        }
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fired = None;
        for rule in &self.rules {
            let hit = match &rule.when {
                FaultWhen::Requests(numbers) => numbers.contains(&n),
                FaultWhen::Rate(p) => self.roll() < *p,
            };
            if hit && fired.is_none() {
                fired = Some(rule.kind.clone());
            }
        }
        fired
    }

    /// A uniform number in [0, 1).
    fn roll(&self) -> f64 {
        let mut state = self.dice.lock().unwrap_or_else(|p| p.into_inner());
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_numbers_pick_exact_requests() {
        let faults = Faults::new(
            vec![Fault {
                kind: FaultKind::Status(503),
                when: FaultWhen::Requests(vec![2, 3]),
            }],
            1,
        );
        let picks: Vec<bool> = (0..4).map(|_| faults.pick().is_some()).collect();
        assert_eq!(picks, [false, true, true, false]);
    }

    #[test]
    fn each_rate_rule_rolls_its_own_dice() {
        let faults = Faults::new(
            vec![
                Fault {
                    kind: FaultKind::Status(503),
                    when: FaultWhen::Rate(0.3),
                },
                Fault {
                    kind: FaultKind::Drop,
                    when: FaultWhen::Rate(0.3),
                },
            ],
            7,
        );
        let picks: Vec<_> = (0..10_000).filter_map(|_| faults.pick()).collect();
        let drops = picks.iter().filter(|k| **k == FaultKind::Drop).count();
        // the second rule fires on 30% of the 70% the first one leaves
        assert!((1_800..2_400).contains(&drops), "{drops}");
    }

    #[test]
    fn a_rate_hits_about_that_share_and_repeats_with_the_seed() {
        let run = || {
            let faults = Faults::new(
                vec![Fault {
                    kind: FaultKind::Drop,
                    when: FaultWhen::Rate(0.3),
                }],
                42,
            );
            (0..10_000).filter(|_| faults.pick().is_some()).count()
        };
        let hits = run();
        assert!((2_700..3_300).contains(&hits), "{hits}");
        assert_eq!(hits, run());
    }
}
