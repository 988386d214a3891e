//! What the handlers are built on: the request's context, who the caller is, the access log's one
//! way in and its single writer (the sequencer Durable Object), checkpoint signing, a file's way
//! into R2, the log's pages for exports and verification, and the scheduled purge.

pub mod audit;
pub mod auth;
pub mod checkpoint;
pub mod context;
pub mod headers;
pub mod log_pages;
pub mod purge;
pub mod sequencer;
pub mod uploads;
