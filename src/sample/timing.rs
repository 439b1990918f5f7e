//! When things happen: a 30-day window before "now" with Seoul office-hour and weekday rhythm.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Seoul;

use super::rng::Rng;

/// Days of data before "now".
pub const WINDOW_DAYS: i64 = 30;

/// Relative activity of people per Seoul hour (0–23): busy 09–18, a lunch dip, quiet nights.
const HUMAN_HOURS: [u32; 24] = [2, 1, 1, 1, 1, 1, 2, 4, 10, 28, 34, 32, 16, 30, 34, 33, 30, 26, 14, 8, 6, 5, 4, 3];
/// Programs run around the clock with a mild daytime rise (batch jobs follow traffic).
const MACHINE_HOURS: [u32; 24] = [8, 8, 8, 8, 8, 8, 8, 9, 10, 12, 12, 12, 12, 12, 12, 12, 12, 12, 11, 10, 10, 9, 9, 8];

/// Whose rhythm a time follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rhythm {
    /// Office hours, fewer on weekends.
    Human,
    /// Around the clock.
    Machine,
}

/// Draws times in `[now - 30 days, now)`.
#[derive(Debug, Clone)]
pub struct Clock {
    now: DateTime<Utc>,
    start: DateTime<Utc>,
}

impl Clock {
    /// A clock ending at `now` (truncated to whole seconds).
    pub fn new(now: DateTime<Utc>) -> Self {
        let now = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
        Self { now, start: now - Duration::days(WINDOW_DAYS) }
    }

    /// "Now".
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// A random time with the given rhythm.
    pub fn sample(&self, rng: &mut Rng, rhythm: Rhythm) -> DateTime<Utc> {
        let weights = match rhythm {
            Rhythm::Human => &HUMAN_HOURS,
            Rhythm::Machine => &MACHINE_HOURS,
        };
        loop {
            let day = rng.below(WINDOW_DAYS as u64 + 1) as i64;
            let date = (self.start + Duration::days(day)).with_timezone(&Seoul).date_naive();
            let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
            if rhythm == Rhythm::Human && weekend && !rng.chance(0.2) {
                continue;
            }
            let hour = rng.weighted(weights) as u32;
            let secs = rng.below(3600) as u32;
            let time = NaiveTime::from_hms_opt(hour, secs / 60, secs % 60).unwrap_or_default();
            let Some(local) = Seoul.from_local_datetime(&date.and_time(time)).earliest() else { continue };
            let t = local.with_timezone(&Utc);
            if t >= self.start && t < self.now {
                return t;
            }
        }
    }

    /// `days_ago` Seoul calendar days before today, at `hour:minute` Seoul time (an incident's anchor).
    pub fn seoul(&self, days_ago: i64, hour: u32, minute: u32) -> DateTime<Utc> {
        let today = self.now.with_timezone(&Seoul).date_naive();
        let date = today - Duration::days(days_ago);
        let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default();
        let local = Seoul
            .from_local_datetime(&date.and_time(time))
            .earliest()
            .unwrap_or_else(|| Seoul.from_utc_datetime(&date.and_time(time)));
        local.with_timezone(&Utc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampled_times_fall_inside_the_window_and_people_work_by_day() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
        let clock = Clock::new(now);
        let mut rng = Rng::new(3);
        let mut office = 0;
        for _ in 0..2000 {
            let t = clock.sample(&mut rng, Rhythm::Human);
            assert!(t < now && t >= now - Duration::days(30));
            let h = t.with_timezone(&Seoul).hour();
            if (9..19).contains(&h) {
                office += 1;
            }
        }
        assert!(office > 1400, "only {office} of 2000 in office hours");
    }

    #[test]
    fn incident_anchors_are_in_the_last_week() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 23, 0, 0).unwrap();
        let clock = Clock::new(now);
        let t = clock.seoul(6, 2, 47);
        assert!(t > now - Duration::days(7) && t < now);
    }

    use chrono::Timelike;
}
