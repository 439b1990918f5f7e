//! Offline lexical similarity: TF-IDF cosine over content words and over character 2–3-grams, per question text.
//!
//! An entry's score is a blend of its best single question/paraphrase (near-exact matches score close to 1) and
//! its whole bag of texts and tags (helps questions that mix words from several paraphrases).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher};
use std::sync::LazyLock;

use regex::Regex;

use super::text::{char_ngrams, content_words};

/// A hash map with a fixed hasher: sums over it run in the same order in every index, so two indexes over the
/// same library give bit-identical scores.
type Map<V> = HashMap<String, V, BuildHasherDefault<DefaultHasher>>;

/// Weight of word cosine vs character n-gram cosine within one text.
const WORD_WEIGHT: f32 = 0.45;
/// Weight of the best single text vs the entry's whole bag.
const BEST_TEXT_WEIGHT: f32 = 0.8;

/// (pattern, canonical token): domain words folded to one spelling across languages and phrasings.
const SYNONYMS: &[(&str, &str)] = &[
    (r"\bwith or without\b|\bwhether\b|사용 ?여부|여부|현황", "status"),
    (r"\b(without|no|not|never|skipped|missing)\b|없이|미사용|미적용|안 ?쓴|안 ?쓰고|않은|않고", "without"),
    (
        r"\bto ipaddr\b|\b(destination|dest|dst|towards|going to)\b|목적지|로 가는|로 향하는|로 들어온|로 접속",
        "destination",
    ),
    (
        r"\bfrom ipaddr\b|\b(source|src|originating|coming from)\b|출발지|에서 나온|가 보낸|가 접속한|에서 나간",
        "source",
    ),
    (r"\b(sign(ed)? ?in|log(ged)? ?in|log ?on|logins?|sign ?ons?)\b", "login"),
    (r"로그인|콘솔 접속|접속", "login"),
    (r"\b(multi ?factor|two ?factor|2fa|mfa)\b", "mfa"),
    (r"다중 ?인증|2단계 ?인증|mfa", "mfa"),
    (r"\b(access ?denied|unauthori[sz]ed|not authori[sz]ed|permission denied)\b", "accessdenied"),
    (r"권한 ?거부|권한 ?없음|접근 ?거부|권한 ?오류", "accessdenied"),
    (r"\b(security ?groups?|sgs?)\b", "securitygroup"),
    (r"보안 ?그룹", "securitygroup"),
    (r"\b(network ?acls?|nacls?)\b", "nacl"),
    (r"네트워크 ?acl", "nacl"),
    (r"\b(root ?(user|account)|root)\b", "root"),
    (r"루트 ?(계정|사용자)?", "root"),
    (r"\b(access ?keys?|credentials?|api ?keys?)\b", "accesskey"),
    (r"(액세스|엑세스|접근) ?키", "accesskey"),
    (r"\b(administrator|admin)\b", "admin"),
    (r"관리자", "admin"),
    (r"\b(rejected|reject|blocked|denied|dropped)\b", "denied"),
    (r"거부|차단|거절|막힌", "denied"),
    (r"\b(failed|failures?|fail|unsuccessful)\b", "fail"),
    (r"실패", "fail"),
    (r"\b(errors?|error codes?)\b", "error"),
    (r"에러|오류", "error"),
    (r"\b(early morning|after ?hours|off ?hours|night ?time|at night|overnight|unusual hours|odd hours)\b", "offhours"),
    (r"새벽|야간|심야|근무 ?시간 ?외", "offhours"),
    (r"\b(countries|country|geo|geolocation)\b", "country"),
    (r"국가|나라|해외", "country"),
    (r"\b(ip ?address(es)?|ips|ip|ipaddr|source ips?)\b", "ip"),
    (r"아이피", "ip"),
    (r"\b(ec2 instances?|instances?|servers?|vms?)\b", "instance"),
    (r"인스턴스|서버", "instance"),
    (r"\b(s3 buckets?|buckets?)\b", "bucket"),
    (r"버킷", "bucket"),
    (r"\b(kms keys?|cmks?|customer managed keys?|encryption keys?)\b", "kmskey"),
    (r"(kms|암호화|cmk) ?키|cmk", "kmskey"),
    (r"\b(users?|principals?|identit(y|ies))\b", "user"),
    (r"사용자|유저|주체", "user"),
    (r"\b(roles?)\b", "role"),
    (r"역할", "role"),
    (r"\b(polic(y|ies))\b", "policy"),
    (r"정책", "policy"),
    (r"\b(ports?)\b", "port"),
    (r"포트", "port"),
    (r"\b(traffic|flows?|connections?|packets?)\b", "traffic"),
    (r"트래픽|통신|연결|패킷", "traffic"),
    (r"\b(delet(e|ed|ion|ions)|remov(e|ed|al)|terminat(e|ed|ion))\b", "delete"),
    (r"삭제|제거|종료", "delete"),
    (r"\b(creat(e|ed|ion)|new|added|add)\b", "create"),
    (r"생성|추가|신규|새로 ?만든|새로운|새", "create"),
    (r"\b(chang(e|es|ed)|modif(y|ied|ication|ications)|updat(e|ed|es)|edit(s|ed)?)\b", "change"),
    (r"변경|수정|바뀐|바꾼", "change"),
    (r"\b(most|top|highest|biggest|largest|busiest)\b", "top"),
    (r"가장 ?많(이|은)?|제일 ?많(이|은)?|상위|최다|많이|많은", "top"),
    (r"\b(api ?calls?|api|calls?|operations?|actions?|events?)\b", "api"),
    (r"호출|이벤트|행위|작업", "api"),
    (r"\b(scans?|scanning|scanned|probe|probing|sweep)\b", "scan"),
    (r"스캔|스캐닝|탐색", "scan"),
    (r"\b(public|publicly|internet|world|anywhere|open)\b", "public"),
    (r"퍼블릭|공개|외부|전체 ?공개|인터넷|전세계|모든 ?곳", "public"),
];

