//! Submission times, for `--duplicates latest|first`: the timestamp column of a forms export
//! (`Timestamp`, `Completion time`, …) read into seconds so that two submissions can be ordered.
//!
//! Accepted forms (the date's order is fixed by its separators, never guessed from the values):
//! `2024-09-12 10:15:03` and `2024-09-12T10:15:03Z` / `+02:00` (ISO 8601), `2024/09/12 10:15:03`
//! (year first), `9/12/2024 10:15:03 PM` (month/day/year, as Google and Microsoft Forms export in
//! English), `12.09.2024 10:15` (day.month.year); a two-digit year is 20YY; seconds, `AM`/`PM` and
//! an offset (`Z`, `+02:00`, `GMT+2`, `UTC-5`) are optional. Without an offset, times are compared
//! as written (one class's export uses one time zone).

/// A point in time, in seconds (UTC when the text gave an offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

/// Days from 1970-01-01 to the date (proleptic Gregorian; Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl Timestamp {
    /// Reads `text`, or `None` when it is not one of the accepted forms.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let t = text.trim();
        let (date, rest) = t.split_once([' ', 'T']).unwrap_or((t, ""));
        let (y, m, d) = date_part(date)?;
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        let (secs, offset) = time_part(rest)?;
        Some(Timestamp(days_from_civil(y, m, d) * 86_400 + secs - offset))
    }
}

fn numbers(s: &str, sep: char) -> Option<Vec<(i64, usize)>> {
    s.split(sep)
        .map(|p| {
            (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok().map(|v| (v, p.len())))
                .flatten()
        })
        .collect()
}

fn date_part(date: &str) -> Option<(i64, i64, i64)> {
    let sep = ['-', '/', '.'].into_iter().find(|c| date.contains(*c))?;
    let n = numbers(date, sep)?;
    let [(a, alen), (b, _), (c, clen)] = n.as_slice() else {
        return None;
    };
    let year = |v: i64, len: usize| if len <= 2 { 2000 + v } else { v };
    Some(match (alen, sep) {
        (4, _) => (*a, *b, *c),
        (_, '.') => (year(*c, *clen), *b, *a),
        _ => (year(*c, *clen), *a, *b),
    })
}

/// Seconds since midnight and the offset east of UTC, in seconds, from `10:15:03 PM GMT+2`.
fn time_part(rest: &str) -> Option<(i64, i64)> {
    let rest = rest.trim();
    if rest.is_empty() {
        return Some((0, 0));
    }
    // Split off a `Z` or an offset glued to the time (`10:15:03Z`, `10:15:03+02:00`).
    let (clock, tail) = match rest.find(['Z', '+', '-', ' ']) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let clock = clock.split('.').next().unwrap_or(clock); // fractions of a second
    let parts = numbers(clock, ':')?;
    let (h, mi, s) = match parts.as_slice() {
        [(h, _), (m, _)] => (*h, *m, 0),
        [(h, _), (m, _), (s, _)] => (*h, *m, *s),
        _ => return None,
    };
    let mut h = h;
    let mut offset = 0;
    for word in tail.split_whitespace() {
        let upper = word.to_ascii_uppercase();
        match upper.as_str() {
            "AM" | "PM" if h > 12 || h == 0 => return None,
            "AM" => h %= 12,
            "PM" => h = h % 12 + 12,
            "Z" | "UTC" | "GMT" => {}
            _ => offset = zone(&upper)?,
        }
    }
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some((h * 3600 + mi * 60 + s, offset))
}

/// `+02:00`, `-0500`, `GMT+2`, `UTC-5:30` as seconds east of UTC.
fn zone(word: &str) -> Option<i64> {
    let w = word
        .strip_prefix("GMT")
        .or_else(|| word.strip_prefix("UTC"))
        .unwrap_or(word);
    let sign = match w.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let digits = &w[1..];
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?),
        None if digits.len() == 4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        None => (digits.parse().ok()?, 0),
    };
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        Timestamp::parse(s).unwrap_or_else(|| panic!("{s}")).0
    }

    #[test]
    fn the_forms_exports_write() {
        // 2024-09-12 10:15:03 is 1726136103 s after the epoch (`date -u -d … +%s`).
        let t = 1_726_136_103;
        assert_eq!(at("2024-09-12 10:15:03"), t);
        assert_eq!(at("2024-09-12T10:15:03Z"), t);
        assert_eq!(at("2024-09-12T12:15:03+02:00"), t);
        assert_eq!(at("2024/09/12 10:15:03"), t);
        assert_eq!(at("9/12/2024 10:15:03 AM"), t);
        assert_eq!(at("9/12/2024 10:15:03 PM"), t + 12 * 3600);
        assert_eq!(at("9/12/24 10:15:03"), t);
        assert_eq!(at("12.09.2024 10:15:03"), t);
        assert_eq!(at("2024/09/12 12:15:03 PM GMT+2"), t);
        assert_eq!(at("12/31/2024 12:00:00 AM"), at("2024-12-31 00:00:00"));
        assert_eq!(at("2024-09-12 10:15"), t - 3);
        assert_eq!(at("2024-09-12"), t - 10 * 3600 - 15 * 60 - 3);
        assert_eq!(at("2024-09-12 10:15:03.250"), t);
    }

    #[test]
    fn other_text_is_not_a_time() {
        for s in [
            "",
            "yesterday",
            "2024-13-01 10:00",
            "2024-09-12 25:00",
            "1/2",
            "13:00 PM",
        ] {
            assert_eq!(Timestamp::parse(s), None, "{s}");
        }
    }
}
