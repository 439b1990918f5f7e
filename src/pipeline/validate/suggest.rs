//! "Did you mean": the catalog columns nearest to an unknown name, by shared words and edit distance.

use crate::catalog::Catalog;

/// Up to three candidates nearest to `name`, comma-separated; synonyms from the catalog count as shared words.
pub(super) fn nearest(name: &str, candidates: &[String], catalog: &Catalog) -> String {
    let wanted = name.to_ascii_lowercase();
    let words = tokens(&wanted);
    let mut scored: Vec<(usize, usize, &String)> = candidates
        .iter()
        .map(|c| {
            let mut vocab = tokens(c);
            for t in &catalog.tables {
                if let Some(col) = t.column(c) {
                    vocab.extend(col.synonyms_en.iter().flat_map(|s| tokens(&s.to_ascii_lowercase())));
                }
            }
            let shared = words.iter().filter(|w| vocab.contains(w)).count();
            (shared, levenshtein(&wanted, c), c)
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(b.2)));
    scored.dedup_by(|a, b| a.2 == b.2);
    let picked: Vec<&str> = scored.iter().take(3).map(|s| s.2.as_str()).collect();
    if picked.is_empty() { "(none)".into() } else { picked.join(", ") }
}

fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_ascii_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

/// Edit distance between two strings (by chars).
pub(super) fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