static SYNONYM_RES: LazyLock<Vec<(Regex, &'static str)>> =
    LazyLock::new(|| SYNONYMS.iter().map(|(p, t)| (Regex::new(p).expect("synonym pattern compiles"), *t)).collect());

/// Folds known phrasings of domain terms into one token each (input already normalised).
pub fn fold_synonyms(normalized: &str) -> String {
    let mut s = normalized.to_string();
    for (re, token) in SYNONYM_RES.iter() {
        if re.is_match(&s) {
            s = re.replace_all(&s, format!(" {token} ")).into_owned();
        }
    }
    s
}

#[derive(Debug, Clone, Default)]
struct Vector {
    weights: Map<f32>,
    norm: f32,
}

#[derive(Debug, Clone, Default)]
struct Idf {
    idf: Map<f32>,
    unseen: f32,
}

impl Idf {
    fn build<'a>(docs: impl Iterator<Item = &'a Vec<String>>) -> Self {
        let mut df: Map<f32> = Map::default();
        let mut n = 0.0f32;
        for doc in docs {
            n += 1.0;
            let mut seen: Vec<&String> = doc.iter().collect();
            seen.sort();
            seen.dedup();
            for f in seen {
                *df.entry(f.clone()).or_default() += 1.0;
            }
        }
        let idf = df.into_iter().map(|(f, d)| (f, (1.0 + n / d).ln())).collect();
        Self { idf, unseen: (1.0 + n / 0.5).ln() }
    }

    fn vector(&self, features: &[String]) -> Vector {
        let mut tf: Map<f32> = Map::default();
        for f in features {
            *tf.entry(f.clone()).or_default() += 1.0;
        }
        let weights: Map<f32> = tf
            .into_iter()
            .map(|(f, c)| {
                let w = (1.0 + c.ln()) * self.idf.get(&f).copied().unwrap_or(self.unseen);
                (f, w)
            })
            .collect();
        let norm = weights.values().map(|w| w * w).sum::<f32>().sqrt();
        Vector { weights, norm }
    }
}

fn cosine(a: &Vector, b: &Vector) -> f32 {
    if a.norm == 0.0 || b.norm == 0.0 {
        return 0.0;
    }
    let (small, large) = if a.weights.len() <= b.weights.len() { (a, b) } else { (b, a) };
    let dot: f32 = small.weights.iter().filter_map(|(f, w)| large.weights.get(f).map(|v| w * v)).sum();
    (dot / (a.norm * b.norm)).clamp(0.0, 1.0)
}

