//! Dates and numbers in the reader's language: the grid's month and day
//! headers, the scrubber's month, the info panel's date and numbers, and the
//! counts of the status line.
//!
//! A [`Locale`] holds, per kind of date, the order of its parts and the
//! month and weekday names, and the number separators. English is built in
//! (the app's own style: `Fri, 3 May 2024`, `May 2024`, `5000`); any other
//! language is read once from the browser's `Intl` (`formatToParts` on a
//! few sample dates, no table shipped), after which formatting is plain
//! Rust with no call into JavaScript per header. The tag comes from
//! `config.json`'s `locale`, the element's `locale` attribute, else the
//! browser's language.

use std::sync::Arc;

/// English month names, January first.
pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// English weekday abbreviations, Monday first.
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A piece of a date as written.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Weekday,
    Day,
    Month,
    Year,
    Hour,
    Minute,
}

/// How one kind of date is written: its parts in order and its names.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pattern {
    parts: Vec<Part>,
    /// Month names as this pattern writes them, January first.
    months: Vec<String>,
    /// Weekday names as this pattern writes them, Monday first.
    weekdays: Vec<String>,
}

/// A calendar date and wall-clock time, as the grid and the info panel hold it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct When {
    pub year: i32,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
    /// 0 for Monday … 6 for Sunday.
    pub weekday: u32,
    pub hour: u32,
    pub minute: u32,
}

impl Pattern {
    fn english(parts: Vec<Part>, short_months: bool) -> Self {
        Self {
            parts,
            months: MONTH_NAMES
                .iter()
                .map(|m| if short_months { &m[..3] } else { m }.to_owned())
                .collect(),
            weekdays: WEEKDAYS.iter().map(|&w| w.to_owned()).collect(),
        }
    }

    fn write(&self, w: &When) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Weekday => out.push_str(name(&self.weekdays, w.weekday)),
                Part::Day => out.push_str(&w.day.to_string()),
                Part::Month => out.push_str(name(&self.months, w.month.saturating_sub(1))),
                Part::Year => out.push_str(&w.year.to_string()),
                Part::Hour => out.push_str(&format!("{:02}", w.hour)),
                Part::Minute => out.push_str(&format!("{:02}", w.minute)),
            }
        }
        out
    }
}

fn name(names: &[String], i: u32) -> &str {
    names.get(i as usize).map_or("", String::as_str)
}

/// How dates and numbers are written for one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locale {
    /// The language tag (`en`, `de-CH`).
    pub tag: String,
    month_year: Pattern,
    day: Pattern,
    taken: Pattern,
    decimal: String,
    /// Thousands separator; empty: none.
    group: String,
}

impl Default for Locale {
    fn default() -> Self {
        Self::english()
    }
}

impl Locale {
    /// The app's English: `May 2024`, `Fri, 3 May 2024`,
    /// `Fri 3 May 2024, 14:05`, `12.2`, `5000`.
    pub fn english() -> Self {
        use Part::*;
        let t = |s: &str| Text(s.to_owned());
        Self {
            tag: "en".to_owned(),
            month_year: Pattern::english(vec![Month, t(" "), Year], false),
            day: Pattern::english(
                vec![Weekday, t(", "), Day, t(" "), Month, t(" "), Year],
                true,
            ),
            taken: Pattern::english(
                vec![
                    Weekday,
                    t(" "),
                    Day,
                    t(" "),
                    Month,
                    t(" "),
                    Year,
                    t(", "),
                    Hour,
                    t(":"),
                    Minute,
                ],
                false,
            ),
            decimal: ".".to_owned(),
            group: String::new(),
        }
    }

    /// A month header: `May 2024`, `Mai 2024`.
    pub fn month_year(&self, year: i32, month: u32) -> String {
        self.month_year.write(&When {
            year,
            month,
            day: 1,
            weekday: 0,
            hour: 0,
            minute: 0,
        })
    }

    /// A day header: `Fri, 3 May 2024`, `Fr., 3. Mai 2024`.
    pub fn day(&self, w: &When) -> String {
        self.day.write(w)
    }

    /// The info panel's date and time: `Fri 3 May 2024, 14:05`.
    pub fn taken(&self, w: &When) -> String {
        self.taken.write(w)
    }

