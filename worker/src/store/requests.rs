//! The SQL of file requests and the files partners send into them. Reads run here; changes are
//! statements as data (free functions returning [`Sql`]), which their handlers commit with their
//! events.

use serde::Deserialize;
use wasm_bindgen::JsValue;

use crate::rules::error::ApiResult;
use crate::rules::lifecycle::RequestState;
use crate::store::sql::{n, t, Sql};
use crate::store::{flag, text, Db};

/// A request with its counts. `files` and `bytes` count every file recorded, complete or still
/// uploading, since both take room under the limits; `received` and `unread` only complete ones.
#[derive(Debug, Deserialize)]
pub struct RequestRow {
    pub id: String,
    pub owner_account: String,
    pub label: String,
    pub message: String,
    pub public_key: String,
    pub upload_token_hash: String,
    pub wrapped_rs: String,
    pub max_files: u64,
    pub max_bytes: u64,
    pub created_at: u64,
    pub expires_at: u64,
    pub files: u64,
    pub bytes: u64,
    pub received: u64,
    pub received_bytes: u64,
    pub unread: u64,
    /// Whether its staff member's account is disabled: then it takes nothing more.
    #[serde(deserialize_with = "flag")]
    pub owner_disabled: bool,
}

impl RequestRow {
    pub fn state_at(&self, now: u64) -> RequestState {
        RequestState::at(
            self.expires_at,
            (self.files, self.max_files),
            (self.bytes, self.max_bytes),
            now,
        )
    }
}

/// A request to record: what its staff member chose, and the hash of its upload token.
pub struct NewRequest {
    pub id: String,
    pub owner_account: String,
    pub label: String,
    pub message: String,
    pub public_key: String,
    pub upload_token_hash: String,
    pub wrapped_rs: String,
    pub max_files: u64,
    pub max_bytes: u64,
    pub created_at: u64,
    pub expires_at: u64,
}

impl From<NewRequest> for RequestRow {
    /// The request as recorded: nothing received yet, by an account that is enabled.
    fn from(r: NewRequest) -> Self {
        RequestRow {
            id: r.id,
            owner_account: r.owner_account,
            label: r.label,
            message: r.message,
            public_key: r.public_key,
            upload_token_hash: r.upload_token_hash,
            wrapped_rs: r.wrapped_rs,
            max_files: r.max_files,
            max_bytes: r.max_bytes,
            created_at: r.created_at,
            expires_at: r.expires_at,
            files: 0,
            bytes: 0,
            received: 0,
            received_bytes: 0,
            unread: 0,
            owner_disabled: false,
        }
    }
}

const REQUEST_COLUMNS: &str = "r.id, r.owner_account, r.label, r.message, r.public_key, r.upload_token_hash, r.wrapped_rs, \
    r.max_files, r.max_bytes, r.created_at, r.expires_at, \
    (SELECT COUNT(*) FROM request_files f WHERE f.request_id = r.id) AS files, \
    (SELECT COALESCE(SUM(plaintext_size), 0) FROM request_files f WHERE f.request_id = r.id) AS bytes, \
    (SELECT COUNT(*) FROM request_files f WHERE f.request_id = r.id AND f.content_id IS NOT NULL) AS received, \
    (SELECT COALESCE(SUM(plaintext_size), 0) FROM request_files f WHERE f.request_id = r.id AND f.content_id IS NOT NULL) AS received_bytes, \
    (SELECT COUNT(*) FROM request_files f WHERE f.request_id = r.id AND f.content_id IS NOT NULL AND f.read_at IS NULL) AS unread, \
    (SELECT disabled_at IS NOT NULL FROM accounts a WHERE a.id = r.owner_account) AS owner_disabled";

#[derive(Debug, Deserialize)]
pub struct RequestFileRow {
    pub id: String,
    pub request_id: String,
    pub header: String,
    pub metadata: String,
    pub stanza: String,
    pub plaintext_size: u64,
    pub payload_size: u64,
    pub chunks_per_part: u64,
    pub part_size: u64,
    pub part_count: u64,
    pub object_key: String,
    pub upload_id: Option<String>,
    pub content_id: Option<String>,
    pub created_at: u64,
    pub completed_at: Option<u64>,
    pub read_at: Option<u64>,
}

