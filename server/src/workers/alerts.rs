//! Alerts: when server errors or given-up deliveries across all instances pass their thresholds
//! within the window, a Slack-compatible message goes to `ALERT_WEBHOOK_URL` through the
//! durable jobs queue (retried with backoff). A storm yields one alert per cooldown, and a
//! recovery message follows when the numbers fall back.

use std::time::Duration;

use serde_json::{Value, json};

use super::Jobs;
use crate::store::NewJob;

/// The jobs kind of an alert to send.
pub const KIND: &str = "alert";

/// How often the numbers are checked.
const EVERY: Duration = Duration::from_secs(30);

/// One alert rule.
struct Rule {
    name: &'static str,
    rollup: &'static str,
    threshold: u64,
    what: &'static str,
}

/// Checks the rules every 30 s until aborted (only when a webhook is configured).
pub fn spawn_evaluator(jobs: Jobs) -> Option<tokio::task::JoinHandle<()>> {
    jobs.config.ops.alert_webhook_url.as_ref()?;
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            if let Err(err) = evaluate(&jobs).await {
                tracing::warn!(error = %err, "alert evaluation failed");
            }
        }
    }))
}

/// Compares the window's totals with the thresholds and enqueues alerts or recoveries.
pub async fn evaluate(jobs: &Jobs) -> anyhow::Result<()> {
    let config = &jobs.config.ops;
    let window = chrono::Duration::seconds(i64::try_from(config.alert_window_secs).unwrap_or(300));
    let now = crate::store::now();
    let rows = jobs.ctx.store.read_rollups(now - window).await?;
    let rules = [
        Rule {
            name: "errors_5xx",
            rollup: "errors_5xx",
            threshold: config.alert_5xx_threshold,
            what: "server errors (5xx)",
        },
        Rule {
            name: "delivery_failures",
            rollup: "delivery_failures",
            threshold: config.alert_delivery_failure_threshold,
            what: "message deliveries given up",
        },
    ];
    for rule in rules {
        let value: f64 = rows
            .iter()
            .filter(|r| r.name == rule.rollup)
            .map(|r| r.value)
            .sum();
        let last = jobs.ctx.store.last_job(KIND, rule.name).await?;
        let last_state = last
            .as_ref()
            .and_then(|j| j.payload.0["state"].as_str().map(str::to_owned));
        let cooled_down = last.as_ref().is_none_or(|j| {
            now - j.created_at
                > chrono::Duration::seconds(
                    i64::try_from(config.alert_cooldown_secs).unwrap_or(900),
                )
        });
        let firing = value >= rule.threshold as f64 && rule.threshold > 0;
        let next_state = match (firing, last_state.as_deref()) {
            (true, None | Some("recovered")) => Some("firing"),
            (true, Some("firing")) if cooled_down => Some("firing"),
            (false, Some("firing")) => Some("recovered"),
            _ => None,
        };
        let Some(next_state) = next_state else {
            continue;
        };
        let text = message(config, &rule, value, next_state);
        jobs.ctx
            .store
            .enqueue_job(&NewJob {
                kind: KIND,
                dedupe_key: Some(format!("alert:{}", rule.name)),
                subject: Some(rule.name.to_owned()),
                payload: json!({"state": next_state, "rule": rule.name, "value": value, "threshold": rule.threshold, "text": text}),
                run_at: now,
            }, &[])
            .await?;
        tracing::warn!(
            rule = rule.name,
            state = next_state,
            value,
            threshold = rule.threshold,
            "alert raised"
        );
    }
    Ok(())
}

fn message(config: &crate::config::OpsConfig, rule: &Rule, value: f64, next_state: &str) -> String {
    let minutes = config.alert_window_secs / 60;
    let environment = &config.sentry_environment;
    if next_state == "firing" {
        format!(
            ":rotating_light: *Switchboard ({environment})*: {value:.0} {} in the last {minutes} min \
             (threshold {}). See the admin telemetry dashboard and the logs.",
            rule.what, rule.threshold
        )
    } else {
        format!(
            ":white_check_mark: *Switchboard ({environment}) recovered*: {} back under {} in the last {minutes} min.",
            rule.what, rule.threshold
        )
    }
}

/// Posts an alert job's message to the webhook.
pub async fn deliver(jobs: &Jobs, job: &crate::store::JobRow) -> Result<(), String> {
    let url = jobs
        .config
        .ops
        .alert_webhook_url
        .as_ref()
        .ok_or("ALERT_WEBHOOK_URL is not set")?;
    let text = job
        .payload
        .0
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or("Switchboard alert");
    let response = jobs
        .http
        .post(url.expose())
        .timeout(Duration::from_secs(10))
        .json(&json!({"text": text}))
        .send()
        .await
        // Without the URL: the webhook's URL is its secret, and errors are stored and reported.
        .map_err(|e| format!("webhook unreachable: {}", e.without_url()))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("webhook answered {}", response.status()))
    }
}
