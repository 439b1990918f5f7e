//! SQLite state: conversation threads, seen ids, feedback, the embedded alert queue and its dead letters, and
//! the retention that prunes them.

pub mod deadletters;
pub mod feedback;
pub mod offers;
pub mod queue;
pub mod recent;
pub mod retention;
pub mod seen;
pub mod threads;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context;
use rusqlite::Connection;

/// Schema pieces, applied in order at open (each `CREATE … IF NOT EXISTS`).
const SCHEMAS: &[&str] = &[
    seen::SCHEMA,
    queue::SCHEMA,
    deadletters::SCHEMA,
    threads::SCHEMA,
    feedback::SCHEMA,
    offers::SCHEMA,
    recent::SCHEMA,
];

/// Handle to the SQLite store. Cheap to clone; calls are short and synchronous (use `spawn_blocking` for batches).
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).with_context(|| format!("could not create folder {}", parent.display()))?;
        }
        let conn = Connection::open(path).with_context(|| format!("could not open store {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL").context("could not enable WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL").context("could not set synchronous")?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).context("could not set busy timeout")?;
        Self::init(conn)
    }

    /// An in-memory store (tests).
    pub fn in_memory() -> anyhow::Result<Self> {
        Self::init(Connection::open_in_memory().context("could not open in-memory store")?)
    }

    fn init(conn: Connection) -> anyhow::Result<Self> {
        for schema in SCHEMAS {
            conn.execute_batch(schema).context("could not create store tables")?;
        }
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Locks the connection. Keep the guard for one short statement or transaction.
    pub fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
