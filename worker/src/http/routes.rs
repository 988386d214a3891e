//! The API's route table: the one list of every endpoint, used both to dispatch requests and,
//! in a test, to check `openapi.json`.

use sealdrop_core::encoding::Id;

use crate::rules::api_keys::Scope;
use crate::rules::error::{ApiError, ApiResult};

/// What an endpoint does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Limits,
    OpenApi,
    CreateShare,
    ListShares,
    AdminShares,
    ShareState,
    UploadPart,
    StoredParts,
    CompleteFile,
    CompleteShare,
    AbortShare,
    OwnerView,
    Revoke,
    Unlock,
    Proof,
    Contents,
    Payload,
    InviteSelf,
    CreateAccount,
    Accounts,
    ChangeAccount,
    SignInParams,
    SignIn,
    Session,
    SignOut,
    ChangePassword,
    AdoptAccountKey,
    Account,
    CreateApiKey,
    ApiKeys,
    RevokeApiKey,
    AdminApiKeys,
    AdminRevokeApiKey,
    CreateInvite,
    Invites,
    CancelInvite,
    CreateRequest,
    Requests,
    RequestDetail,
    DeleteRequest,
    RequestPayload,
    MarkRead,
    DeleteRequestFile,
    Intake,
    CreateRequestFile,
    UploadRequestPart,
    StoredRequestParts,
    CompleteRequestFile,
    AbortRequestFile,
    Receipt,
    LogCheckpoint,
    LogEvents,
    LogVerify,
    LogExport,
    Activity,
    Overview,
    Policy,
    SetPolicy,
}

impl Op {
    /// The action the access log records when this call is refused: the action of the event it
    /// writes on success where it writes one, so that one filter shows both.
    pub fn action(self) -> &'static str {
        use Op::*;
        match self {
            Limits => "limits.viewed",
            OpenApi => "openapi.viewed",
            CreateShare => "share.created",
            ListShares | AdminShares => "shares.listed",
            ShareState => "share.state.viewed",
            UploadPart => "share.part.uploaded",
            StoredParts => "share.parts.viewed",
            CompleteFile => "share.file.completed",
            CompleteShare => "share.completed",
            AbortShare => "share.aborted",
            OwnerView => "share.viewed",
            Revoke => "share.revoked",
            Unlock => "share.unlocked",
            Proof => "download.proof",
            Contents => "download.contents",
            Payload => "download.payload",
            Receipt => "download.receipt",
            InviteSelf => "invite.viewed",
            CreateAccount => "account.created",
            Accounts => "accounts.listed",
            ChangeAccount => "account.changed",
            SignInParams => "signin.params",
            SignIn => "signin",
            Session => "session.viewed",
            SignOut => "signout",
            ChangePassword => "password.changed",
            AdoptAccountKey => "account.key.adopted",
            Account => "account.viewed",
            CreateApiKey => "api_key.created",
            ApiKeys | AdminApiKeys => "api_keys.listed",
            RevokeApiKey | AdminRevokeApiKey => "api_key.revoked",
            CreateInvite => "invite.created",
            Invites => "invites.listed",
            CancelInvite => "invite.cancelled",
            CreateRequest => "request.created",
            Requests => "requests.listed",
            RequestDetail => "request.viewed",
            DeleteRequest => "request.deleted",
            RequestPayload => "request.file.payload",
            MarkRead => "request.file.read",
            DeleteRequestFile => "request.file.deleted",
            Intake => "request.intake.viewed",
            CreateRequestFile => "request.upload.started",
            UploadRequestPart => "request.upload.part",
            StoredRequestParts => "request.upload.viewed",
            CompleteRequestFile => "request.upload.completed",
            AbortRequestFile => "request.upload.aborted",
            LogCheckpoint | LogEvents => "log.viewed",
            LogVerify => "log.verified",
            LogExport => "log.exported",
            Activity => "activity.viewed",
            Overview => "overview.viewed",
            Policy => "policy.viewed",
            SetPolicy => "policy.changed",
        }
    }

    /// The scopes of which an API key needs one to call this operation; none for an operation no
    /// key may call (everything of sessions, accounts, keys themselves, admins and the log, and
    /// what owner tokens, tickets and upload tokens authorise).
    pub fn key_scopes(self) -> &'static [Scope] {
        use Op::*;
        match self {
            Limits | Account => &Scope::ALL,
            CreateShare | ListShares | OwnerView | Revoke | Unlock => &[Scope::Share],
            CreateRequest | DeleteRequest => &[Scope::Request],
            Requests => &[Scope::Request, Scope::Inbox],
            RequestDetail | RequestPayload | MarkRead | DeleteRequestFile => &[Scope::Inbox],
            _ => &[],
        }
    }

    /// Whether a caller of this operation holds (or claims) a share's key: a download.
    pub fn is_download(self) -> bool {
        matches!(self, Op::Proof | Op::Contents | Op::Payload | Op::Receipt)
    }

    /// Whether this operation is a partner's, on a request link.
    pub fn is_intake(self) -> bool {
        matches!(
            self,
            Op::Intake
                | Op::CreateRequestFile
                | Op::StoredRequestParts
                | Op::UploadRequestPart
                | Op::CompleteRequestFile
                | Op::AbortRequestFile
        )
    }
}

