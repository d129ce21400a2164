//! Fetches link previews (`preview.fetch` jobs): the page of the message's first URL through
//! the guarded fetcher (`crate::previews`), then the preview is stored and announced by the
//! use case. A refused, unreachable or unusable page gives no preview and is not retried.
//! Also makes thumbnails of uploaded images (`thumbnail.make` jobs).

use super::Jobs;
use crate::{
    domain::preview::StoredPreview,
    previews::PagePreview,
    service::previews::{self, PreviewJob},
    store::JobRow,
};

/// Makes one thumbnail (the jobs worker's handler for [`crate::service::media::THUMBNAIL_KIND`]).
pub async fn thumbnail(jobs: &Jobs, job: &JobRow) -> Result<(), String> {
    let job: crate::service::media::ThumbnailJob = serde_json::from_value(job.payload.0.clone())
        .map_err(|e| format!("unreadable thumbnail job: {e}"))?;
    crate::service::media::make_thumbnail(&jobs.ctx, job.upload_id).await
}

/// Runs one fetch (the jobs worker's handler for [`previews::KIND`]).
pub async fn fetch(jobs: &Jobs, job: &JobRow) -> Result<(), String> {
    let job: PreviewJob = serde_json::from_value(job.payload.0.clone())
        .map_err(|e| format!("unreadable preview job: {e}"))?;
    let ctx = &jobs.ctx;
    if !ctx.settings.link_previews
        || !previews::wanted(ctx, &job)
            .await
            .map_err(|e| e.to_string())?
    {
        return Ok(());
    }
    let found = match jobs.previews.page(&job.url).await {
        Ok(page) => {
            let image = page.image.clone();
            let mut found = preview_of(&job, page);
            if let (Some(preview), Some(image)) = (found.as_mut(), image) {
                preview.image_upload_id = match jobs.previews.image(image).await {
                    Ok(fetched) => previews::store_image(ctx, job.message_id, fetched.body)
                        .await
                        .map_err(|e| e.to_string())?,
                    Err(err) => {
                        tracing::info!(message = %job.message_id, error = %err, "no preview image");
                        None
                    }
                };
            }
            found
        }
        Err(err) => {
            tracing::info!(message = %job.message_id, error = %err, "no link preview");
            metrics::counter!("switchboard_link_previews_total", "outcome" => outcome(&err))
                .increment(1);
            None
        }
    };
    if found.is_some() {
        metrics::counter!("switchboard_link_previews_total", "outcome" => "stored").increment(1);
    }
    previews::store_found(ctx, &job, found)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn preview_of(job: &PreviewJob, page: PagePreview) -> Option<StoredPreview> {
    let meta = page.meta;
    if meta.title.is_none() && meta.description.is_none() {
        return None;
    }
    Some(StoredPreview {
        url: job.url.clone(),
        title: meta.title,
        description: meta.description,
        site_name: meta.site_name,
        image_upload_id: None,
        removed: false,
    })
}

fn outcome(err: &crate::previews::FetchError) -> &'static str {
    use crate::previews::FetchError;
    match err {
        FetchError::Refused(_) => "refused",
        FetchError::TooManyRedirects => "too_many_redirects",
        FetchError::TooLarge(_) => "too_large",
        FetchError::ContentType(_) => "not_html",
        FetchError::Status(_) => "status",
        FetchError::Network(_) => "network",
    }
}
