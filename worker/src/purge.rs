//! The scheduled purge: releases the storage of shares that can no longer be downloaded
//! (expired, used up, revoked) and of uploads abandoned for a day, a bounded batch per run.
//!
//! Idempotent: a share is marked purged only after its objects are deleted and its multipart
//! uploads aborted (both of which R2 accepts twice), and purged shares are never picked again.
//! Active shares are never picked: only the state rules of `lifecycle` choose.

use worker::{console_error, console_log, Env};

use crate::auth::TICKET_TTL_MS;
use crate::context::Ctx;
use crate::error::ApiResult;
use crate::lifecycle::ABANDONED_AFTER_MS;

/// Shares per run: each costs a few R2 calls per file, and a run must stay well inside the
/// platform's limit on subrequests.
const SHARES_PER_RUN: u64 = 20;

/// What one run did.
#[derive(Debug, Default)]
pub struct Report {
    pub shares: usize,
    pub objects_deleted: usize,
    pub uploads_aborted: usize,
}

pub async fn run(env: &Env) -> ApiResult<Report> {
    let ctx = Ctx::new(env).await?;
    let ended = ctx
        .db
        .ended(
            ctx.now,
            ctx.now.saturating_sub(TICKET_TTL_MS),
            ctx.now.saturating_sub(ABANDONED_AFTER_MS),
            SHARES_PER_RUN,
        )
        .await?;
    let mut report = Report::default();
    for share in &ended {
        for file in ctx.db.files(&share.id).await? {
            match (&file.content_id, &file.upload_id) {
                (Some(_), _) => {
                    ctx.storage.delete(&file.object_key).await?;
                    report.objects_deleted += 1;
                }
                (None, Some(upload_id)) => {
                    ctx.storage.abort(&file.object_key, upload_id).await?;
                    report.uploads_aborted += 1;
                }
                (None, None) => {}
            }
        }
        ctx.db.mark_purged(share, ctx.now).await?;
        report.shares += 1;
    }
    Ok(report)
}

/// The cron entry point: failures are logged and retried by the next run.
pub async fn scheduled(env: &Env) {
    match run(env).await {
        Ok(report) => console_log!(
            "purge: {} shares, {} objects deleted, {} uploads aborted",
            report.shares,
            report.objects_deleted,
            report.uploads_aborted
        ),
        Err(err) => console_error!("purge stopped: {} ({})", err.code, err.message),
    }
}