    /// `v` with at most `decimals` decimals, trailing zeros dropped, in this
    /// language's separators: `12.2`, `12,2`.
    pub fn number(&self, v: f64, decimals: usize) -> String {
        let s = format!("{v:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        };
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s.as_str(), None),
        };
        let mut out = self.group_digits(int);
        if let Some(f) = frac {
            out.push_str(&self.decimal);
            out.push_str(f);
        }
        out
    }

    /// A count: `5000` in English, `5.000` in German.
    pub fn count(&self, n: u64) -> String {
        self.group_digits(&n.to_string())
    }

    fn group_digits(&self, int: &str) -> String {
        let (sign, digits) = match int.strip_prefix('-') {
            Some(d) => ("-", d),
            None => ("", int),
        };
        if self.group.is_empty() || digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return int.to_owned();
        }
        let mut out = String::from(sign);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push_str(&self.group);
            }
            out.push(c);
        }
        out
    }

    /// Whether `tag` is a language tag worth asking the browser about
    /// (letters, digits and `-`, at most 35 characters).
    pub fn valid_tag(tag: &str) -> bool {
        !tag.is_empty()
            && tag.len() <= 35
            && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && tag.as_bytes()[0].is_ascii_alphabetic()
    }

    /// Whether `tag` is English, which is built in.
    fn is_english(tag: &str) -> bool {
        let lang = tag.split('-').next().unwrap_or("");
        lang.eq_ignore_ascii_case("en")
    }

    /// The locale for `tag` (else the browser's language), read from the
    /// browser's `Intl`; English, or whatever `Intl` cannot give, is the
    /// built-in English.
    pub fn resolve(tag: Option<&str>) -> Arc<Self> {
        let tag = tag
            .map(str::trim)
            .filter(|t| Self::valid_tag(t))
            .map(str::to_owned)
            .or_else(browser_language);
        match tag {
            Some(t) if !Self::is_english(&t) => {
                Arc::new(intl::read(&t).unwrap_or_else(Self::english))
            }
            _ => Arc::new(Self::english()),
        }
    }
}

/// The browser's first language (`navigator.language`), if valid.
fn browser_language() -> Option<String> {
    let lang = web_sys::window()?.navigator().language()?;
    Locale::valid_tag(&lang).then_some(lang)
}