/// A partner's file to record, as its upload begins.
pub struct NewRequestFile {
    pub id: String,
    pub request_id: String,
    pub header: String,
    pub metadata: String,
    pub stanza: String,
    pub plaintext_size: u64,
    pub payload_size: u64,
    pub chunks_per_part: u64,
    pub part_size: u64,
    pub part_count: u64,
    pub object_key: String,
}

const FILE_COLUMNS: &str =
    "id, request_id, header, metadata, stanza, plaintext_size, payload_size, chunks_per_part, \
    part_size, part_count, object_key, upload_id, content_id, created_at, completed_at, read_at";

impl Db {
    pub async fn request(&self, id: &str) -> ApiResult<Option<RequestRow>> {
        Ok(self.requests_where("r.id = ?1", &[text(id)]).await?.pop())
    }

    pub async fn requests_of(&self, account_id: &str) -> ApiResult<Vec<RequestRow>> {
        self.requests_where(
            "r.owner_account = ?1 ORDER BY r.created_at DESC",
            &[text(account_id)],
        )
        .await
    }

    async fn requests_where(
        &self,
        condition: &str,
        values: &[JsValue],
    ) -> ApiResult<Vec<RequestRow>> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests r WHERE {condition}");
        self.all(&sql, values).await
    }

    /// The ids of an account's requests.
    pub async fn request_ids_of(&self, account_id: &str) -> ApiResult<Vec<String>> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
        }
        let rows: Vec<Row> = self
            .all(
                "SELECT id FROM requests WHERE owner_account = ?1",
                &[text(account_id)],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    pub async fn request_file(
        &self,
        request_id: &str,
        file_id: &str,
    ) -> ApiResult<Option<RequestFileRow>> {
        let values = [text(request_id), text(file_id)];
        let files = self.request_files_where("request_id = ?1 AND id = ?2", &values);
        Ok(files.await?.pop())
    }

    /// A request's complete files, newest first.
    pub async fn received_files(&self, request_id: &str) -> ApiResult<Vec<RequestFileRow>> {
        let condition = "request_id = ?1 AND content_id IS NOT NULL ORDER BY completed_at DESC";
        self.request_files_where(condition, &[text(request_id)])
            .await
    }

    /// Every file of a request, complete or not.
    pub async fn all_request_files(&self, request_id: &str) -> ApiResult<Vec<RequestFileRow>> {
        self.request_files_where("request_id = ?1", &[text(request_id)])
            .await
    }

    /// The request files that meet `condition` (which may end in an ORDER BY and a LIMIT).
    pub(super) async fn request_files_where(
        &self,
        condition: &str,
        values: &[JsValue],
    ) -> ApiResult<Vec<RequestFileRow>> {
        let sql = format!("SELECT {FILE_COLUMNS} FROM request_files WHERE {condition}");
        self.all(&sql, values).await
    }

    /// Each part's claimed BLAKE3 of every complete file of a request, by object key.
    pub async fn received_part_hashes(&self, request_id: &str) -> ApiResult<Vec<(String, String)>> {
        #[derive(Deserialize)]
        struct Row {
            object_key: String,
            blake3: String,
        }
        let rows: Vec<Row> = self
            .all(
                "SELECT p.object_key, p.blake3 FROM upload_parts p JOIN request_files f ON f.object_key = p.object_key
                 WHERE f.request_id = ?1 AND f.content_id IS NOT NULL ORDER BY p.object_key, p.n",
                &[text(request_id)],
            )
            .await?;
        Ok(rows.into_iter().map(|r| (r.object_key, r.blake3)).collect())
    }
}

/// Records a new request; for a guarded change: nothing when its id is taken by any object at
/// all. The browser draws request ids, so one could be chosen to equal another person's share,
/// account, invite or file id; ids are unique across every kind, so the log's objects name one
/// thing each.
pub fn insert_request(r: &NewRequest) -> Sql {
    Sql::new(
        "INSERT INTO requests (id, owner_account, label, message, public_key, upload_token_hash, wrapped_rs, max_files, max_bytes, created_at, expires_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11
         WHERE NOT EXISTS (SELECT 1 FROM shares WHERE id = ?1)
           AND NOT EXISTS (SELECT 1 FROM accounts WHERE id = ?1)
           AND NOT EXISTS (SELECT 1 FROM invites WHERE id = ?1 OR account_id = ?1)
           AND NOT EXISTS (SELECT 1 FROM request_files WHERE id = ?1)
         ON CONFLICT (id) DO NOTHING",
        vec![
            t(&r.id),
            t(&r.owner_account),
            t(&r.label),
            t(&r.message),
            t(&r.public_key),
            t(&r.upload_token_hash),
            t(&r.wrapped_rs),
            n(r.max_files),
            n(r.max_bytes),
            n(r.created_at),
            n(r.expires_at),
        ],
    )
}

