//! The worker's batch: queue messages in flight, the events they carry, and what each event is still owed
//! (its account-channel post, and the red-channel copy of a red event).

use std::collections::{HashMap, HashSet};

use tokio::time::Instant;

use super::group::Alerted;
use super::queue::QueueMessage;

/// Deliveries an event is still owed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Owed {
    /// The post in the account's channel.
    pub main: bool,
    /// The copy in `[alerts] red_channel` (red events only).
    pub red: bool,
}

impl Owed {
    /// Nothing left to deliver.
    pub fn settled(self) -> bool {
        !self.main && !self.red
    }
}

/// One queue message in flight.
#[derive(Debug, Clone)]
pub struct Held {
    /// The message.
    pub msg: QueueMessage,
    /// eventIDs it carries that are still owed a delivery.
    pub waiting: HashSet<String>,
    /// Some of its entries could not be read: it is never deleted, but left to the queue's redrive policy.
    pub broken: bool,
    /// When its visibility runs out unless extended.
    pub expires: Instant,
}

/// Messages in flight and their events.
#[derive(Debug, Default)]
pub struct Batch {
    /// Messages being worked on (or held for the digest).
    pub msgs: Vec<Held>,
    /// Events not yet delivered (each once, however many messages carry it).
    pub events: Vec<Alerted>,
    /// What each event in `events` (by eventID) is still owed.
    pub owed: HashMap<String, Owed>,
    /// Messages that cannot be handled at all: left untouched for the queue's redrive policy.
    pub left: Vec<QueueMessage>,
}

impl Batch {
    /// Adds freshly received work. A redelivered copy of a message whose event is still held is not posted twice.
    pub fn absorb(&mut self, other: Batch) {
        self.msgs.extend(other.msgs);
        for e in other.events {
            if !self.owed.contains_key(&e.event.id) {
                self.owed.insert(e.event.id.clone(), other.owed.get(&e.event.id).copied().unwrap_or_default());
                self.events.push(e);
            }
        }
        self.left.extend(other.left);
    }

    /// Forgets events no message in flight waits for any more (delivered, or their messages left our hands).
    pub fn forget_orphans(&mut self) {
        let live: HashSet<&String> = self.msgs.iter().flat_map(|h| h.waiting.iter()).collect();
        self.events.retain(|e| live.contains(&e.event.id));
        self.owed.retain(|id, _| live.contains(id));
    }
}
