//! The headers every response carries: a strict Content-Security-Policy and its companions.

use worker::{Headers, Response};

/// Pages load only their own scripts, styles and wasm (`'wasm-unsafe-eval'` lets them compile
/// it; nothing allows `eval` of text), talk only to this origin, and cannot be framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Adds the security headers to `response`, keeping its own. HSTS only over https: sent over
/// plain http (the local stack) it would be ignored, and it must never pin a loopback name.
pub fn with_security_headers(response: Response, https: bool) -> Response {
    let headers = Headers::new();
    for (name, value) in response.headers().entries() {
        let _ = headers.append(&name, &value);
    }
    for (name, value) in [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        (
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ),
    ] {
        let _ = headers.set(name, value);
    }
    if https {
        let _ = headers.set(
            "Strict-Transport-Security",
            "max-age=63072000; includeSubDomains",
        );
    }
    response.with_headers(headers)
}
