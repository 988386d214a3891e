//! The scheduled purge: releases the storage of shares that can no longer be downloaded
//! (expired, used up, revoked) and of uploads abandoned for a day (whole shares, and files a
//! partner began sending into a request), a bounded batch per run.
//!
//! Idempotent: a share is taken with one guarded update before its storage is released (a
//! completion racing the purge either wins and the claim fails, or loses and is refused), marked
//! purged only after its objects are deleted and its multipart uploads aborted (both of which R2
//! accepts twice), and purged shares are never picked again. Active shares are never picked: only
//! the state rules of `rules::lifecycle`, as `store::purge` spells them in SQL, choose.

use worker::{console_error, console_log, Env};

use crate::rules::error::ApiResult;
use crate::rules::limits::{
    ABANDONED_AFTER_MS, PURGED_PER_RUN, STALE_PURGE_CLAIM_MS, TICKET_TTL_MS,
};
use crate::rules::log_event::{Actor, Event, Origin};
use crate::services::audit::{self, Change};
use crate::services::context::Ctx;
use crate::services::uploads;
use crate::store::purge::{
    claim_file_for_purge, claim_for_purge, delete_claimed_file, mark_purged, Ending,
};

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
            PURGED_PER_RUN,
        )
        .await?;
    let mut report = Report::default();
    for share in &ended {
        // Taken first, with one guarded update: from then on nothing completes it, and a
        // completion that got there first makes the claim fail.
        let claim = claim_for_purge(
            share,
            ctx.now,
            ctx.now.saturating_sub(STALE_PURGE_CLAIM_MS),
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
        if matches!(share.reason, Ending::Expired | Ending::Exhausted) {
            let ended = Event::new(format!("share.{}", share.reason.name()), Actor::System)
                .object(&share.id);
            audit::record(ctx, &from, ended).await?;
        }
        let purged = Event::new("share.purged", Actor::System)
            .object(&share.id)
            .detail(serde_json::json!({ "ended_as": share.reason.name() }));
        let change = Change::guarded(mark_purged(share, ctx.now, ctx.now));
        audit::commit(ctx, &from, purged, change).await?;
        report.shares += 1;
    }
    let abandoned = ctx
        .db
        .abandoned_request_files(ctx.now.saturating_sub(ABANDONED_AFTER_MS), PURGED_PER_RUN)
        .await?;
    for file in &abandoned {
        let claim = claim_file_for_purge(
            &file.id,
            ctx.now,
            ctx.now.saturating_sub(STALE_PURGE_CLAIM_MS),
            ctx.now.saturating_sub(ABANDONED_AFTER_MS),
        );
        if ctx.db.commit(&[claim]).await?[0] != 1 {
            continue;
        }
        uploads::release(ctx, &file.upload()).await?;
        let event = Event::new("request.upload.abandoned", Actor::System)
            .object(&file.request_id)
            .detail(serde_json::json!({ "file": file.id }));
        let change = Change::guarded(delete_claimed_file(&file.id, ctx.now));
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
