//! Claiming posts across instances: before an event is posted its eventID is leased (per destination) through
//! [`crate::ha::Claims`], so two instances holding the same queue message (one got it back after the other's
//! visibility timeout) never both post it. With one instance (local claims) nothing is called here.

use std::collections::HashSet;
use std::time::Duration;

use tokio::time::Instant;
use tracing::warn;

use super::deliver::{Delivered, Dest};
use super::worker::{DrainOutcome, Worker};
use crate::ha::Claim;

/// How long a finished post is remembered: SQS keeps a message at most 14 days.
const DONE_KEEP: Duration = Duration::from_secs(14 * 24 * 3600);
/// How long an event whose claim could not be checked waits before it is tried again.
const UNAVAILABLE_WAIT: Duration = Duration::from_secs(15);
/// Claims in flight at once.
const PARALLEL: usize = 16;

impl Worker {
    /// The ids of `ids` this instance may post to `dest` now. An id another instance already posted counts as
    /// delivered here (its message can go); an id another instance is posting, or whose claim cannot be checked,
    /// is put off (its message comes back later), so a post is never made without a claim.
    pub(super) async fn claim_posts(
        &self,
        ids: &[String],
        dest: Dest,
        done: &mut Delivered,
        out: &mut DrainOutcome,
    ) -> Vec<String> {
        if !self.claims.shared() {
            return ids.to_vec();
        }
        let lease = self.settings.visibility;
        let namespace = dest.namespace();
        let mut answers = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(PARALLEL) {
            let claims: Vec<_> = chunk.iter().map(|id| self.claims.claim(namespace, id, lease)).collect();
            answers.extend(chunk.iter().zip(futures::future::join_all(claims).await));
        }
        let mut won = Vec::new();
        let mut elsewhere = HashSet::new();
        for (id, answer) in answers {
            match answer {
                Ok(Claim::Won) => won.push(id.clone()),
                Ok(Claim::Done) => {
                    elsewhere.insert(id.clone());
                }
                Ok(Claim::Held { until }) => {
                    let left = (until - chrono::Utc::now().timestamp()).max(1) as u64;
                    done.put_off(std::iter::once(id), Instant::now() + Duration::from_secs(left));
                }
                Err(e) => {
                    warn!(error = %e, "could not claim an alert post; it waits and is tried again");
                    done.put_off(std::iter::once(id), Instant::now() + UNAVAILABLE_WAIT);
                }
            }
        }
        for id in &elsewhere {
            if let Err(e) = self.store.mark_seen(namespace, id) {
                warn!(error = %format!("{e:#}"), "could not record an eventID another instance posted");
            }
        }
        out.duplicates += elsewhere.len();
        match dest {
            Dest::Main => done.main.extend(elsewhere),
            Dest::Red => done.red.extend(elsewhere),
        }
        won
    }

    /// Marks posted ids done for every instance.
    pub(super) async fn finish_posts(&self, ids: &[String], dest: Dest) {
        if !self.claims.shared() {
            return;
        }
        let namespace = dest.namespace();
        let mut results = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(PARALLEL) {
            let finishes: Vec<_> = chunk.iter().map(|id| self.claims.finish(namespace, id, DONE_KEEP)).collect();
            results.extend(futures::future::join_all(finishes).await);
        }
        if let Some(Err(e)) = results.into_iter().find(Result::is_err) {
            warn!(error = %e, "could not mark a posted alert done; another instance may post it after the lease");
        }
    }

    /// Gives back leases on ids whose post failed, so any instance may try them again at once.
    pub(super) async fn release_posts(&self, ids: &[String], dest: Dest) {
        if !self.claims.shared() {
            return;
        }
        let namespace = dest.namespace();
        let mut results = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(PARALLEL) {
            let releases: Vec<_> = chunk.iter().map(|id| self.claims.release(namespace, id)).collect();
            results.extend(futures::future::join_all(releases).await);
        }
        if let Some(Err(e)) = results.into_iter().find(Result::is_err) {
            warn!(error = %e, "could not give back an alert claim; it frees itself when the lease ends");
        }
    }
}
