//! Which verified question is shown as a button beside a model-written answer (issue 15 §1): the closest entry
//! the question fully parameterises, when it was a near miss (close, but not close enough to short-circuit) and
//! the model did not answer with that same query.

use super::Outcome;
use crate::library::{Example, Offer, OfferError, Retrieval};

/// Lowest retrieval score of an entry shown beside a model's answer: above the highest score an unrelated
/// tuning question reaches (0.47, see [`crate::library`]), so an unrelated "closest" entry is never offered.
pub const NEAR_MISS: f32 = 0.5;

/// How the model's answer ended, as far as the choice needs it.
pub struct ModelAnswer<'a> {
    /// How it ended.
    pub outcome: &'a Outcome,
    /// The SQL it ran, if any.
    pub sql: Option<&'a str>,
    /// The verified entry that answered, if the answer came from one.
    pub verified: Option<&'a str>,
}

/// The offer to show beside `answer`, if any; `offer_sql` renders an offer's SQL (checked again).
pub fn offer_beside(
    retrieval: &Retrieval,
    answer: &ModelAnswer<'_>,
    offer_sql: impl Fn(&Offer) -> Result<Example, OfferError>,
) -> Option<Offer> {
    let top = retrieval.offers.first()?;
    if answer.verified.is_some() || matches!(answer.outcome, Outcome::Declined) {
        return None;
    }
    // The short-circuit chose this entry and it did not run: offering it again would fail again.
    if retrieval.verified.as_ref().is_some_and(|v| v.id == top.entry) {
        return None;
    }
    let score = retrieval.examples.iter().find(|e| e.id == top.entry).map_or(0.0, |e| e.score);
    if score < NEAR_MISS {
        return None;
    }
    let example = offer_sql(top).ok()?;
    let same = answer.sql.is_some_and(|sql| super::generate::same_sql(sql, &example.sql));
    (!same).then(|| top.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::OfferParams;

    const ENTRY_SQL: &str = "SELECT event_time, actor_arn FROM cloudtrail WHERE actor_type = 'Root'";

    fn retrieval(score: f32) -> Retrieval {
        let example =
            Example { id: "root-usage".into(), question: "Was root used?".into(), sql: ENTRY_SQL.into(), score };
        let offer =
            Offer { entry: "root-usage".into(), question: "Was root used?".into(), params: OfferParams::default() };
        Retrieval { verified: None, examples: vec![example], offers: vec![offer] }
    }

    fn render(offer: &Offer) -> Result<Example, OfferError> {
        Ok(Example { id: offer.entry.clone(), question: offer.question.clone(), sql: ENTRY_SQL.into(), score: 1.0 })
    }

    fn model(sql: &str) -> ModelAnswer<'_> {
        ModelAnswer { outcome: &Outcome::Answered, sql: Some(sql), verified: None }
    }

    #[test]
    fn a_near_miss_is_offered_beside_a_model_answer_that_ran_other_sql() {
        let other = "SELECT count(*) FROM cloudtrail WHERE actor_type = 'Root'";
        let offered = offer_beside(&retrieval(0.7), &model(other), render).expect("an offer");
        assert_eq!(offered.entry, "root-usage");
    }

    #[test]
    fn nothing_is_offered_when_the_answer_came_from_that_entry() {
        let reformatted = "select event_time,  actor_arn from cloudtrail where actor_type = 'Root'";
        assert_eq!(offer_beside(&retrieval(0.7), &model(reformatted), render), None, "the model ran the same query");
        let verified = ModelAnswer { outcome: &Outcome::Answered, sql: Some(ENTRY_SQL), verified: Some("root-usage") };
        assert_eq!(offer_beside(&retrieval(0.9), &verified, render), None, "the short-circuit answered");
    }

    #[test]
    fn an_unrelated_closest_entry_a_failed_short_circuit_or_a_decline_offers_nothing() {
        let other = "SELECT 1";
        assert_eq!(offer_beside(&retrieval(0.3), &model(other), render), None);
        let mut failed_short_circuit = retrieval(0.9);
        failed_short_circuit.verified = failed_short_circuit.examples.first().cloned();
        assert_eq!(offer_beside(&failed_short_circuit, &model(other), render), None);
        let declined = ModelAnswer { outcome: &Outcome::Declined, sql: None, verified: None };
        assert_eq!(offer_beside(&retrieval(0.9), &declined, render), None);
        let unrenderable = |o: &Offer| Err(OfferError::UnknownEntry(o.entry.clone()));
        assert_eq!(offer_beside(&retrieval(0.9), &model(other), unrenderable), None);
    }
}
