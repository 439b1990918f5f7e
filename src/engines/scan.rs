//! The scan note of an answer's footer: bytes scanned, what they cost, and whether a stored result answered.

use super::{QueryStats, human_bytes};
use crate::pipeline::Language;

/// `"1.2 GB scanned ($0.0060)"`, or `"from a result 3 minutes old · 0 B scanned ($0.00)"` when a stored result
/// answered; in the asker's language. `None` when the engine does not report bytes (DuckDB).
pub fn note(stats: &QueryStats, language: Language) -> Option<String> {
    let bytes = stats.bytes_scanned?;
    let cost = stats.cost_usd.map(|c| format!(" ({})", usd(c))).unwrap_or_default();
    let scanned = match language {
        Language::En => format!("{} scanned{cost}", human_bytes(bytes)),
        Language::Ko => format!("{} 스캔{cost}", human_bytes(bytes)),
    };
    let scanned = match stats.lookback {
        Some(lookback) => format!("{scanned} · {}", lookback_note(lookback.days, language)),
        None => scanned,
    };
    if !stats.reused {
        return Some(scanned);
    }
    let minutes = stats.reused_age.map(|a| a.as_secs() / 60);
    let reused = match (language, minutes) {
        (Language::En, Some(0)) => "from a result less than a minute old".to_owned(),
        (Language::En, Some(1)) => "from a result 1 minute old".to_owned(),
        (Language::En, Some(n)) => format!("from a result {n} minutes old"),
        (Language::En, None) => "from a stored result".to_owned(),
        (Language::Ko, Some(0)) => "1분이 안 된 결과 재사용".to_owned(),
        (Language::Ko, Some(n)) => format!("{n}분 전 결과 재사용"),
        (Language::Ko, None) => "저장된 결과 재사용".to_owned(),
    };
    Some(format!("{reused} · {scanned}"))
}

/// What an answer held to the look-back says: how far back it searched and how to search further.
pub fn lookback_note(days: u32, language: Language) -> String {
    match (language, days) {
        (Language::En, 1) => "searched the last day; name a period to search further back".to_owned(),
        (Language::En, n) => format!("searched the last {n} days; name a period to search further back"),
        (Language::Ko, n) => format!("최근 {n}일만 검색했습니다. 더 이전은 기간을 지정해 물어보세요"),
    }
}

/// Dollars with enough digits to show a small scan: `$0.0049`, `$1.25`.
pub fn usd(amount: f64) -> String {
    if amount == 0.0 {
        "$0.00".into()
    } else if amount < 1.0 {
        format!("${amount:.4}")
    } else {
        format!("${amount:.2}")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_fresh_scan_shows_bytes_and_cost_and_a_reused_one_its_age_in_both_languages() {
        let fresh = QueryStats { bytes_scanned: Some(1_200_000_000), cost_usd: Some(0.006), ..Default::default() };
        assert_eq!(note(&fresh, Language::En).unwrap(), "1.2 GB scanned ($0.0060)");
        assert_eq!(note(&fresh, Language::Ko).unwrap(), "1.2 GB 스캔 ($0.0060)");
        let reused = QueryStats {
            bytes_scanned: Some(0),
            cost_usd: Some(0.0),
            reused: true,
            reused_age: Some(Duration::from_secs(200)),
            ..Default::default()
        };
        assert_eq!(note(&reused, Language::En).unwrap(), "from a result 3 minutes old · 0 B scanned ($0.00)");
        assert_eq!(note(&reused, Language::Ko).unwrap(), "3분 전 결과 재사용 · 0 B 스캔 ($0.00)");
        assert_eq!(note(&QueryStats::default(), Language::En), None);
    }

    #[test]
    fn a_query_held_to_the_lookback_says_how_far_back_it_searched_in_both_languages() {
        let from = chrono::NaiveDate::from_ymd_opt(2026, 8, 24).unwrap().and_hms_opt(0, 0, 0).unwrap();
        let held = QueryStats {
            bytes_scanned: Some(1_200_000_000),
            cost_usd: Some(0.006),
            lookback: Some(crate::engines::Lookback { days: 90, from }),
            ..Default::default()
        };
        assert_eq!(
            note(&held, Language::En).unwrap(),
            "1.2 GB scanned ($0.0060) · searched the last 90 days; name a period to search further back"
        );
        assert_eq!(
            note(&held, Language::Ko).unwrap(),
            "1.2 GB 스캔 ($0.0060) · 최근 90일만 검색했습니다. 더 이전은 기간을 지정해 물어보세요"
        );
    }
}
