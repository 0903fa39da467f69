//! Repeated timed runs and their medians, in wall-clock time and in the CPU time of the
//! measuring thread (the generators are single-threaded). On a busy machine the wall clock
//! counts the time the thread waited for a core; the CPU time does not, so it stays close to
//! what a quiet machine's wall clock shows.

use std::time::{Duration, Instant};

use cpu_time::ThreadTime;

/// The durations of one generator's runs on one input.
#[derive(Default)]
pub struct Samples {
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
}

impl Samples {
    /// Runs `f` once and records how long it took; returns its result (kept alive until
    /// after the clocks stop, so dropping the output is not timed).
    pub fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let cpu = ThreadTime::now();
        let wall = Instant::now();
        let out = std::hint::black_box(f());
        self.wall.push(wall.elapsed());
        self.cpu.push(cpu.elapsed());
        out
    }

    /// How many runs were recorded.
    pub fn len(&self) -> usize {
        self.wall.len()
    }

    /// The median wall-clock time.
    pub fn wall(&self) -> Duration {
        median(&self.wall)
    }

    /// The median CPU time.
    pub fn cpu(&self) -> Duration {
        median(&self.cpu)
    }
}

/// The median (the mean of the two middle values for an even count); zero when empty.
fn median(durations: &[Duration]) -> Duration {
    let mut sorted = durations.to_vec();
    sorted.sort();
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

/// `a / b`, as a ratio of two durations.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(f64::MIN_POSITIVE)
}

/// A duration in the unit that suits it, with three significant figures.
pub fn show(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 1e-3 {
        format!("{:.3} ms", secs * 1e3)
    } else {
        format!("{:.1} µs", secs * 1e6)
    }
}
