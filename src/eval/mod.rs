//! `asklake eval`: answer accuracy on a golden dev set, reproducibly (frozen clock, recorded model replies).

pub mod matcher;
