//! The scheduled purge: releases the storage of shares that can no longer be downloaded
//! (expired, used up, revoked) and of uploads abandoned for a day (whole shares, and files a
//! partner began sending into a request), a bounded batch per run.
//!
//! Idempotent: a share is taken with one guarded update before its storage is released (a
//! completion racing the purge either wins and the claim fails, or loses and is refused), marked
//! purged only after its objects are deleted and its multipart uploads aborted (both of which R2
//! accepts twice), and purged shares are never picked again. Active shares are never picked: only
//! the state rules of `lifecycle` choose.

use worker::{console_error, console_log, Env};

use crate::audit::{self, Actor, Change, Event, Origin};
use crate::auth::TICKET_TTL_MS;
use crate::context::Ctx;
use crate::db::{self, share_changes};
use crate::error::ApiResult;
use crate::lifecycle::ABANDONED_AFTER_MS;
use crate::uploads;

/// Shares per run: each costs a few R2 calls per file, and a run must stay well inside the
/// platform's limit on subrequests.
const SHARES_PER_RUN: u64 = 20;
/// A purge claim older than this is from a run that died, and is taken over.
const STALE_CLAIM_MS: u64 = 10 * 60 * 1000;

/// What one run did.
#[derive(Debug, Default)]
pub struct Report {
    pub shares: usize,
    pub objects_deleted: usize,
    pub uploads_aborted: usize,
}

pub async fn run(env: &Env) -> ApiResult<Report> {
    let ctx = &Ctx::new(env).await?;
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
        // Taken first, with one guarded update: from then on nothing completes it, and a
        // completion that got there first makes the claim fail.
        let claim = share_changes::claim_for_purge(
            share,
            ctx.now,
            ctx.now.saturating_sub(STALE_CLAIM_MS),
            ctx.now.saturating_sub(ABANDONED_AFTER_MS),
        );
        if ctx.db.commit(&[claim]).await?[0] != 1 {
            continue;
        }
        for file in ctx.db.files(&share.id).await? {
            let upload = file.upload();
            uploads::release(ctx, &upload).await?;
            match (upload.complete, upload.upload_id) {
                (true, _) => report.objects_deleted += 1,
                (false, Some(_)) => report.uploads_aborted += 1,
                (false, None) => {}
            }
        }
        let from = Origin::default();
        // Expiry and exhaustion follow from the time, so they are logged when the purge sees them.
        if share.reason == "expired" || share.reason == "exhausted" {
            let ended =
                Event::new(format!("share.{}", share.reason), Actor::System).object(&share.id);
            audit::record(ctx, &from, ended).await?;
        }
        let purged = Event::new("share.purged", Actor::System)
            .object(&share.id)
            .detail(serde_json::json!({ "ended_as": share.reason }));
        let change = Change::guarded(share_changes::mark_purged(share, ctx.now, ctx.now));
        audit::commit(ctx, &from, purged, change).await?;
        report.shares += 1;
    }
    let abandoned = ctx
        .db
        .abandoned_request_files(ctx.now.saturating_sub(ABANDONED_AFTER_MS), SHARES_PER_RUN)
        .await?;
    for file in &abandoned {
        let claim = db::claim_file_for_purge(
            &file.id,
            ctx.now,
            ctx.now.saturating_sub(STALE_CLAIM_MS),
            ctx.now.saturating_sub(ABANDONED_AFTER_MS),
        );
        if ctx.db.commit(&[claim]).await?[0] != 1 {
            continue;
        }
        uploads::release(ctx, &file.upload()).await?;
        let event = Event::new("request.upload.abandoned", Actor::System)
            .object(&file.request_id)
            .detail(serde_json::json!({ "file": file.id }));
        let change = Change::guarded(db::delete_claimed_file(&file.id, ctx.now));
        audit::commit(ctx, &Origin::default(), event, change).await?;
        report.uploads_aborted += usize::from(file.upload_id.is_some());
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