#[derive(Debug, Clone)]
struct TextDoc {
    entry: usize,
    words: Vector,
    grams: Vector,
}

/// Features of one text.
fn features(text: &str) -> (Vec<String>, Vec<String>) {
    let words = content_words(text);
    let grams = char_ngrams(&words);
    (words, grams)
}

/// A lexical index over entries' texts.
#[derive(Debug, Clone)]
pub struct LexicalIndex {
    word_idf: Idf,
    gram_idf: Idf,
    texts: Vec<TextDoc>,
    bags: Vec<(Vector, Vector)>,
}

impl LexicalIndex {
    /// Indexes `(entry index, text)` pairs for `entries` entries; `tags[i]` are added to entry `i`'s bag only.
    pub fn build(texts: &[(usize, String)], tags: &[Vec<String>]) -> Self {
        let feats: Vec<(usize, Vec<String>, Vec<String>)> =
            texts.iter().map(|(e, t)| (*e, features(t))).map(|(e, (w, g))| (e, w, g)).collect();
        let word_idf = Idf::build(feats.iter().map(|f| &f.1));
        let gram_idf = Idf::build(feats.iter().map(|f| &f.2));
        let docs = feats
            .iter()
            .map(|(e, w, g)| TextDoc { entry: *e, words: word_idf.vector(w), grams: gram_idf.vector(g) })
            .collect();
        let bags = (0..tags.len())
            .map(|i| {
                let mut words: Vec<String> = tags[i].iter().flat_map(|t| content_words(t)).collect();
                let mut grams = Vec::new();
                for (_, w, g) in feats.iter().filter(|f| f.0 == i) {
                    words.extend(w.iter().cloned());
                    grams.extend(g.iter().cloned());
                }
                (word_idf.vector(&words), gram_idf.vector(&grams))
            })
            .collect();
        Self { word_idf, gram_idf, texts: docs, bags }
    }

    /// Similarity in [0, 1] of `question` to every entry, indexed like the `tags` given to [`LexicalIndex::build`].
    pub fn scores(&self, question: &str) -> Vec<f32> {
        let (w, g) = features(question);
        let (qw, qg) = (self.word_idf.vector(&w), self.gram_idf.vector(&g));
        let blend = |words: &Vector, grams: &Vector| {
            WORD_WEIGHT * cosine(&qw, words) + (1.0 - WORD_WEIGHT) * cosine(&qg, grams)
        };
        let mut best = vec![0.0f32; self.bags.len()];
        for doc in &self.texts {
            let s = blend(&doc.words, &doc.grams);
            if s > best[doc.entry] {
                best[doc.entry] = s;
            }
        }
        self.bags
            .iter()
            .zip(best)
            .map(|((bw, bg), b)| BEST_TEXT_WEIGHT * b + (1.0 - BEST_TEXT_WEIGHT) * blend(bw, bg))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> LexicalIndex {
        let texts = vec![
            (0, "Was the root user used?".to_string()),
            (0, "루트 계정 사용 기록".to_string()),
            (1, "Failed console logins".to_string()),
            (1, "콘솔 로그인 실패".to_string()),
        ];
        LexicalIndex::build(&texts, &[vec!["root".into()], vec!["login".into()]])
    }

    #[test]
    fn the_same_question_scores_near_one_and_ranks_its_entry_first() {
        let s = index().scores("Was the root user used?");
        assert!(s[0] > 0.9, "{s:?}");
        assert!(s[0] > s[1]);
    }

    #[test]
    fn korean_spacing_and_particles_do_not_break_matching() {
        let s = index().scores("콘솔로그인이 실패한 적 있어?");
        assert!(s[1] > s[0], "{s:?}");
        assert!(s[1] > 0.5, "{s:?}");
    }

    #[test]
    fn unrelated_text_scores_low() {
        let s = index().scores("what's the weather in Seoul tomorrow");
        assert!(s.iter().all(|x| *x < 0.3), "{s:?}");
    }
}
