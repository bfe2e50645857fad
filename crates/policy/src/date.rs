//! Dates for the `Date*` operators: ISO 8601 / RFC 3339 text or epoch seconds,
//! read into nanoseconds since the Unix epoch (UTC).

/// Parses `2012-11-11T23:59:59Z` (fraction and `±hh:mm` offset optional; no zone
/// means UTC), `2012-11-11` (midnight UTC) or integer epoch seconds.
pub(crate) fn parse_date(text: &str) -> Option<i128> {
    let s = text.trim();
    if let Some(digits) = s.strip_prefix('-').or(Some(s)) {
        if !digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()) {
            let secs: i128 = s.parse().ok()?;
            return Some(secs * NANOS);
        }
    }
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = num(&b[0..4])?;
    let month = num(&b[5..7])?;
    let day = num(&b[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(i128::from(days) * 86_400 * NANOS);
    }
    if !matches!(rest[0], b'T' | b't') || rest.len() < 9 || rest[3] != b':' || rest[6] != b':' {
        return None;
    }
    let (hour, minute, second) = (num(&rest[1..3])?, num(&rest[4..6])?, num(&rest[7..9])?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &rest[9..];
    let mut nanos: i64 = 0;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        nanos = num(&frac[..n])? * 10_i64.pow(9 - n as u32);
        rest = &frac[n..];
    }
    let offset_secs = match rest {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let (h, m) = (num(&[*h1, *h2])?, num(&[*m1, *m2])?);
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 3600 + m * 60;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return None,
    };
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some(i128::from(secs) * NANOS + i128::from(nanos))
}

const NANOS: i128 = 1_000_000_000;

fn num(digits: &[u8]) -> Option<i64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0_i64, |acc, d| {
        acc.checked_mul(10)?.checked_add(i64::from(d - b'0'))
    })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> Option<i128> {
        parse_date(s).map(|n| n / NANOS)
    }

    #[test]
    fn formats() {
        assert_eq!(secs("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(secs("2012-11-11T23:59:59Z"), Some(1_352_678_399));
        assert_eq!(secs("2012-11-11"), Some(1_352_592_000));
        assert_eq!(secs("2012-11-12T07:59:59+08:00"), Some(1_352_678_399));
        assert_eq!(secs("2012-11-11T18:59:59-0500"), Some(1_352_678_399));
        assert_eq!(secs("2012-11-11T23:59:59"), Some(1_352_678_399));
        assert_eq!(secs("1352678399"), Some(1_352_678_399));
        assert_eq!(secs("-86400"), Some(-86_400));
        assert_eq!(secs("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(
            parse_date("1970-01-01T00:00:00.5Z"),
            Some(500_000_000),
            "fraction"
        );
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "yesterday",
            "2012-13-01",
            "2013-02-29",
            "2012-11-11T24:00:00Z",
            "2012-11-11T23:59:59Q",
            "2012-11-11T23:59",
            "2012-11-11T23:59:59.Z",
            "2012/11/11",
            "-",
            "9999999999999999999999",
        ] {
            assert_eq!(parse_date(bad), None, "`{bad}`");
        }
    }
}
