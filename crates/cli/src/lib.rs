//! The sealdrop command line's commands, over `sealdrop-core`: it sends and fetches shares, makes
//! file requests and collects what partners send, with the same format and the same bytes as the
//! pages, and it verifies access-log exports. One module per command (send, get, requests, login,
//! audit) over the HTTP client, the native AES-GCM engine, the resume journals and the files of
//! the command line's folder; `main.rs` is the thin binary on top.

pub mod audit;
pub mod client;
pub mod engine;
pub mod error;
pub mod files;
pub mod get;
pub mod journal;
pub mod login;
pub mod parallel;
pub mod receive;
pub mod requests;
pub mod sealing;
pub mod send;
pub mod ui;
