//! When each source is polled: crontab lines (5 fields, or 6 with seconds first),
//! with crontab's meaning (Sunday is 0 or 7; a day-of-month and a day-of-week
//! field both restricted means either matches), through the `croner` crate. (The
//! `cron` crate reads neither 5-field lines nor crontab weekdays: it wants 6 or 7
//! fields and counts weekdays from 1 = Sunday.)

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// The schedule used when a source names none: every 15 minutes.
pub const DEFAULT_SCHEDULE: &str = "*/15 * * * *";

/// A parsed crontab schedule. Cheap to clone: a parsed line takes a few kilobytes,
/// and a thousand sources usually share a handful of schedules.
#[derive(Clone)]
pub struct Schedule {
    cron: Arc<Cron>,
    text: Arc<str>,
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schedule({:?})", self.text)
    }
}

/// Two schedules are the same when they are written the same.
impl PartialEq for Schedule {
    fn eq(&self, other: &Schedule) -> bool {
        self.text == other.text
    }
}

impl Eq for Schedule {}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Schedule {
    type Err = String;

    /// Parses a 5-field crontab line, a 6-field one whose first field is seconds, or
    /// one of crontab's shorthands (`@hourly`, `@daily`, `@weekly`, `@monthly`,
    /// `@yearly`).
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let line = match text.to_ascii_lowercase().as_str() {
            "@hourly" => "0 * * * *",
            "@daily" | "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * 0",
            "@monthly" => "0 0 1 * *",
            "@yearly" | "@annually" => "0 0 1 1 *",
            other if other.starts_with('@') => {
                return Err(format!(
                    "\"{text}\" is not a schedule: the shorthands are @hourly, @daily, @weekly, @monthly and @yearly"
                ));
            }
            _ => text,
        };
        let fields = line.split_whitespace().count();
        if !(5..=6).contains(&fields) {
            return Err(format!(
                "\"{text}\" has {fields} {}: a schedule is a crontab line of 5 fields (minute hour day month weekday), or 6 with seconds first",
                if fields == 1 { "field" } else { "fields" }
            ));
        }
        let cron = parse(line).map_err(|e| match bad_field(line) {
            Some((name, value)) => format!("\"{text}\": the {name} field \"{value}\" is not valid ({e})"),
            None => format!("\"{text}\" is not a valid crontab line: {e}"),
        })?;
        let schedule = Schedule { cron: Arc::new(cron), text: Arc::from(text) };
        if schedule.next_after(Utc::now()).is_none() {
            return Err(format!("\"{text}\" never fires"));
        }
        Ok(schedule)
    }
}

/// The names of a crontab line's fields, for 5 and for 6 fields.
const FIELDS: [&str; 6] = ["seconds", "minute", "hour", "day-of-month", "month", "day-of-week"];

fn parse(line: &str) -> Result<Cron, croner::errors::CronError> {
    CronParser::builder().seconds(Seconds::Optional).year(Year::Disallowed).dom_and_dow(false).build().parse(line)
}

/// The first field of a line that does not parse on its own (every other field
/// `*`), with its name: croner's own errors do not say which field is wrong.
fn bad_field(line: &str) -> Option<(&'static str, String)> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let names = &FIELDS[FIELDS.len() - fields.len()..];
    (0..fields.len()).find_map(|i| {
        let alone: Vec<&str> = (0..fields.len()).map(|j| if i == j { fields[j] } else { "*" }).collect();
        parse(&alone.join(" ")).is_err().then(|| (names[i], fields[i].to_string()))
    })
}