pub struct Endpoint {
    pub method: &'static str,
    /// Literal segments and the parameters `{id}`, `{file}`, `{j}` and `{n}`, as in `openapi.json`.
    pub path: &'static str,
    pub op: Op,
}

const fn ep(method: &'static str, path: &'static str, op: Op) -> Endpoint {
    Endpoint { method, path, op }
}

#[rustfmt::skip]
pub const ENDPOINTS: &[Endpoint] = &[
    ep("GET",    "/api/limits",                                 Op::Limits),
    ep("GET",    "/api/openapi.json",                           Op::OpenApi),
    ep("POST",   "/api/shares",                                 Op::CreateShare),
    ep("GET",    "/api/shares",                                 Op::ListShares),
    ep("GET",    "/api/admin/shares",                           Op::AdminShares),
    ep("GET",    "/api/shares/{id}",                            Op::ShareState),
    ep("PUT",    "/api/shares/{id}/files/{j}/parts/{n}",        Op::UploadPart),
    ep("GET",    "/api/shares/{id}/files/{j}/parts",            Op::StoredParts),
    ep("POST",   "/api/shares/{id}/files/{j}/complete",         Op::CompleteFile),
    ep("POST",   "/api/shares/{id}/complete",                   Op::CompleteShare),
    ep("POST",   "/api/shares/{id}/abort",                      Op::AbortShare),
    ep("GET",    "/api/shares/{id}/owner",                      Op::OwnerView),
    ep("POST",   "/api/shares/{id}/revoke",                     Op::Revoke),
    ep("POST",   "/api/shares/{id}/unlock",                     Op::Unlock),
    ep("POST",   "/api/shares/{id}/proof",                      Op::Proof),
    ep("GET",    "/api/shares/{id}/contents",                   Op::Contents),
    ep("GET",    "/api/shares/{id}/files/{j}/payload",          Op::Payload),
    ep("POST",   "/api/shares/{id}/files/{j}/receipt",          Op::Receipt),
    ep("GET",    "/api/invites/self",                           Op::InviteSelf),
    ep("POST",   "/api/accounts",                               Op::CreateAccount),
    ep("GET",    "/api/accounts",                               Op::Accounts),
    ep("PATCH",  "/api/accounts/{id}",                          Op::ChangeAccount),
    ep("POST",   "/api/session/params",                         Op::SignInParams),
    ep("POST",   "/api/session",                                Op::SignIn),
    ep("GET",    "/api/session",                                Op::Session),
    ep("DELETE", "/api/session",                                Op::SignOut),
    ep("PUT",    "/api/account/password",                       Op::ChangePassword),
    ep("POST",   "/api/account/key",                            Op::AdoptAccountKey),
    ep("GET",    "/api/account",                                Op::Account),
    ep("POST",   "/api/account/api-keys",                       Op::CreateApiKey),
    ep("GET",    "/api/account/api-keys",                       Op::ApiKeys),
    ep("DELETE", "/api/account/api-keys/{id}",                  Op::RevokeApiKey),
    ep("GET",    "/api/admin/api-keys",                         Op::AdminApiKeys),
    ep("DELETE", "/api/admin/api-keys/{id}",                    Op::AdminRevokeApiKey),
    ep("POST",   "/api/invites",                                Op::CreateInvite),
    ep("GET",    "/api/invites",                                Op::Invites),
    ep("DELETE", "/api/invites/{id}",                           Op::CancelInvite),
    ep("POST",   "/api/requests",                               Op::CreateRequest),
    ep("GET",    "/api/requests",                               Op::Requests),
    ep("GET",    "/api/requests/{id}",                          Op::RequestDetail),
    ep("DELETE", "/api/requests/{id}",                          Op::DeleteRequest),
    ep("GET",    "/api/requests/{id}/files/{file}/payload",     Op::RequestPayload),
    ep("POST",   "/api/requests/{id}/files/{file}/read",        Op::MarkRead),
    ep("DELETE", "/api/requests/{id}/files/{file}",             Op::DeleteRequestFile),
    ep("GET",    "/api/requests/{id}/intake",                   Op::Intake),
    ep("POST",   "/api/requests/{id}/uploads",                  Op::CreateRequestFile),
    ep("GET",    "/api/requests/{id}/uploads/{file}",           Op::StoredRequestParts),
    ep("PUT",    "/api/requests/{id}/uploads/{file}/parts/{n}", Op::UploadRequestPart),
    ep("POST",   "/api/requests/{id}/uploads/{file}/complete",  Op::CompleteRequestFile),
    ep("DELETE", "/api/requests/{id}/uploads/{file}",           Op::AbortRequestFile),
    ep("GET",    "/api/audit/checkpoint",                       Op::LogCheckpoint),
    ep("GET",    "/api/audit/events",                           Op::LogEvents),
    ep("GET",    "/api/audit/verify",                           Op::LogVerify),
    ep("GET",    "/api/audit/export",                           Op::LogExport),
    ep("GET",    "/api/activity",                               Op::Activity),
    ep("GET",    "/api/admin/overview",                         Op::Overview),
    ep("GET",    "/api/admin/policy",                           Op::Policy),
    ep("PUT",    "/api/admin/policy",                           Op::SetPolicy),
];

