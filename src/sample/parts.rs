//! Small OCSF objects that several sample-lake row writers share: `{uid}` and `{name}`.

use serde::Serialize;

/// An OCSF object holding only a `uid` (an account, a product feature, a resource).
#[derive(Serialize)]
pub(super) struct Uid<'a> {
    /// The id.
    pub(super) uid: &'a str,
}

/// An OCSF object holding only a `name` (a product feature, a user).
#[derive(Serialize)]
pub(super) struct Name<'a> {
    /// The name.
    pub(super) name: &'a str,
}