impl Schedule {
    /// The first time strictly after `after` at which the schedule fires.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(&after, false).ok()
    }

    /// The next `count` times after `after`.
    pub fn upcoming(&self, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        std::iter::successors(self.next_after(after), |&at| self.next_after(at)).take(count).collect()
    }

    /// A small delay, the same for a source on every run, so that sources on the same
    /// schedule do not all start in the same second: up to a tenth of the interval,
    /// at most 30 s.
    pub fn jitter(&self, key: &str, from: DateTime<Utc>) -> Duration {
        let interval = match self.upcoming(from, 2).as_slice() {
            [a, b] => (*b - *a).num_milliseconds().max(0),
            _ => 0,
        };
        let spread = (interval / 10).min(30_000);
        if spread == 0 {
            return Duration::zero();
        }
        // FNV-1a: a fixed, well-spread hash of the key.
        let hash =
            key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        Duration::milliseconds(i64::try_from(hash % spread.unsigned_abs()).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, TimeZone, Timelike, Weekday};

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn monday_is_1_as_in_crontab() {
        let schedule: Schedule = "0 9 * * 1".parse().unwrap();
        for next in schedule.upcoming(at(2026, 11, 27, 12, 0), 5) {
            assert_eq!(next.weekday(), Weekday::Mon, "{next}");
            assert_eq!((next.hour(), next.minute()), (9, 0));
        }
    }

    #[test]
    fn day_of_month_or_day_of_week() {
        // Crontab: "on the 13th, and on every Friday" (not "on Friday the 13th").
        let schedule: Schedule = "0 9 13 * 5".parse().unwrap();
        let runs = schedule.upcoming(at(2026, 11, 1, 0, 0), 12);
        assert!(runs.iter().all(|t| t.weekday() == Weekday::Fri || t.day() == 13), "{runs:?}");
        assert!(runs.iter().any(|t| t.day() == 13 && t.weekday() != Weekday::Fri), "{runs:?}");
        assert!(runs.iter().filter(|t| t.weekday() == Weekday::Fri).count() >= 8, "{runs:?}");
        // November 2026: Fridays 6, 13, 20, 27; the 13th is a Friday too.
        let november: Vec<u32> = runs.iter().filter(|t| t.month() == 11).map(|t| t.day()).collect();
        assert_eq!(november, vec![6, 13, 20, 27]);
        let december: Vec<u32> = runs.iter().filter(|t| t.month() == 12).map(|t| t.day()).collect();
        assert_eq!(december, vec![4, 11, 13, 18, 25]);
    }

    #[test]
    fn sunday_is_0_and_7() {
        for line in ["0 0 * * 0", "0 0 * * 7"] {
            let schedule: Schedule = line.parse().unwrap();
            assert_eq!(schedule.next_after(at(2026, 11, 27, 0, 0)).unwrap().weekday(), Weekday::Sun);
        }
    }

    #[test]
    fn six_fields_have_seconds_first() {
        let schedule: Schedule = "30 */5 * * * *".parse().unwrap();
        let next = schedule.next_after(at(2026, 11, 27, 12, 1)).unwrap();
        assert_eq!((next.minute(), next.second()), (5, 30));
    }

    #[test]
    fn the_default_is_every_15_minutes() {
        let schedule: Schedule = DEFAULT_SCHEDULE.parse().unwrap();
        let runs = schedule.upcoming(at(2026, 11, 27, 12, 1), 3);
        let minutes: Vec<u32> = runs.iter().map(|t| t.minute()).collect();
        assert_eq!(minutes, vec![15, 30, 45]);
    }

    #[test]
    fn readable_errors() {
        let error = "0 9 * *".parse::<Schedule>().unwrap_err();
        assert!(error.contains("has 4 fields"), "{error}");
        let error = "0 25 * * *".parse::<Schedule>().unwrap_err();
        assert!(error.contains("the hour field \"25\" is not valid"), "{error}");
        let error = "*/5 0 9 * * MON-XYZ".parse::<Schedule>().unwrap_err();
        assert!(error.contains("the day-of-week field"), "{error}");
        let error = "daily".parse::<Schedule>().unwrap_err();
        assert!(error.contains("has 1 field:"), "{error}");
        assert!("@often".parse::<Schedule>().unwrap_err().contains("shorthands"));
        assert!("0 9 30 2 *".parse::<Schedule>().is_err(), "February 30th never comes");
    }

    #[test]
    fn shorthands() {
        let from = at(2026, 11, 27, 12, 30);
        let hourly: Schedule = "@hourly".parse().unwrap();
        assert_eq!(hourly.next_after(from), Some(at(2026, 11, 27, 13, 0)));
        assert_eq!(hourly.to_string(), "@hourly");
        let daily: Schedule = "@daily".parse().unwrap();
        assert_eq!(daily.next_after(from), Some(at(2026, 11, 28, 0, 0)));
        let weekly: Schedule = "@weekly".parse().unwrap();
        assert_eq!(weekly.next_after(from), Some(at(2026, 11, 29, 0, 0)), "Sunday");
        let monthly: Schedule = "@monthly".parse().unwrap();
        assert_eq!(monthly.next_after(from), Some(at(2026, 12, 1, 0, 0)));
    }

    #[test]
    fn jitter_is_small_and_stable() {
        let schedule: Schedule = DEFAULT_SCHEDULE.parse().unwrap();
        let from = at(2026, 11, 27, 12, 0);
        let jitter = schedule.jitter("news", from);
        assert_eq!(jitter, schedule.jitter("news", from));
        assert!(jitter <= Duration::seconds(30));
        assert_ne!(schedule.jitter("news", from), schedule.jitter("other", from));
    }
}
