//! The HTTP face of the worker: the route table and dispatch of `/api/*`, reading requests and
//! writing responses (refusals included), the checks that handlers share, one module of handlers
//! per resource, the pages as static assets, and the security headers of every response.

pub mod account_key;
pub mod accounts;
pub mod api;
pub mod api_keys;
pub mod assets;
pub mod checks;
pub mod console;
pub mod download;
pub mod intake;
pub mod log_api;
pub mod log_export;
pub mod log_query;
pub mod payload;
pub mod policy;
pub mod request;
pub mod requests;
pub mod respond;
pub mod routes;
pub mod security;
pub mod shares;
