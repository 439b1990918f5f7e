//! Text normalisation for Korean and English retrieval: case, Hangul composition, punctuation, particles, stems.

use std::sync::LazyLock;

use regex::Regex;

static ARN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:\d{0,12}[:/][A-Za-z0-9+=,.@_/:-]+").unwrap());
static IPV4: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?\b").unwrap());
static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b\d{12}\b").unwrap());
/// Relative time phrases: they set the window, not the topic, so they are left out of similarity.
static TIME_PHRASES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b(?:in|over|during|within|for)?\s*(?:the\s+)?(?:last|past|previous|recent|this)\s+",
        r"(?:\d+|a|one|two|three|four|five|six|seven|ten|fourteen|thirty|couple of|few)?\s*(?:hours?|hrs?|days?|weeks?|months?)\b",
        r"|\b(?:\d+|a|one|two|three|four|five|six|seven|ten|fourteen|thirty)\s*(?:hours?|hrs?|days?|weeks?|months?)(?:\s+ago)?\b",
        r"|\b(?:day before yesterday|yesterday|today|tonight|recently|lately|so far|last week|last month|this week|this month)\b",
        r"|(?:최근|지난|과거|이번|저번)?\s*\d+\s*(?:시간|일|주일|주|개월|달)\s*(?:간|동안|전|이내|내|사이)?",
        r"|(?:최근|지난|과거|이번|저번)\s*(?:한\s*달|한\s*주|일주일|주|달|이틀|사흘)?\s*(?:간|동안|사이)?",
        r"|(?:어제|오늘|그저께|엊그제|그제|금일|금주|일주일|한\s*주|한\s*달|이틀|사흘|이번주|지난주|이번달|지난달)\s*(?:간|동안|전|사이)?",
    ))
    .unwrap()
});