/// Reading a language's patterns from the browser's `Intl`. Every call goes
/// through `Reflect` and catches: a tag or an engine that `Intl` refuses
/// gives `None`, never an exception through the wasm.
mod intl {
    use js_sys::{Array, Date, Function, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    use super::{Locale, Part, Pattern};

    fn get(obj: &JsValue, key: &str) -> Option<JsValue> {
        Reflect::get(obj, &JsValue::from_str(key)).ok()
    }

    /// `new Intl[ctor](tag, options)`.
    fn make(ctor: &str, tag: &str, options: &[(&str, &str)]) -> Option<JsValue> {
        let intl = get(&js_sys::global(), "Intl")?;
        let ctor: Function = get(&intl, ctor)?.dyn_into().ok()?;
        let opts = Object::new();
        for (k, v) in options {
            Reflect::set(&opts, &JsValue::from_str(k), &JsValue::from_str(v)).ok()?;
        }
        Reflect::construct(&ctor, &Array::of2(&JsValue::from_str(tag), &opts)).ok()
    }

    /// `fmt.formatToParts(value)` as (type, value) pairs.
    fn parts(fmt: &JsValue, value: &JsValue) -> Option<Vec<(String, String)>> {
        let f: Function = get(fmt, "formatToParts")?.dyn_into().ok()?;
        let arr: Array = f.call1(fmt, value).ok()?.dyn_into().ok()?;
        arr.iter()
            .take(64)
            .map(|p| {
                Some((
                    get(&p, "type")?.as_string()?,
                    get(&p, "value")?.as_string()?,
                ))
            })
            .collect()
    }

    fn utc(y: u32, m0: i32, d: i32, h: i32, min: i32) -> JsValue {
        JsValue::from(Date::new(&JsValue::from_f64(
            Date::utc(f64::from(y), f64::from(m0))
                + f64::from(d - 1) * 86_400_000.0
                + f64::from(h) * 3_600_000.0
                + f64::from(min) * 60_000.0,
        )))
    }

    fn part_of<'a>(ps: &'a [(String, String)], kind: &str) -> Option<&'a str> {
        ps.iter().find(|(t, _)| t == kind).map(|(_, v)| v.as_str())
    }

    fn pattern(tag: &str, options: &[(&str, &str)]) -> Option<Pattern> {
        let mut opts = vec![("timeZone", "UTC"), ("hourCycle", "h23")];
        opts.extend_from_slice(options);
        let fmt = make("DateTimeFormat", tag, &opts)?;
        // 2001-02-03 04:05 UTC, a Saturday.
        let sample = parts(&fmt, &utc(2001, 1, 3, 4, 5))?;
        let order = sample
            .iter()
            .map(|(t, v)| match t.as_str() {
                "weekday" => Part::Weekday,
                "day" => Part::Day,
                "month" => Part::Month,
                "year" => Part::Year,
                "hour" => Part::Hour,
                "minute" => Part::Minute,
                _ => Part::Text(v.clone()),
            })
            .collect();
        // The names as this pattern writes them (some languages decline a
        // month inside a date). 2001-01-01 was a Monday.
        let mut months = Vec::with_capacity(12);
        for m in 0..12 {
            let ps = parts(&fmt, &utc(2001, m, 3, 4, 5))?;
            months.push(part_of(&ps, "month").unwrap_or_default().to_owned());
        }
        let mut weekdays = Vec::with_capacity(7);
        if options.iter().any(|(k, _)| *k == "weekday") {
            for d in 1..=7 {
                let ps = parts(&fmt, &utc(2001, 0, d, 4, 5))?;
                weekdays.push(part_of(&ps, "weekday").unwrap_or_default().to_owned());
            }
        }
        Some(Pattern {
            parts: order,
            months,
            weekdays,
        })
    }

    /// The locale `tag` as the browser writes it, or `None`.
    pub fn read(tag: &str) -> Option<Locale> {
        let month_year = pattern(tag, &[("month", "long"), ("year", "numeric")])?;
        let day = pattern(
            tag,
            &[
                ("weekday", "short"),
                ("day", "numeric"),
                ("month", "short"),
                ("year", "numeric"),
            ],
        )?;
        let taken = pattern(
            tag,
            &[
                ("weekday", "short"),
                ("day", "numeric"),
                ("month", "long"),
                ("year", "numeric"),
                ("hour", "2-digit"),
                ("minute", "2-digit"),
            ],
        )?;
        let numbers = make("NumberFormat", tag, &[])?;
        let ps = parts(&numbers, &JsValue::from_f64(12_345.6))?;
        Some(Locale {
            tag: tag.to_owned(),
            month_year,
            day,
            taken,
            decimal: part_of(&ps, "decimal").unwrap_or(".").to_owned(),
            group: part_of(&ps, "group").unwrap_or("").to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn when(year: i32, month: u32, day: u32, weekday: u32, hour: u32, minute: u32) -> When {
        When {
            year,
            month,
            day,
            weekday,
            hour,
            minute,
        }
    }

    #[test]
    fn english_is_the_apps_own_style() {
        let en = Locale::english();
        let w = when(2024, 5, 3, 4, 14, 5);
        assert_eq!(en.month_year(2024, 5), "May 2024");
        assert_eq!(en.day(&w), "Fri, 3 May 2024");
        assert_eq!(en.taken(&w), "Fri 3 May 2024, 14:05");
        assert_eq!(en.count(5000), "5000");
        assert_eq!(en.number(12.25, 1), "12.2");
        assert_eq!(en.number(3.0, 1), "3");
    }

    #[test]
    fn other_separators_group_and_mark_decimals() {
        let de = Locale {
            decimal: ",".to_owned(),
            group: ".".to_owned(),
            ..Locale::english()
        };
        assert_eq!(de.count(999), "999");
        assert_eq!(de.count(5000), "5.000");
        assert_eq!(de.count(1_234_567), "1.234.567");
        assert_eq!(de.number(12.2, 1), "12,2");
        assert_eq!(de.number(12_345.0, 1), "12.345");
        assert_eq!(de.number(-1_234.5, 1), "-1.234,5");
    }

    #[test]
    fn names_out_of_range_write_nothing_rather_than_panic() {
        let en = Locale::english();
        assert_eq!(en.month_year(2024, 13), " 2024");
        assert_eq!(en.month_year(2024, 0), "January 2024");
    }

    #[test]
    fn tags_are_checked_before_the_browser_sees_them() {
        assert!(Locale::valid_tag("de"));
        assert!(Locale::valid_tag("de-CH"));
        assert!(Locale::valid_tag("zh-Hant-TW"));
        assert!(!Locale::valid_tag(""));
        assert!(!Locale::valid_tag("de CH"));
        assert!(!Locale::valid_tag("-de"));
        assert!(!Locale::valid_tag(&"a".repeat(36)));
        assert!(Locale::is_english("en-US"));
        assert!(Locale::is_english("EN"));
        assert!(!Locale::is_english("de"));
    }
}