/// Records a partner's new file, for a guarded change: only if the request is open and the file
/// fits under both of its limits at this moment. D1 runs writes one at a time, so concurrent
/// uploads cannot overshoot a limit together.
pub fn insert_request_file(f: &NewRequestFile, now: u64) -> Sql {
    Sql::new(
        &format!(
            "INSERT INTO request_files ({FILE_COLUMNS})
             SELECT ?1, r.id, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, NULL, ?12, NULL, NULL
             FROM requests r WHERE r.id = ?2 AND r.expires_at > ?12
               AND (SELECT COUNT(*) FROM request_files x WHERE x.request_id = r.id) < r.max_files
               AND (SELECT COALESCE(SUM(plaintext_size), 0) FROM request_files x WHERE x.request_id = r.id) + ?6 <= r.max_bytes"
        ),
        vec![
            t(&f.id),
            t(&f.request_id),
            t(&f.header),
            t(&f.metadata),
            t(&f.stanza),
            n(f.plaintext_size),
            n(f.payload_size),
            n(f.chunks_per_part),
            n(f.part_size),
            n(f.part_count),
            t(&f.object_key),
            n(now),
        ],
    )
}

/// The multipart upload R2 started for a file.
pub fn set_request_upload_id(file_id: &str, upload_id: &str) -> Sql {
    Sql::new(
        "UPDATE request_files SET upload_id = ?2 WHERE id = ?1",
        vec![t(file_id), t(upload_id)],
    )
}

/// Records a file's content id once; for a guarded change: nothing when it was already complete.
pub fn complete_request_file(file_id: &str, content_id: &str, now: u64) -> Sql {
    Sql::new(
        "UPDATE request_files SET content_id = ?2, completed_at = ?3 WHERE id = ?1 AND content_id IS NULL AND purge_claimed_at IS NULL",
        vec![t(file_id), t(content_id), n(now)],
    )
}

/// Marks a complete file read (the first time stays); for a guarded change: nothing when the
/// file is gone.
pub fn mark_read(file_id: &str, now: u64) -> Sql {
    Sql::new(
        "UPDATE request_files SET read_at = COALESCE(read_at, ?2) WHERE id = ?1 AND content_id IS NOT NULL",
        vec![t(file_id), n(now)],
    )
}

/// Removes a file's parts and record, whatever its state; the record last, for a guarded change.
pub fn delete_request_file(file_id: &str) -> Vec<Sql> {
    remove_file(file_id, "", vec![])
}

/// Removes the parts and record of a file still being uploaded, both only while it is
/// incomplete; the record last, for a guarded change: nothing when it was completed meanwhile.
pub fn delete_unfinished_file(file_id: &str) -> Vec<Sql> {
    remove_file(file_id, " AND content_id IS NULL", vec![])
}

/// The statements that remove a file's parts and then its record while `condition` (over ?1,
/// the file, and `extra` from ?2 on) holds.
pub(super) fn remove_file(
    file_id: &str,
    condition: &str,
    extra: Vec<serde_json::Value>,
) -> Vec<Sql> {
    let mut values = vec![t(file_id)];
    values.extend(extra);
    vec![
        Sql::new(
            &format!("DELETE FROM upload_parts WHERE object_key = (SELECT object_key FROM request_files WHERE id = ?1{condition})"),
            values.clone(),
        ),
        Sql::new(
            &format!("DELETE FROM request_files WHERE id = ?1{condition}"),
            values,
        ),
    ]
}

/// Removes a request with every file and part record of it; the request last, for a guarded
/// change (its files and parts exist only while it does).
pub fn delete_request(request_id: &str) -> Vec<Sql> {
    vec![
        Sql::new(
            "DELETE FROM upload_parts WHERE object_key IN (SELECT object_key FROM request_files WHERE request_id = ?1)",
            vec![t(request_id)],
        ),
        Sql::new(
            "DELETE FROM request_files WHERE request_id = ?1",
            vec![t(request_id)],
        ),
        Sql::new("DELETE FROM requests WHERE id = ?1", vec![t(request_id)]),
    ]
}
