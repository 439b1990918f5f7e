//! Verified question→SQL library: loading, checking and hybrid retrieval (Korean and English).

pub mod cli;
