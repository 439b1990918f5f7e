//! Offered verified queries per posted answer: what a "run this verified question" button runs. The button
//! carries only `<answer id>:<n>`; the entry id and its checked parameters stay here, never SQL.

use anyhow::Context;
use rusqlite::OptionalExtension;

use super::Store;
use crate::library::{Offer, OfferParams};

/// One row per offer of an answer.
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS offers (
    answer_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    entry TEXT NOT NULL,
    question TEXT NOT NULL,
    params_json TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (answer_id, n)
) WITHOUT ROWID;";

impl Store {
    /// Keeps the offers shown with answer `answer_id`, numbered from 0 in order.
    pub fn save_offers(&self, answer_id: &str, offers: &[Offer]) -> anyhow::Result<()> {
        let now = chrono::Utc::now().timestamp();
        let conn = self.conn();
        for (n, offer) in offers.iter().enumerate() {
            let params = serde_json::to_string(&offer.params).context("could not encode offer parameters")?;
            conn.execute(
                "INSERT OR REPLACE INTO offers (answer_id, n, entry, question, params_json, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![answer_id, n as i64, offer.entry, offer.question, params, now],
            )
            .context("could not save an offer")?;
        }
        Ok(())
    }

    /// Offer `n` of answer `answer_id`, if stored.
    pub fn offer(&self, answer_id: &str, n: usize) -> anyhow::Result<Option<Offer>> {
        let row: Option<(String, String, String)> = self
            .conn()
            .query_row(
                "SELECT entry, question, params_json FROM offers WHERE answer_id = ?1 AND n = ?2",
                rusqlite::params![answer_id, n as i64],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .context("could not read an offer")?;
        row.map(|(entry, question, params)| {
            let params: OfferParams = serde_json::from_str(&params).context("stored offer parameters are broken")?;
            Ok(Offer { entry, question, params })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_round_trip_by_answer_and_position() {
        let store = Store::in_memory().unwrap();
        let offer =
            Offer { entry: "root-usage".into(), question: "Was root used?".into(), params: OfferParams::default() };
        store.save_offers("a1", std::slice::from_ref(&offer)).unwrap();
        assert_eq!(store.offer("a1", 0).unwrap(), Some(offer));
        assert_eq!(store.offer("a1", 1).unwrap(), None);
        assert_eq!(store.offer("a2", 0).unwrap(), None);
    }
}