/// Composes conjoining Hangul jamo (L V [T]) into syllables, so decomposed input matches composed text.
pub fn compose_hangul(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let (l, v) = (chars[i] as u32, chars.get(i + 1).map(|c| *c as u32).unwrap_or(0));
        if (0x1100..=0x1112).contains(&l) && (0x1161..=0x1175).contains(&v) {
            let t = chars.get(i + 2).map(|c| *c as u32).unwrap_or(0);
            let (t_index, used) = if (0x11A8..=0x11C2).contains(&t) { (t - 0x11A7, 3) } else { (0, 2) };
            let code = 0xAC00 + ((l - 0x1100) * 21 + (v - 0x1161)) * 28 + t_index;
            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            i += used;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Whether `c` is a Hangul syllable.
pub fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Lowercases, composes Hangul, replaces ARNs / IPs / account ids by slot words, and turns punctuation into spaces.
pub fn normalize(s: &str) -> String {
    let s = compose_hangul(s).to_lowercase();
    let s = TIME_PHRASES.replace_all(&s, " ");
    let s = ARN.replace_all(&s, " principal ");
    let s = IPV4.replace_all(&s, |c: &regex::Captures<'_>| {
        if c[0].starts_with("0.0.0.0") { " anywhere ".to_string() } else { " ipaddr ".to_string() }
    });
    let s = ACCOUNT.replace_all(&s, " accountid ");
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_alphanumeric() { out.push(c) } else { out.push(' ') }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Korean particles and endings stripped from the end of a word (longest first).
#[rustfmt::skip]
const PARTICLES: &[&str] = &[
    "에서는", "에서도", "으로는", "에게서", "이라도", "에서", "으로", "에게", "한테", "까지", "부터", "이나", "이랑",
    "에는", "에도", "보다", "처럼", "들이", "들을", "들의", "들은", "들", "은", "는", "이", "가", "을", "를", "의",
    "에", "와", "과", "도", "만", "로", "랑",
];

/// Words that carry no topic (both languages).
#[rustfmt::skip]
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "of", "in", "on", "for", "to", "me", "my", "our", "us", "we", "i", "you", "is", "are", "was",
    "were", "be", "been", "do", "does", "did", "can", "could", "would", "should", "will", "please", "show", "list",
    "give", "tell", "find", "get", "what", "which", "who", "whom", "any", "there", "that", "this", "these", "those",
    "and", "or", "with", "by", "from", "at", "as", "it", "its", "have", "has", "had", "all", "some", "let", "know",
    "see", "check", "want", "like", "about", "how", "many", "much", "so", "just", "ever", "also", "them", "they",
    "알려줘", "알려주세요", "알려줄래", "보여줘", "보여주세요", "보여줄래", "찾아줘", "뽑아줘", "정리해줘", "확인해줘",
    "있나요", "있었나요", "있었어", "있었니", "있어", "있니", "있는지", "있을까", "있습니까", "해줘", "주세요", "줘",
    "좀", "뭐야", "뭐지", "무엇", "무엇인가요", "인가요", "입니까", "언제인가요", "어떤", "혹시", "확인", "가능한가요",
    "싶어", "싶습니다", "궁금해", "나와", "나온", "된", "한", "했나요", "했어", "했는지", "하는", "한번",
];

/// Strips one trailing Korean particle from a word that is mostly Hangul.
pub fn strip_particle(word: &str) -> &str {
    if !word.chars().last().is_some_and(is_hangul) {
        return word;
    }
    for p in PARTICLES {
        if let Some(rest) = word.strip_suffix(p)
            && rest.chars().count() >= 2
        {
            return rest;
        }
    }
    word
}

/// A light English stemmer: plural and common verb endings.
pub fn stem(word: &str) -> String {
    if !word.is_ascii() || word.len() <= 3 {
        return word.to_string();
    }
    let mut out = word.to_string();
    for (suffix, replacement) in [("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("s", "")] {
        if let Some(rest) = word.strip_suffix(suffix)
            && rest.len() >= 3
            && !(suffix == "s" && rest.ends_with('s'))
        {
            out = format!("{rest}{replacement}");
            break;
        }
    }
    if out.len() > 4 && out.ends_with('e') {
        out.pop();
    }
    out
}

/// Content words of `text`: normalised, stopwords dropped, particles stripped, stemmed, synonyms folded.
pub fn content_words(text: &str) -> Vec<String> {
    let normalized = super::lexical::fold_synonyms(&normalize(text));
    normalized
        .split_whitespace()
        .filter(|w| !STOPWORDS.contains(w) && !PARTICLES.contains(w))
        .map(strip_particle)
        .filter(|w| !STOPWORDS.contains(w))
        .map(stem)
        .collect()
}

/// Character 2- and 3-grams of the content words run together (Korean spacing varies).
pub fn char_ngrams(words: &[String]) -> Vec<String> {
    let joined: Vec<char> = words.join("").chars().collect();
    let mut out = Vec::new();
    for n in [2usize, 3] {
        for w in joined.windows(n) {
            out.push(w.iter().collect());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_hangul_is_composed() {
        assert_eq!(compose_hangul("\u{1105}\u{1169}\u{1100}\u{1173}\u{110b}\u{1175}\u{11ab}"), "로그인");
    }

    #[test]
    fn particles_and_endings_are_tolerated() {
        assert_eq!(strip_particle("로그인이"), "로그인");
        assert_eq!(strip_particle("보안그룹에서"), "보안그룹");
        assert_eq!(strip_particle("키"), "키");
        assert_eq!(content_words("루트 계정을 사용한 기록이 있나요?"), content_words("루트 계정 사용한 기록"));
    }

    #[test]
    fn slots_are_replaced_by_slot_words() {
        let n =
            normalize("Traffic from 203.0.113.9 to 0.0.0.0/0 by arn:aws:iam::123456789012:user/bob in 123456789012");
        assert_eq!(n, "traffic from ipaddr to anywhere by principal in accountid");
    }

    #[test]
    fn english_stems_fold_plurals_and_tenses() {
        assert_eq!(stem("logins"), "login");
        assert_eq!(stem("policies"), "policy");
        assert_eq!(stem("failed"), "fail");
        assert_eq!(stem("access"), "access");
        assert_eq!(normalize("top API calls in the last 24 hours"), normalize("top API calls"));
        assert_eq!(normalize("최근 3일간 실패한 로그인"), normalize("실패한 로그인"));
        assert_eq!(normalize("어제 로그인 실패"), "로그인 실패");
        assert_eq!(stem("changes"), stem("changed"));
        assert_eq!(stem("change"), stem("changed"));
    }
}
