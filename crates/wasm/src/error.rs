//! Errors as JavaScript sees them: `Error` objects named `SealdropError` with `kind` (stable
//! text, the format's error names and a few of this module's own) and `index` (chunk or null).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_ERROR: &'static str = r#"
/** Every error this module throws or rejects with. */
export interface SealdropError extends Error {
  name: "SealdropError";
  /** "bad magic" | "bad version" | "bad chunk size" | "bad flags" | "wrong key" |
   *  "tampered chunk" | "truncated" | "trailing data" | "empty last chunk" |
   *  "tampered metadata" | "tampered manifest" | "wrong vault key" | "stanza refused" |
   *  "bad public key" | "bad metadata" | "bad manifest" | "argon2 parameters" |
   *  "bad encoding" | "too large" | "finished" | "busy" | "bad input" | "webcrypto" */
  kind: string;
  /** The chunk index for "tampered chunk", else null. */
  index: number | null;
}
"#;

/// An error on its way to JavaScript.
#[derive(Debug)]
pub struct SealdropError {
    kind: &'static str,
    index: Option<u64>,
    message: String,
}

impl SealdropError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        SealdropError {
            kind,
            index: None,
            message: message.into(),
        }
    }

    /// A call made while an earlier call on the same session is still running.
    pub fn busy() -> Self {
        SealdropError::new(
            "busy",
            "wait for the previous call on this stream to finish",
        )
    }

    /// Input of the wrong shape from JavaScript (a key of the wrong length, say).
    pub fn bad_input(what: &str) -> Self {
        SealdropError::new("bad input", format!("{what} is not valid"))
    }

    /// WebCrypto failed in a way that is not an authentication failure.
    pub fn webcrypto(err: &JsValue) -> Self {
        let detail = js_sys::Reflect::get(err, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default();
        SealdropError::new(
            "webcrypto",
            format!("the browser's WebCrypto failed: {detail}"),
        )
    }

    pub fn kind(&self) -> &'static str {
        self.kind
    }

    pub fn index(&self) -> Option<u64> {
        self.index
    }
}

impl From<sealdrop_core::Error> for SealdropError {
    fn from(e: sealdrop_core::Error) -> Self {
        SealdropError {
            kind: e.kind(),
            index: e.index(),
            message: e.to_string(),
        }
    }
}

impl From<SealdropError> for JsValue {
    fn from(e: SealdropError) -> JsValue {
        let err = js_sys::Error::new(&e.message);
        err.set_name("SealdropError");
        let index = e
            .index
            .map_or(JsValue::NULL, |i| JsValue::from_f64(i as f64));
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&err, &"kind".into(), &e.kind.into());
        let _ = js_sys::Reflect::set(&err, &"index".into(), &index);
        err.into()
    }
}
