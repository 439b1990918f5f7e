//! Writes rows into the DuckDB lake: JSON lines to a scratch file, then one typed `read_json` insert per table.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use duckdb::Connection;

use super::event::CtEvent;
use super::flow::Flow;
use super::flow_row;
use super::ocsf;
use super::schema::{CLOUDTRAIL_DDL, CLOUDTRAIL_TABLE, VPCFLOW_DDL, VPCFLOW_TABLE};

/// A SQL string literal.
pub(super) fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The `columns = {…}` argument of `read_json` for `table`, from its DDL, in column order.
pub(super) fn columns_of(conn: &Connection, table: &str) -> anyhow::Result<String> {
    let mut stmt = conn.prepare(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
    )?;
    let rows = stmt.query_map([table], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut parts = Vec::new();
    for row in rows {
        let (name, ty) = row?;
        parts.push(format!("{}: {}", literal(&name), literal(&ty)));
    }
    anyhow::ensure!(!parts.is_empty(), "table {table} has no columns");
    Ok(format!("{{{}}}", parts.join(", ")))
}

/// Items serialised per batch; each batch is split across threads, then written in order.
const BATCH: usize = 16_384;

/// Writes JSON lines with `write` for each item into `path`, serialising in parallel but keeping item order.
pub(super) fn write_lines<T: Sync>(
    path: &Path,
    items: &[T],
    write: fn(&mut Vec<u8>, &T) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let file = fs::File::create(path).with_context(|| format!("creating scratch file {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    for batch in items.chunks(BATCH) {
        let size = batch.len().div_ceil(threads).max(1);
        let parts: Vec<std::io::Result<Vec<u8>>> = std::thread::scope(|s| {
            let handles: Vec<_> = batch
                .chunks(size)
                .map(|part| {
                    s.spawn(move || {
                        let mut buf = Vec::with_capacity(part.len() * 2048);
                        for item in part {
                            write(&mut buf, item)?;
                        }
                        Ok(buf)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(std::io::Error::other("a serialiser thread panicked"))))
                .collect()
        });
        for part in parts {
            out.write_all(&part.with_context(|| format!("serialising rows for {}", path.display()))?)?;
        }
    }
    out.flush().with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Creates the two tables in a new DuckDB file at `db` and fills them from `events` and `flows`.
/// `scratch` is a folder for the intermediate JSON lines (removed by the caller).
pub fn write_lake(db: &Path, scratch: &Path, events: &[CtEvent], flows: &[Flow]) -> anyhow::Result<()> {
    let _span =
        tracing::info_span!("sample_load", db = %db.display(), events = events.len(), flows = flows.len()).entered();
    let ct_file: PathBuf = scratch.join("cloudtrail.jsonl");
    let flow_file: PathBuf = scratch.join("vpcflow.jsonl");
    write_lines(&ct_file, events, ocsf::write_row)?;
    write_lines(&flow_file, flows, flow_row::write_row)?;
    let conn = Connection::open(db).with_context(|| format!("opening DuckDB file {}", db.display()))?;
    conn.execute_batch(CLOUDTRAIL_DDL).context("creating the CloudTrail table")?;
    conn.execute_batch(VPCFLOW_DDL).context("creating the VPC Flow table")?;
    for (table, file) in [(CLOUDTRAIL_TABLE, &ct_file), (VPCFLOW_TABLE, &flow_file)] {
        let columns = columns_of(&conn, table)?;
        let sql = format!(
            "INSERT INTO {table} SELECT * FROM read_json({}, format = 'newline_delimited', columns = {columns}, maximum_object_size = 16777216)",
            literal(&file.to_string_lossy())
        );
        conn.execute_batch(&sql).with_context(|| format!("loading {table}"))?;
    }
    conn.execute_batch("CHECKPOINT").context("checkpointing the lake")?;
    Ok(())
}

/// Adds one more table to the lake at `db`: creates it with `ddl` and loads `items` written by `write`.
pub fn write_table<T: Sync>(
    db: &Path,
    scratch: &Path,
    table: &str,
    ddl: &str,
    items: &[T],
    write: fn(&mut Vec<u8>, &T) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let _span = tracing::info_span!("sample_load_table", table, rows = items.len()).entered();
    let file = scratch.join(format!("{table}.jsonl"));
    write_lines(&file, items, write)?;
    let conn = Connection::open(db).with_context(|| format!("opening DuckDB file {}", db.display()))?;
    conn.execute_batch(ddl).with_context(|| format!("creating table {table}"))?;
    let columns = columns_of(&conn, table)?;
    let sql = format!(
        "INSERT INTO {table} SELECT * FROM read_json({}, format = 'newline_delimited', columns = {columns}, maximum_object_size = 16777216)",
        literal(&file.to_string_lossy())
    );
    conn.execute_batch(&sql).with_context(|| format!("loading {table}"))?;
    conn.execute_batch("CHECKPOINT").with_context(|| format!("checkpointing after {table}"))?;
    Ok(())
}

/// Exports every table of the lake at `db` as `<table>.parquet` files in `dir`.
pub fn export_parquet(db: &Path, dir: &Path) -> anyhow::Result<()> {
    let _span = tracing::info_span!("sample_parquet", dir = %dir.display()).entered();
    fs::create_dir_all(dir).with_context(|| format!("creating Parquet folder {}", dir.display()))?;
    let conn = Connection::open(db).with_context(|| format!("opening DuckDB file {}", db.display()))?;
    let mut stmt = conn.prepare("SELECT table_name FROM information_schema.tables ORDER BY table_name")?;
    let tables: Vec<String> = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<_, _>>()?;
    for table in &tables {
        let file = dir.join(format!("{table}.parquet"));
        let sql = format!(
            "COPY (SELECT * FROM {table} ORDER BY time) TO {} (FORMAT parquet)",
            literal(&file.to_string_lossy())
        );
        conn.execute_batch(&sql).with_context(|| format!("exporting {table} to {}", file.display()))?;
    }
    Ok(())
}
