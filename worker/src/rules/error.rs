//! Refusals as values: every failure the API reports has an HTTP status, a stable machine code
//! and a sentence for people; every layer returns them, and `http::respond` sends them as
//! `{"error": {"code", "message"}}`.

use worker::console_error;

/// One refusal. Invariant: `status` is a 4xx for anything the caller can fix, a 503 only for a
/// storage or database failure that a retry may cure; never a 500.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// Sent as `Allow` (405) or `Content-Range` (416) where the status calls for one.
    pub header: Option<(&'static str, String)>,
    /// What the refused call was about when its path does not say (the account a failed sign-in
    /// tried): the access log's object for the refusal. Never sent to the caller.
    pub about: Option<String>,
    /// The handler logged this refusal itself, together with what it wrote (a recorded failed
    /// proof or sign-in), so the dispatcher must not log it again.
    pub logged: bool,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            header: None,
            about: None,
            logged: false,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(400, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(409, code, message)
    }

    pub fn not_found() -> Self {
        ApiError::new(404, "not_found", "No share with this id exists.")
    }

    pub fn about(mut self, id: impl ToString) -> Self {
        self.about = Some(id.to_string());
        self
    }

    pub fn logged(mut self) -> Self {
        self.logged = true;
        self
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.header = Some((name, value));
        self
    }

    /// R2 failed. The cause goes to the log, not to the caller.
    pub fn storage(err: worker::Error) -> Self {
        console_error!("R2: {err}");
        ApiError::new(
            503,
            "storage_unavailable",
            "File storage did not answer. Nothing was lost; try again in a moment.",
        )
    }

    /// D1 failed. The cause goes to the log, not to the caller.
    pub fn database(err: worker::Error) -> Self {
        console_error!("D1: {err}");
        ApiError::new(
            503,
            "database_unavailable",
            "The database did not answer. Nothing was lost; try again in a moment.",
        )
    }
}
