//! Parameter extraction from a question: relative time phrases (Korean and English), IPv4, account ids, ARNs,
//! IAM user names, ports and regions.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use regex::Regex;

use super::params::Window;
use super::text::compose_hangul;

/// What a question names explicitly.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Slots {
    /// A resolved time window, if a known phrase was found.
    pub window: Option<Window>,
    /// The phrase that set the window.
    pub window_phrase: Option<String>,
    /// Whether the question names a time we could not resolve (a date, "since …").
    pub unresolved_time: bool,
    /// IPv4 addresses (not 0.0.0.0 or CIDR blocks).
    pub ips: Vec<String>,
    /// 12-digit account ids outside ARNs.
    pub accounts: Vec<String>,
    /// ARNs and IAM user names.
    pub principals: Vec<String>,
    /// Port numbers.
    pub ports: Vec<String>,
    /// AWS region names.
    pub regions: Vec<String>,
    /// The asker's UTC offset at `now` in minutes (`[pipeline] timezone`), for `{{ local_time }}`.
    pub utc_offset_minutes: i32,
}

macro_rules! re {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($pat).expect("pattern compiles"));
    };
}

re!(ARN, r"arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:\d{0,12}[:/][A-Za-z0-9+=,.@_/:-]*[A-Za-z0-9+=@_/-]");
re!(IPV4, r"(?:^|[^\d.])((?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})(/\d{1,2})?");
re!(ACCOUNT, r"(?:^|\D)(\d{12})(?:\D|$)");
re!(REGION, r"\b([a-z]{2}(?:-gov)?-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d)\b");
re!(PORT, r"(?i)(?:\bport\s*(?:number\s*)?|포트\s*(?:번호\s*)?|tcp/|udp/)(\d{1,5})\b|\b(\d{1,5})\s*번?\s*포트");
re!(
    USER,
    r#"(?i)(?:\b(?:iam\s+)?(?:user(?:name)?|principal|role)\s+(?:named\s+|called\s+)?|사용자\s*|유저\s*)['"`]?([A-Za-z0-9+=,.@_-]{2,64})['"`]?|['"`]?([A-Za-z0-9+=,.@_-]{2,64})['"`]?\s*(?:사용자|유저|계정이|계정의|계정을)"#
);
re!(ACCESS_KEY, r"\b((?:AKIA|ASIA)[A-Z0-9]{16})\b");
re!(QUOTED, r#"['"`]([A-Za-z0-9+=,.@_-]{2,64})['"`]"#);
re!(
    DATE_LIKE,
    r"(?i)\b\d{4}-\d{1,2}-\d{1,2}\b|\d{1,2}\s*월\s*\d{1,2}\s*일|\d{1,2}/\d{1,2}\b|\b(since|between|until|before|after)\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{1,2}\b|부터|까지|이후|이전"
);

/// Words after "user"/"사용자" that are not names.
#[rustfmt::skip]
const NOT_NAMES: &[&str] = &[
    "the", "a", "an", "that", "who", "with", "without", "which", "whose", "has", "had", "have", "is", "was", "were",
    "in", "of", "for", "and", "or", "to", "from", "by", "on", "at", "logins", "login", "activity", "activities",
    "accounts", "account", "names", "name", "agent", "agents", "policy", "policies", "changes", "creation", "created",
    "deleted", "keys", "key", "ids", "id", "arn", "arns", "sessions", "session", "mfa", "root", "iam", "did", "made",
    "most", "logged", "used", "uses", "using", "events", "event", "calls", "call", "api", "ip", "ips", "type", "types",
    "it", "if", "this", "these", "those", "any", "all", "s", "group", "groups", "trust", "are", "been", "aws",
    "console", "kms", "ec2", "s3", "admin", "administrator", "service", "서비스",
];

/// Extracts every slot from `question`, resolving time phrases against `now` in `tz`.
pub fn extract(question: &str, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Slots {
    let text = compose_hangul(question);
    let mut slots = Slots { utc_offset_minutes: super::params::utc_offset_minutes(now, tz), ..Slots::default() };
    let mut rest = text.clone();
    for m in ARN.find_iter(&text) {
        slots.principals.push(m.as_str().to_string());
        rest = rest.replace(m.as_str(), " ");
    }
    for c in ACCESS_KEY.captures_iter(&text) {
        push_unique(&mut slots.principals, &c[1]);
    }
    for c in IPV4.captures_iter(&rest) {
        let ip = &c[1];
        if c.get(2).is_none() && ip != "0.0.0.0" {
            push_unique(&mut slots.ips, ip);
        }
    }
    let without_ips = IPV4.replace_all(&rest, " ");
    for c in ACCOUNT.captures_iter(&without_ips) {
        push_unique(&mut slots.accounts, &c[1]);
    }
    for c in REGION.captures_iter(&rest.to_lowercase()) {
        push_unique(&mut slots.regions, &c[1]);
    }
    for c in PORT.captures_iter(&rest) {
        if let Some(p) = c.get(1).or(c.get(2)).filter(|p| p.as_str().parse::<u16>().is_ok()) {
            push_unique(&mut slots.ports, p.as_str());
        }
    }
    for c in USER.captures_iter(&rest).chain(QUOTED.captures_iter(&rest)) {
        if let Some(name) = c.get(1).or(c.get(2)).map(|m| m.as_str())
            && !NOT_NAMES.contains(&name.to_lowercase().as_str())
            && !name.bytes().all(|b| b.is_ascii_digit())
            && !slots.ips.iter().any(|ip| ip == name)
        {
            push_unique(&mut slots.principals, name);
        }
    }
    if let Some((window, phrase)) = time_window(&text.to_lowercase(), now, tz) {
        slots.window = Some(window);
        slots.window_phrase = Some(phrase);
    } else if DATE_LIKE.is_match(&text) {
        slots.unresolved_time = true;
    }
    slots
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

re!(KO_SPAN, r"(?:최근|지난|과거)?\s*(\d+|한|두|세|네|다섯)\s*(시간|일|주|주일|개월|달)\s*(?:간|동안|전|이내|내)?");
re!(
    EN_SPAN,
    r"\b(?:last|past|previous|recent|in the last|over the last|within)?\s*(\d+|a|one|two|three|four|five|six|seven|ten|fourteen|thirty)\s*(hours?|hrs?|days?|weeks?|months?)\b(\s+ago)?"
);
re!(
    EN_UNIT,
    r"\b(?:in|over|during|within|for)?\s*the\s+(?:last|past)\s+(hour|day|week|month)\b|\bpast\s+(hour|day|week|month)\b"
);

fn number(word: &str) -> Option<i64> {
    Some(match word {
        "a" | "one" | "한" => 1,
        "two" | "두" => 2,
        "three" | "세" => 3,
        "four" | "네" => 4,
        "five" | "다섯" => 5,
        "six" => 6,
        "seven" => 7,
        "ten" => 10,
        "fourteen" => 14,
        "thirty" => 30,
        n => n.parse().ok()?,
    })
}

fn unit_span(unit: &str, n: i64) -> Option<Duration> {
    match unit.trim_end_matches('s') {
        "시간" | "hour" | "hr" => Some(Duration::hours(n)),
        "일" | "day" => Some(Duration::days(n)),
        "주" | "주일" | "week" => Some(Duration::weeks(n)),
        "개월" | "달" | "month" => Some(Duration::days(30 * n)),
        _ => None,
    }
}

/// Local midnight of `date` in `tz`, as UTC.
fn midnight(date: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| naive.and_utc())
}

/// Resolves the first known relative time phrase in lowercased `text`.
pub fn time_window(text: &str, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<(Window, String)> {
    let today = now.with_timezone(&tz).date_naive();
    let day = |offset: i64| midnight(today - Duration::days(offset), tz);
    let week_start = today - Duration::days(today.weekday().num_days_from_monday() as i64);
    let month_start = today.with_day(1)?;
    let prev_month_start = (month_start - Duration::days(1)).with_day(1)?;
    let w = |start, end| Window { start, end };
    let fixed: &[(&[&str], Window)] = &[
        (&["그저께", "그제", "엊그제", "day before yesterday", "two days ago", "이틀 전"], w(day(2), day(1))),
        (&["어제", "yesterday"], w(day(1), day(0))),
        (&["오늘", "금일", "today", "so far today"], w(day(0), now)),
        (&["이번 주", "이번주", "금주", "this week"], w(midnight(week_start, tz), now)),
        (
            &["지난주", "지난 주", "저번 주", "저번주", "previous week", "last calendar week"],
            w(midnight(week_start - Duration::days(7), tz), midnight(week_start, tz)),
        ),
        (&["이번 달", "이번달", "this month"], w(midnight(month_start, tz), now)),
        (
            &["지난달", "지난 달", "저번 달", "저번달", "last month", "previous month"],
            w(midnight(prev_month_start, tz), midnight(month_start, tz)),
        ),
        (&["일주일", "한 주", "한주"], w(now - Duration::days(7), now)),
        (&["한 달", "한달"], w(now - Duration::days(30), now)),
        (&["이틀"], w(now - Duration::days(2), now)),
        (&["사흘"], w(now - Duration::days(3), now)),
    ];
    // Spans with numbers come first: "최근 3일" must not read as "3".
    if let Some(c) = EN_SPAN.captures(text).filter(|c| c.get(0).is_some_and(|m| !m.as_str().trim().is_empty())) {
        let n = number(&c[1])?;
        let span = unit_span(&c[2], n)?;
        if c.get(3).is_some() && c[2].starts_with("day") {
            return Some((w(day(n), day(n - 1)), c[0].trim().to_string()));
        }
        return Some((w(now - span, now), c[0].trim().to_string()));
    }
    if let Some(c) = EN_UNIT.captures(text) {
        let unit = c.get(1).or(c.get(2)).map(|m| m.as_str()).unwrap_or("day");
        return Some((w(now - unit_span(unit, 1)?, now), c[0].trim().to_string()));
    }
    if text.contains("last week") {
        return Some((w(now - Duration::days(7), now), "last week".into()));
    }
    for (phrases, window) in fixed {
        if let Some(p) = phrases.iter().find(|p| text.contains(*p)) {
            return Some((*window, p.to_string()));
        }
    }
    if let Some(c) = KO_SPAN.captures(text)
        && let (Some(n), Some(_)) = (number(&c[1]), c.get(2))
        && (c[0].contains("최근")
            || c[0].contains("지난")
            || c[0].contains("간")
            || c[0].contains("동안")
            || c[0].contains('전'))
    {
        let n = n.max(1);
        let span = unit_span(&c[2], n)?;
        if c[0].trim_end().ends_with('전') && &c[2] == "일" {
            return Some((w(day(n), day(n - 1)), c[0].trim().to_string()));
        }
        return Some((w(now - span, now), c[0].trim().to_string()));
    }
    None
}

#[cfg(test)]
mod tests {
    use chrono_tz::Asia::Seoul;

    use super::*;

    /// Sunday 2026-11-22 12:00 in Seoul.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).unwrap()
    }

    fn window(q: &str) -> (String, String) {
        let w = extract(q, now(), Seoul).window.unwrap_or_else(|| panic!("no window in {q:?}"));
        (w.start.format("%F %H:%M").to_string(), w.end.format("%F %H:%M").to_string())
    }

    fn w(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn calendar_days_follow_the_askers_time_zone() {
        assert_eq!(window("어제 로그인"), w("2026-11-20 15:00", "2026-11-21 15:00"));
        assert_eq!(window("logins yesterday"), w("2026-11-20 15:00", "2026-11-21 15:00"));
        assert_eq!(window("오늘 실패한 호출"), w("2026-11-21 15:00", "2026-11-22 03:00"));
        assert_eq!(window("이틀 전 API 호출"), w("2026-11-19 15:00", "2026-11-20 15:00"));
        assert_eq!(window("the IP with the most calls two days ago"), w("2026-11-19 15:00", "2026-11-20 15:00"));
    }

    #[test]
    fn rolling_spans_count_back_from_now() {
        assert_eq!(window("지난 24시간 동안 실패"), w("2026-11-21 03:00", "2026-11-22 03:00"));
        assert_eq!(window("failures in the last 24 hours"), w("2026-11-21 03:00", "2026-11-22 03:00"));
        assert_eq!(window("최근 3일 로그인"), w("2026-11-19 03:00", "2026-11-22 03:00"));
        assert_eq!(window("past 3 days"), w("2026-11-19 03:00", "2026-11-22 03:00"));
        assert_eq!(window("최근 일주일 동안"), w("2026-11-15 03:00", "2026-11-22 03:00"));
        assert_eq!(window("in the past week"), w("2026-11-15 03:00", "2026-11-22 03:00"));
        assert_eq!(window("최근 한달동안 에러"), w("2026-10-23 03:00", "2026-11-22 03:00"));
    }

    #[test]
    fn weeks_and_months_are_calendar_periods_in_korean() {
        // 2026-11-22 is a Sunday; the week started Monday 2026-11-16 (Seoul).
        assert_eq!(window("이번 주 변경"), w("2026-11-15 15:00", "2026-11-22 03:00"));
        assert_eq!(window("지난주 변경"), w("2026-11-08 15:00", "2026-11-15 15:00"));
        assert_eq!(window("this month"), w("2026-10-31 15:00", "2026-11-22 03:00"));
        assert_eq!(window("지난달 로그인"), w("2026-09-30 15:00", "2026-10-31 15:00"));
    }

    #[test]
    fn a_date_we_cannot_resolve_is_flagged() {
        let s = extract("root logins since March 3", now(), Seoul);
        assert!(s.window.is_none() && s.unresolved_time);
        assert!(!extract("root logins", now(), Seoul).unresolved_time);
    }

    #[test]
    fn ips_accounts_arns_users_ports_and_regions_are_found() {
        let s = extract(
            "Did arn:aws:iam::551508107696:user/DemoUser call from 203.0.113.9 to port 22 in account 111122223333 in us-west-2?",
            now(),
            Seoul,
        );
        assert_eq!(s.principals, vec!["arn:aws:iam::551508107696:user/DemoUser"]);
        assert_eq!(s.ips, vec!["203.0.113.9"]);
        assert_eq!(s.accounts, vec!["111122223333"]);
        assert_eq!(s.ports, vec!["22"]);
        assert_eq!(s.regions, vec!["us-west-2"]);
        assert_eq!(extract("사용자 alice 로그인 기록", now(), Seoul).principals, vec!["alice"]);
        assert_eq!(extract("what did user bob do", now(), Seoul).principals, vec!["bob"]);
        assert_eq!(extract("key AKIAIOSFODNN7EXAMPLE usage", now(), Seoul).principals, vec!["AKIAIOSFODNN7EXAMPLE"]);
        assert_eq!(extract("3389 포트 접속", now(), Seoul).ports, vec!["3389"]);
    }

    #[test]
    fn cidr_blocks_and_generic_words_are_not_slots() {
        let s = extract("Who was the IAM user that opened 0.0.0.0/0 or 10.0.0.0/8?", now(), Seoul);
        assert!(s.ips.is_empty(), "{:?}", s.ips);
        assert!(s.principals.is_empty(), "{:?}", s.principals);
        assert!(extract("root user without MFA", now(), Seoul).principals.is_empty());
    }
}
