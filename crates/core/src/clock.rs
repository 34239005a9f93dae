//! Points in time as plain data.
//!
//! A [`Timestamp`] is milliseconds since the Unix epoch, UTC. It is what the store writes (a
//! portable `BIGINT`) and what every time rule takes as `now`. Only the binary and the web layer
//! read the system clock; everything below them is handed the time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The system clock, read once. Only the outer layers call this.
    pub fn now() -> Self {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        Timestamp(i64::try_from(ms).unwrap_or(i64::MAX))
    }

    /// Milliseconds since the epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// This time plus `d` (saturating).
    pub fn plus(self, d: Duration) -> Self {
        Timestamp(self.0.saturating_add(duration_ms(d)))
    }

    /// This time minus `d` (saturating).
    pub fn minus(self, d: Duration) -> Self {
        Timestamp(self.0.saturating_sub(duration_ms(d)))
    }

    /// The time from `earlier` to `self`, zero when `earlier` is later.
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(u64::try_from(self.0.saturating_sub(earlier.0)).unwrap_or(0))
    }

    /// As a calendar time in UTC, for display and for date rules.
    pub fn to_offset_date_time(self) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }
}

/// Why a typed date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateProblem {
    /// Not a calendar date written as YYYY-MM-DD.
    #[error("Enter a date as YYYY-MM-DD, for example 2027-03-31.")]
    Invalid,
}

/// The start (00:00 UTC) of a calendar date written `YYYY-MM-DD`, as browsers send it from a
/// date field.
pub fn parse_date(typed: &str) -> Result<Timestamp, DateProblem> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(typed.trim(), &format).map_err(|_| DateProblem::Invalid)?;
    let at = date.midnight().assume_utc().unix_timestamp();
    Ok(Timestamp(at.saturating_mul(1000)))
}

/// A time for people: `YYYY-MM-DD HH:MM:SS`, UTC.
pub fn format_date_time(t: Timestamp) -> String {
    let d = t.to_offset_date_time();
    format!(
        "{} {:02}:{:02}:{:02}",
        format_date(t),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// The calendar date (UTC) of a time, written `YYYY-MM-DD`.
pub fn format_date(t: Timestamp) -> String {
    let d = t.to_offset_date_time().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_instead_of_overflowing() {
        let t = Timestamp(i64::MAX - 5);
        assert_eq!(t.plus(Duration::from_secs(1)), Timestamp(i64::MAX));
        assert_eq!(Timestamp(10).since(Timestamp(20)), Duration::ZERO);
        assert_eq!(
            Timestamp(2_000).since(Timestamp(500)),
            Duration::from_millis(1_500)
        );
    }

    #[test]
    fn dates_are_read_as_the_start_of_the_day_in_utc() {
        assert_eq!(parse_date("1970-01-02"), Ok(Timestamp(86_400_000)));
        assert_eq!(
            parse_date(" 2027-03-31 ").map(format_date),
            Ok("2027-03-31".into())
        );
        assert_eq!(parse_date("2027-02-30"), Err(DateProblem::Invalid));
        assert_eq!(parse_date("31-03-2027"), Err(DateProblem::Invalid));
        assert_eq!(parse_date(""), Err(DateProblem::Invalid));
    }

    #[test]
    fn converts_to_calendar_time() {
        let t = Timestamp(86_400_000);
        assert_eq!(t.to_offset_date_time().date().to_string(), "1970-01-02");
    }
}
