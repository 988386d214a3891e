//! The rules of the service, with no I/O: a share's and a request's states, every time limit and
//! count limit, the guessing limits, the organisation's policy, staff roles, access-log events and
//! the refusal every layer returns. Nothing here imports the rest of the crate.

pub mod api_keys;
pub mod attempts;
pub mod error;
pub mod lifecycle;
pub mod limits;
pub mod log_event;
pub mod policy;
pub mod staff;
