//! Alibaba's timestamp format, `YYYY-MM-DDThh:mm:ssZ` (UTC). The SDKs send
//! it with or without a fraction of a second of any length
//! (`2026-11-30T14:06:07.073Z`, `…07.073123456Z`).

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

const ISO: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const ISO_NO_Z: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

/// Formats Unix seconds as `YYYY-MM-DDThh:mm:ssZ`.
pub fn format(ts: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(ISO).ok())
        .unwrap_or_default()
}

/// Parses `YYYY-MM-DDThh:mm:ss[.f…]Z` into Unix nanoseconds: the exact
/// instant (digits past the ninth are read but cannot change it).
pub fn parse_nanos(s: &str) -> Option<i128> {
    let body = s.strip_suffix('Z')?;
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let secs = PrimitiveDateTime::parse(whole, ISO_NO_Z)
        .ok()?
        .assume_utc()
        .unix_timestamp();
    let mut nanos: i128 = 0;
    if let Some(f) = fraction {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        for (i, b) in f.bytes().take(9).enumerate() {
            nanos += i128::from(b - b'0') * 10i128.pow(8 - i as u32);
        }
    }
    Some(i128::from(secs) * 1_000_000_000 + nanos)
}

/// Parses `YYYY-MM-DDThh:mm:ss[.f…]Z` into Unix seconds (rounded down).
pub fn parse(s: &str) -> Option<i64> {
    parse_nanos(s).and_then(|n| i64::try_from(n.div_euclid(1_000_000_000)).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(format(1_459_135_988), "2016-03-28T03:33:08Z");
        assert_eq!(parse("2016-03-28T03:33:08Z"), Some(1_459_135_988));
        assert_eq!(parse("2016-03-28 03:33:08"), None);
    }

    #[test]
    fn fractions_of_any_length() {
        let base = 1_459_135_988i128 * 1_000_000_000;
        for (text, nanos) in [
            ("2016-03-28T03:33:08Z", 0),
            ("2016-03-28T03:33:08.0Z", 0),
            ("2016-03-28T03:33:08.5Z", 500_000_000),
            ("2016-03-28T03:33:08.073Z", 73_000_000),
            ("2016-03-28T03:33:08.073123Z", 73_123_000),
            ("2016-03-28T03:33:08.073123456Z", 73_123_456),
            ("2016-03-28T03:33:08.0731234569999Z", 73_123_456),
            ("2016-03-28T03:33:08.999999999Z", 999_999_999),
        ] {
            assert_eq!(parse_nanos(text), Some(base + nanos), "{text}");
            assert_eq!(parse(text), Some(1_459_135_988), "{text}");
        }
        for bad in [
            "2016-03-28T03:33:08.Z",
            "2016-03-28T03:33:08.12aZ",
            "2016-03-28T03:33:08,5Z",
            "2016-03-28T03:33:08.5",
            "2016-03-28T03:33:08+08:00",
            "2016-03-28T03:33Z",
        ] {
            assert_eq!(parse_nanos(bad), None, "{bad}");
        }
    }
}