/// The parameters of a matched path: those its template has are `Some` (or set, for numbers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params {
    pub id: Option<Id>,
    pub file: Option<Id>,
    pub j: u32,
    pub n: u64,
}

/// Finds the endpoint for `method` and `path`: 404 `no_route` when no template has this shape,
/// 405 when the shape exists under other methods, 400 when a parameter is malformed.
pub fn resolve(method: &str, path: &str) -> ApiResult<(Op, Params)> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut shaped: Vec<&Endpoint> = ENDPOINTS
        .iter()
        .filter(|e| same_shape(e.path, &segments))
        .collect();
    // A literal segment beats a parameter: `/api/invites/self` is not the invite with id "self".
    let most_literal = shaped.iter().map(|e| literals(e.path)).max().unwrap_or(0);
    shaped.retain(|e| literals(e.path) == most_literal);
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
    let mut params = Params::default();
    for (template, segment) in endpoint
        .path
        .trim_start_matches('/')
        .split('/')
        .zip(&segments)
    {
        match template {
            "{id}" => params.id = Some(parse_id(segment)?),
            "{file}" => params.file = Some(parse_id(segment)?),
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

fn literals(template: &str) -> usize {
    template.split('/').filter(|s| !s.starts_with('{')).count()
}

fn parse_id(segment: &str) -> ApiResult<Id> {
    Id::parse(segment).map_err(|_| {
        ApiError::bad_request(
            "bad_id",
            "An id in the path is malformed: ids are 22 base64url characters.",
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
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../openapi.json")).unwrap();
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

    /// The document's `apiKey` security on each operation names exactly the scopes of
    /// `Op::key_scopes`, and operations no key may call do not offer it.
    #[test]
    fn openapi_names_the_scopes_an_api_key_needs() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../openapi.json")).unwrap();
        for e in ENDPOINTS {
            let operation =
                &doc["paths"][e.path.trim_start_matches("/api")][e.method.to_lowercase()];
            let offered: Vec<Vec<String>> = operation["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|req| req.get("apiKey"))
                .map(|scopes| serde_json::from_value(scopes.clone()).unwrap())
                .collect();
            let needs: Vec<String> =
                e.op.key_scopes()
                    .iter()
                    .map(|s| s.name().to_string())
                    .collect();
            if needs.is_empty() {
                assert!(
                    offered.is_empty(),
                    "{} {} offers API keys",
                    e.method,
                    e.path
                );
            } else {
                assert_eq!(offered, vec![needs], "{} {}", e.method, e.path);
            }
        }
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
