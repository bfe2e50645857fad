//! Alibaba's timestamp format, `YYYY-MM-DDThh:mm:ssZ` (UTC).

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

const ISO: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// Formats Unix seconds as `YYYY-MM-DDThh:mm:ssZ`.
pub fn format(ts: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(ISO).ok())
        .unwrap_or_default()
}

/// Parses `YYYY-MM-DDThh:mm:ssZ` into Unix seconds.
pub fn parse(s: &str) -> Option<i64> {
    PrimitiveDateTime::parse(s, ISO)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        assert_eq!(super::format(1_459_135_988), "2016-03-28T03:33:08Z");
        assert_eq!(super::parse("2016-03-28T03:33:08Z"), Some(1_459_135_988));
        assert_eq!(super::parse("2016-03-28 03:33:08"), None);
    }
}
