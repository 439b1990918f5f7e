//! Rolling windows ("last 24 hours", "today so far") widened to steps, so re-asks render the same SQL.
//!
//! A window that ends at "now" would be rendered to the second, so the same question asked a few minutes later
//! is a different query text and Athena's result reuse (same text, same workgroup) never applies. [`settle`]
//! widens such a window outwards to a step that grows with its length: the start is rounded down and the end up
//! to a step boundary. The settled window contains the asked one (no event is missed at either end, an event a
//! second before "now" included), is at most one step longer at each end, and is the same for every "now"
//! strictly inside one step, so re-asks within a step send identical SQL. A window already on step boundaries
//! (a frozen clock on the hour) is unchanged. A window that does not end at "now" (yesterday, last week) is
//! already the same on every ask and is left as it is.

use chrono::{DateTime, Duration, Utc};

use super::params::Window;

/// Steps a rolling window is rounded to; the largest one that is at most 1/24 of the window is used.
const STEPS_MINUTES: [i64; 4] = [1, 5, 15, 60];

/// The step for a window of `span`: the largest of [`STEPS_MINUTES`] that divides it and is not above
/// `span / 24` (at least a minute), so rounding adds at most about 4% at each end (24 h → 1 h, 6 h → 15 min,
/// 1 h → 1 min). A span that is a whole number of steps keeps the rounded start stable: `now − span` rounded
/// down is the rounded-down `now` minus the span.
pub fn step(span: Duration) -> Duration {
    let secs = span.num_seconds();
    let minutes =
        STEPS_MINUTES.iter().rev().find(|m| **m * 60 * 24 <= secs && secs % (**m * 60) == 0).copied().unwrap_or(1);
    Duration::minutes(minutes)
}

/// `window` widened to its step when it ends at `now`; any other window unchanged.
pub fn settle(window: Window, now: DateTime<Utc>) -> Window {
    if window.end != now || window.start >= window.end {
        return window;
    }
    let step = step(window.end - window.start);
    let down = floor(now, step);
    let end = if down == now { now } else { down + step };
    Window { start: floor(window.start, step), end }
}

/// `t` rounded down to a multiple of `step` since the epoch.
fn floor(t: DateTime<Utc>, step: Duration) -> DateTime<Utc> {
    let (secs, step) = (t.timestamp(), step.num_seconds().max(1));
    DateTime::from_timestamp(secs.div_euclid(step) * step, 0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, m, s).unwrap()
    }

    #[test]
    fn the_last_24_hours_round_to_the_hour_and_keep_an_event_from_a_second_ago() {
        let now = at(12, 7, 41);
        let w = settle(Window { start: now - Duration::hours(24), end: now }, now);
        assert_eq!((w.start, w.end), (at(12, 0, 0) - Duration::hours(24), at(13, 0, 0)));
        let just_before = now - Duration::seconds(1);
        assert!(w.start <= just_before && just_before < w.end);
        let three_minutes_later = now + Duration::minutes(3);
        let again = settle(
            Window { start: three_minutes_later - Duration::hours(24), end: three_minutes_later },
            three_minutes_later,
        );
        assert_eq!(again, w, "a re-ask three minutes later renders the same window");
    }

    #[test]
    fn fixed_windows_are_left_alone_and_short_windows_use_small_steps() {
        let now = at(12, 7, 41);
        let yesterday = Window { start: at(0, 0, 0) - Duration::days(1), end: at(0, 0, 0) };
        assert_eq!(settle(yesterday, now), yesterday);
        assert_eq!(step(Duration::hours(1)), Duration::minutes(1));
        assert_eq!(step(Duration::hours(6)), Duration::minutes(15));
        assert_eq!(step(Duration::days(7)), Duration::hours(1));
        assert_eq!(step(Duration::minutes(24 * 60 + 5)), Duration::minutes(5), "the step divides the span");
        let w = settle(Window { start: now - Duration::hours(1), end: now }, now);
        assert_eq!((w.start, w.end), (at(11, 7, 0), at(12, 8, 0)));
        let on_the_hour = Window { start: at(12, 0, 0) - Duration::days(7), end: at(12, 0, 0) };
        assert_eq!(settle(on_the_hour, at(12, 0, 0)), on_the_hour, "a frozen clock on the hour renders as before");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn a_settled_window_contains_the_asked_one_and_is_stable_within_its_step(
            secs in 1_700_000_000i64..1_900_000_000,
            span_minutes in 1i64..60 * 24 * 31,
            later in 0i64..3600,
        ) {
            let now = DateTime::from_timestamp(secs, 0).unwrap();
            let span = Duration::minutes(span_minutes);
            let w = settle(Window { start: now - span, end: now }, now);
            prop_assert!(w.start <= now - span && now <= w.end, "the asked [now - span, now) is inside");
            let step = step(span);
            prop_assert!(w.end - w.start <= span + step + step);
            let re_ask = now + Duration::seconds(later);
            let again = settle(Window { start: re_ask - span, end: re_ask }, re_ask);
            let inside = |t: DateTime<Utc>| floor(t, step) != t;
            if inside(now) && inside(re_ask) {
                prop_assert_eq!(again == w, floor(re_ask, step) == floor(now, step));
            }
        }
    }
}
