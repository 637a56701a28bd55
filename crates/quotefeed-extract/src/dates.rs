//! Post dates as embeds print them ("November 11, 2019", "Apr 18, 2024 at 09:12",
//! "3. Januar 2013", "2013年1月3日", ISO 8601) turned into ISO 8601.
//!
//! Hand-written: chrono's `strftime` parsing knows English names only and needs the
//! exact layout up front, while embeds come in many languages and layouts.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Month names and abbreviations, in the languages listed in the README.
#[rustfmt::skip]
const MONTHS: &[(&str, [&str; 12])] = &[
    ("en", ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]),
    ("en-short", ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
    ("en-short2", ["jan", "feb", "mar", "apr", "may", "june", "july", "aug", "sept", "oct", "nov", "dec"]),
    ("de", ["januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "dezember"]),
    ("de-short", ["jän", "febr", "mär", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "dez"]),
    ("de-at", ["jänner", "feber", "mrz", "apr", "mai", "jun", "jul", "aug", "sept", "okt", "nov", "dez"]),
    ("fr", ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]),
    ("fr-short", ["janv", "févr", "mars", "avr", "mai", "juin", "juil", "août", "sept", "oct", "nov", "déc"]),
    ("es", ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"]),
    ("es-short", ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"]),
    ("es-alt", ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "setiembre", "octubre", "noviembre", "diciembre"]),
    ("pt", ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"]),
    ("pt-short", ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"]),
    ("it", ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"]),
    ("it-short", ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"]),
    ("nl", ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"]),
    ("nl-short", ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]),
    ("sv", ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"]),
    ("da-no", ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "desember"]),
    ("pl", ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"]),
    ("pl-nom", ["styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec", "sierpień", "wrzesień", "październik", "listopad", "grudzień"]),
    ("ru", ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"]),
    ("ru-short", ["янв", "февр", "мар", "апр", "мая", "июн", "июл", "авг", "сент", "окт", "нояб", "дек"]),
    ("tr", ["ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim", "kasım", "aralık"]),
];

static MONTH_BY_NAME: LazyLock<HashMap<&'static str, u32>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (_, names) in MONTHS {
        for (i, name) in names.iter().enumerate() {
            map.insert(*name, i as u32 + 1);
        }
    }
    map
});

/// Time-zone abbreviations that embeds print after a time ("11:40pm PDT").
#[rustfmt::skip]
const ZONES: &[(&str, &str)] = &[
    ("utc", "+00:00"), ("gmt", "+00:00"), ("z", "+00:00"),
    ("est", "-05:00"), ("edt", "-04:00"), ("cst", "-06:00"), ("cdt", "-05:00"),
    ("mst", "-07:00"), ("mdt", "-06:00"), ("pst", "-08:00"), ("pdt", "-07:00"),
    ("bst", "+01:00"), ("cet", "+01:00"), ("cest", "+02:00"), ("mez", "+01:00"), ("mesz", "+02:00"),
];

/// Parses a post date as embeds print it and returns it as ISO 8601: `YYYY-MM-DD`,
/// `YYYY-MM-DDTHH:MM` (with an offset when the text names a zone), or an ISO
/// timestamp as given. `None` when the text is not a date this parser knows.
pub fn parse_date(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text.len() > 80 {
        return None;
    }
    if let Some(iso) = parse_iso(text) {
        return Some(iso);
    }
    if let Some(cjk) = parse_cjk(text) {
        return Some(cjk);
    }
    parse_words(text)
}

fn parse_iso(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if b.len() < 10 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let valid = DateTime::parse_from_rfc3339(text).is_ok()
        || NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
        || ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S"]
            .iter()
            .any(|f| NaiveDateTime::parse_from_str(text, f).is_ok());
    valid.then(|| text.to_string())
}

/// `2013年1月3日` (Chinese, Japanese) and `2013년 1월 3일` (Korean).
fn parse_cjk(text: &str) -> Option<String> {
    let mut numbers = [0u32; 3];
    let mut idx = 0;
    let mut current: Option<u32> = None;
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            current = Some(current.unwrap_or(0).saturating_mul(10).saturating_add(d));
        } else if matches!(c, '年' | '년' | '月' | '월' | '日' | '일') {
            let expected = match idx {
                0 => matches!(c, '年' | '년'),
                1 => matches!(c, '月' | '월'),
                _ => matches!(c, '日' | '일'),
            };
            if !expected || idx > 2 {
                return None;
            }
            numbers[idx] = current.take()?;
            idx += 1;
            if idx == 3 {
                break;
            }
        } else if !c.is_whitespace() {
            if idx == 0 {
                return None;
            }
            break;
        }
    }
    if idx < 3 {
        return None;
    }
    format_date(numbers[0] as i32, numbers[1], numbers[2], None, None)
}

/// Day, month name and year in either order, optionally a time and a zone; other
/// words (weekdays, "at", "de", "um", "г.") are ignored.
fn parse_words(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let mut month = None;
    let mut day = None;
    let mut year = None;
    let mut time: Option<(u32, u32)> = None;
    let mut zone = None;
    let mut pm: Option<bool> = None;

    let tokens =
        lower.split(|c: char| c.is_whitespace() || matches!(c, ',' | '/' | '(' | ')')).filter(|t| !t.is_empty());
    for token in tokens {
        let token = token.trim_end_matches('.');
        if token.is_empty() {
            continue;
        }
        if let Some((h, rest)) = token.split_once(':') {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let suffix = rest[digits.len()..].trim_start_matches(':');
            let suffix = suffix.trim_start_matches(|c: char| c.is_ascii_digit());
            if let (Ok(h), Ok(m)) = (h.parse::<u32>(), digits.parse::<u32>()) {
                time = Some((h, m));
                pm = meridiem(suffix).or(pm);
                continue;
            }
        }
        if let Some(is_pm) = meridiem(token) {
            pm = Some(is_pm);
            continue;
        }
        if let Ok(n) = token.parse::<u32>() {
            if token.len() == 4 {
                year = Some(n as i32);
            } else if token.len() <= 2 && day.is_none() {
                day = Some(n);
            } else if token.len() == 2 && year.is_none() {
                // A two-digit year after the day ("October 04, 19"): the embeds that
                // print one are from this century; 70–99 are last century's.
                year = Some(if n < 70 { 2000 + n as i32 } else { 1900 + n as i32 });
            }
            continue;
        }
        if month.is_none()
            && let Some(&m) = MONTH_BY_NAME.get(token)
        {
            month = Some(m);
            continue;
        }
        if time.is_some()
            && let Some((_, off)) = ZONES.iter().find(|(z, _)| *z == token)
        {
            zone = Some(*off);
        }
    }
    let time = time.map(|(h, m)| match pm {
        Some(true) if h < 12 => (h + 12, m),
        Some(false) if h == 12 => (0, m),
        _ => (h, m),
    });
    format_date(year?, month?, day?, time, zone)
}

/// `am`/`a.m.` gives `Some(false)`, `pm`/`p.m.` gives `Some(true)`.
fn meridiem(token: &str) -> Option<bool> {
    match token {
        "am" | "a.m" | "a.m." => Some(false),
        "pm" | "p.m" | "p.m." => Some(true),
        _ => None,
    }
}

fn format_date(year: i32, month: u32, day: u32, time: Option<(u32, u32)>, zone: Option<&str>) -> Option<String> {
    NaiveDate::from_ymd_opt(year, month, day)?;
    match time {
        Some((h, m)) if h < 24 && m < 60 => {
            Some(format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}{}", zone.unwrap_or("")))
        }
        _ => Some(format!("{year:04}-{month:02}-{day:02}")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn english_dates() {
        assert_eq!(parse_date("November 11, 2019").as_deref(), Some("2019-11-11"));
        assert_eq!(parse_date("Nov 11, 2019").as_deref(), Some("2019-11-11"));
        assert_eq!(parse_date("11 November 2019").as_deref(), Some("2019-11-11"));
        assert_eq!(parse_date("Thursday, April 18, 2024").as_deref(), Some("2024-04-18"));
        assert_eq!(parse_date("Apr 18, 2024 at 09:12").as_deref(), Some("2024-04-18T09:12"));
        assert_eq!(parse_date("Apr 18, 2024 at 11:40pm PDT").as_deref(), Some("2024-04-18T23:40-07:00"));
    }

    #[test]
    fn localized_dates() {
        assert_eq!(parse_date("3. Januar 2013").as_deref(), Some("2013-01-03"));
        assert_eq!(parse_date("3 janvier 2013").as_deref(), Some("2013-01-03"));
        assert_eq!(parse_date("3 de enero de 2013").as_deref(), Some("2013-01-03"));
        assert_eq!(parse_date("3 de março de 2013").as_deref(), Some("2013-03-03"));
        assert_eq!(parse_date("3 gennaio 2013").as_deref(), Some("2013-01-03"));
        assert_eq!(parse_date("3 maart 2013").as_deref(), Some("2013-03-03"));
        assert_eq!(parse_date("3 января 2013 г.").as_deref(), Some("2013-01-03"));
        assert_eq!(parse_date("2013年1月3日").as_deref(), Some("2013-01-03"));
        assert_eq!(parse_date("2013년 1월 3일").as_deref(), Some("2013-01-03"));
    }

    #[test]
    fn two_digit_years() {
        assert_eq!(parse_date("October 04, 19").as_deref(), Some("2019-10-04"));
        assert_eq!(parse_date("4 oct. 19").as_deref(), Some("2019-10-04"));
        assert_eq!(parse_date("Oct 4, 98").as_deref(), Some("1998-10-04"));
        assert_eq!(parse_date("October 04"), None, "no year is no date");
    }

    #[test]
    fn iso_dates_pass_through() {
        assert_eq!(parse_date("2024-04-21T15:09:00.000Z").as_deref(), Some("2024-04-21T15:09:00.000Z"));
        assert_eq!(parse_date("2024-04-18T06:40:11+00:00").as_deref(), Some("2024-04-18T06:40:11+00:00"));
        assert_eq!(parse_date("2019-11-11").as_deref(), Some("2019-11-11"));
    }

    #[test]
    fn not_dates() {
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("said on Monday"), None);
        assert_eq!(parse_date("February 30, 2019"), None);
        assert_eq!(parse_date("2019-13-45"), None);
    }
}
