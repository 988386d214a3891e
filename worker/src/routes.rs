//! The API's route table: the one list of every endpoint, used both to dispatch requests and,
//! in a test, to check `openapi.json`.

use sealdrop_core::encoding::Id;

use crate::error::{ApiError, ApiResult};

/// What an endpoint does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Limits,
    OpenApi,
    CreateShare,
    ShareState,
    UploadPart,
    CompleteFile,
    CompleteShare,
    AbortShare,
    OwnerView,
    Revoke,
    Unlock,
    Proof,
    Contents,
    Payload,
}

pub struct Endpoint {
    pub method: &'static str,
    /// Literal segments and the parameters `{id}`, `{j}` and `{n}`, as in `openapi.json`.
    pub path: &'static str,
    pub op: Op,
}

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "GET",
        path: "/api/limits",
        op: Op::Limits,
    },
    Endpoint {
        method: "GET",
        path: "/api/openapi.json",
        op: Op::OpenApi,
    },
    Endpoint {
        method: "POST",
        path: "/api/shares",
        op: Op::CreateShare,
    },
    Endpoint {
        method: "GET",
        path: "/api/shares/{id}",
        op: Op::ShareState,
    },
    Endpoint {
        method: "PUT",
        path: "/api/shares/{id}/files/{j}/parts/{n}",
        op: Op::UploadPart,
    },
    Endpoint {
        method: "POST",
        path: "/api/shares/{id}/files/{j}/complete",
        op: Op::CompleteFile,
    },
    Endpoint {
        method: "POST",
        path: "/api/shares/{id}/complete",
        op: Op::CompleteShare,
    },
    Endpoint {
        method: "POST",
        path: "/api/shares/{id}/abort",
        op: Op::AbortShare,
    },
    Endpoint {
        method: "GET",
        path: "/api/shares/{id}/owner",
        op: Op::OwnerView,
    },
    Endpoint {
        method: "POST",
        path: "/api/shares/{id}/revoke",
        op: Op::Revoke,
    },
    Endpoint {
        method: "POST",
        path: "/api/shares/{id}/unlock",
        op: Op::Unlock,
    },
    Endpoint {
        method: "POST",
        path: "/api/shares/{id}/proof",
        op: Op::Proof,
    },
    Endpoint {
        method: "GET",
        path: "/api/shares/{id}/contents",
        op: Op::Contents,
    },
    Endpoint {
        method: "GET",
        path: "/api/shares/{id}/files/{j}/payload",
        op: Op::Payload,
    },
];

/// The parameters of a matched path; those its template lacks stay zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    pub id: Id,
    pub j: u32,
    pub n: u64,
}

/// Finds the endpoint for `method` and `path`: 404 `no_route` when no template has this shape,
/// 405 when the shape exists under other methods, 400 when a parameter is malformed.
pub fn resolve(method: &str, path: &str) -> ApiResult<(Op, Params)> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let shaped: Vec<&Endpoint> = ENDPOINTS
        .iter()
        .filter(|e| same_shape(e.path, &segments))
        .collect();
    if shaped.is_empty() {
        return Err(ApiError::new(
            404,
            "no_route",
            "There is no such API endpoint.",
        ));
    }
    // HEAD is answered like GET by the platform; it is allowed wherever GET is.
    let wanted = if method == "HEAD" { "GET" } else { method };
    let Some(endpoint) = shaped.iter().find(|e| e.method == wanted) else {
        let allow: Vec<&str> = shaped.iter().map(|e| e.method).collect();
        return Err(ApiError::new(
            405,
            "method_not_allowed",
            format!("This endpoint answers {} only.", allow.join(", ")),
        )
        .with_header("Allow", allow.join(", ")));
    };
    let mut params = Params {
        id: Id([0; 16]),
        j: 0,
        n: 0,
    };
    for (template, segment) in endpoint
        .path
        .trim_start_matches('/')
        .split('/')
        .zip(&segments)
    {
        match template {
            "{id}" => params.id = parse_id(segment)?,
            "{j}" => params.j = parse_number(segment, "bad_file_index", "file index")?,
            "{n}" => params.n = parse_number(segment, "bad_part_number", "part number")?,
            _ => {}
        }
    }
    Ok((endpoint.op, params))
}

fn same_shape(template: &str, segments: &[&str]) -> bool {
    let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    parts.len() == segments.len()
        && parts
            .iter()
            .zip(segments)
            .all(|(t, s)| t.starts_with('{') || t == s)
}

fn parse_id(segment: &str) -> ApiResult<Id> {
    Id::parse(segment).map_err(|_| {
        ApiError::bad_request(
            "bad_id",
            "The share id is malformed: it must be 22 base64url characters.",
        )
    })
}

/// A decimal number without sign, leading zeros or anything else.
fn parse_number<T: std::str::FromStr>(
    segment: &str,
    code: &'static str,
    what: &str,
) -> ApiResult<T> {
    let canonical = !segment.is_empty()
        && segment.bytes().all(|b| b.is_ascii_digit())
        && (segment == "0" || !segment.starts_with('0'));
    canonical
        .then(|| segment.parse().ok())
        .flatten()
        .ok_or_else(|| {
            ApiError::bad_request(
                code,
                format!("The {what} in the path is not a valid number."),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The router and the published OpenAPI document list exactly the same operations.
    #[test]
    fn openapi_lists_every_route_and_nothing_else() {
        let doc: serde_json::Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut documented: Vec<(String, String)> = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                if ["get", "put", "post", "delete", "patch", "head"].contains(&method.as_str()) {
                    documented.push((method.to_uppercase(), format!("/api{path}")));
                }
            }
        }
        let mut routed: Vec<(String, String)> = ENDPOINTS
            .iter()
            .map(|e| (e.method.to_string(), e.path.to_string()))
            .collect();
        documented.sort();
        routed.sort();
        assert_eq!(documented, routed);
    }

    #[test]
    fn resolves_parameters_and_refuses_bad_ones() {
        let id = "AAAAAAAAAAAAAAAAAAAAAA";
        let (op, params) = resolve("PUT", &format!("/api/shares/{id}/files/2/parts/10")).unwrap();
        assert_eq!((op, params.j, params.n), (Op::UploadPart, 2, 10));
        assert_eq!(resolve("GET", "/api/nope").unwrap_err().status, 404);
        assert_eq!(
            resolve("DELETE", &format!("/api/shares/{id}"))
                .unwrap_err()
                .status,
            405
        );
        assert_eq!(
            resolve("GET", "/api/shares/short").unwrap_err().code,
            "bad_id"
        );
        let bad_part = resolve("PUT", &format!("/api/shares/{id}/files/0/parts/01")).unwrap_err();
        assert_eq!(bad_part.code, "bad_part_number");
        let huge =
            resolve("GET", &format!("/api/shares/{id}/files/4294967296/payload")).unwrap_err();
        assert_eq!(huge.code, "bad_file_index");
    }
}
