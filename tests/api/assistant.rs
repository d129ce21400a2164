//! The ticket assistant: the local provider end to end through the jobs queue, access rules,
//! the OpenAI-compatible provider against a local chat-completions server, and failures.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use serde_json::{Value, json};
use switchboard::{
    assistant::{
        model::{AuthorKind, ConversationMessage, PreviousAnalysis, TicketContext},
        openai::{OpenAiConfig, OpenAiProvider, TokenMeter},
        provider::{LocalProvider, Provider, ProviderError},
    },
    domain::user::Role,
    workers::jobs,
};

use crate::helpers::{Backend, Client, TestApp};

async fn open_ticket(app: &TestApp, message: &str) -> (String, String) {
    open_ticket_about(app, "Cannot log in", message).await
}

async fn open_ticket_about(app: &TestApp, subject: &str, message: &str) -> (String, String) {
    let resp = app
        .anonymous()
        .post(
            "support/tickets",
            json!({"name": "Nina Customer", "email": "nina@example.com", "subject": subject,
               "message": message, "department": "support"}),
        )
        .await
        .expect(201);
    let ticket = resp.data()["ticketId"].as_str().unwrap().to_owned();
    // A second ticket from the same address gets its link by mail only.
    let token = match resp.data()["token"].as_str() {
        Some(token) => token.to_owned(),
        None => crate::tickets::mailed_follow_token(app, "nina@example.com", subject).await,
    };
    (ticket, token)
}

/// The customer follows their ticket's link and writes `body` in it; returns their client.
async fn customer_says(app: &TestApp, ticket: &str, token: &str, body: &str) -> Client {
    let mut customer = app.anonymous();
    let link = customer
        .post("auth/link", json!({"token": token}))
        .await
        .expect(200);
    customer.token = Some(link.data()["token"].as_str().unwrap().to_owned());
    customer
        .post(
            &format!("rooms/{ticket}/messages"),
            json!({"clientId": "c2", "body": body}),
        )
        .await
        .expect(201);
    customer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_messages_refresh_insights_in_the_background() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::spawn_with(backend, &["--background-jobs", "false"]).await else {
            continue;
        };
        let (ticket, token) = open_ticket(
            &app,
            "I cannot log in since this morning. This is urgent, our whole team is locked out!",
        )
        .await;
        let agent = app.user(Role::Staff, Some("support")).await;
        let empty = agent
            .get(&format!("tickets/{ticket}/assistant"))
            .await
            .expect(200);
        assert_eq!(empty.data()["insights"], json!(null));
        tokio::time::sleep(Duration::from_millis(2100)).await; // the refresh is debounced by 2 s
        assert_eq!(
            jobs::run_once_of(&app.state.jobs, &[jobs::ASSISTANT_REFRESH]).await,
            1,
            "{backend:?}"
        );
        let panel = agent
            .get(&format!("tickets/{ticket}/assistant"))
            .await
            .expect(200);
        let insights = &panel.data()["insights"];
        assert_eq!(insights["provider"], json!("local"));
        assert!(
            insights["summary"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("log in")
        );
        assert!(
            matches!(insights["urgency"].as_str(), Some("high" | "critical")),
            "{insights}"
        );
        let suggestions = insights["suggestions"].as_array().unwrap();
        assert!((3..=5).contains(&suggestions.len()));
        assert_eq!(panel.data()["newerMessages"], json!(0));
        // A new customer message: newer messages, then an incremental refresh.
        let customer = customer_says(&app, &ticket, &token, "Still locked out, please help.").await;
        assert_eq!(
            agent
                .get(&format!("tickets/{ticket}/assistant"))
                .await
                .expect(200)
                .data()["newerMessages"],
            json!(1)
        );
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(
            jobs::run_once_of(&app.state.jobs, &[jobs::ASSISTANT_REFRESH]).await,
            1
        );
        let refreshed = agent
            .get(&format!("tickets/{ticket}/assistant"))
            .await
            .expect(200);
        assert_eq!(refreshed.data()["insights"]["coveredSeq"], json!(2));
        assert_eq!(refreshed.data()["newerMessages"], json!(0));
        // Access: customers never; observers read only; other departments see nothing.
        customer
            .get(&format!("tickets/{ticket}/assistant"))
            .await
            .expect_error(403, "FORBIDDEN");
        let observer = app.user(Role::Observer, Some("support")).await;
        observer
            .get(&format!("tickets/{ticket}/assistant"))
            .await
            .expect(200);
        observer
            .post(&format!("tickets/{ticket}/assistant/refresh"), json!({}))
            .await
            .expect_error(403, "READ_ONLY");
        // An observer of another department learns nothing about the ticket.
        app.user(Role::Observer, Some("billing"))
            .await
            .post(&format!("tickets/{ticket}/assistant/refresh"), json!({}))
            .await
            .expect_error(404, "NOT_FOUND");
        app.user(Role::Staff, Some("billing"))
            .await
            .get(&format!("tickets/{ticket}/assistant"))
            .await
            .expect_error(404, "NOT_FOUND");
        agent
            .post(&format!("tickets/{ticket}/assistant/refresh"), json!({}))
            .await
            .expect(202);
        assert_eq!(
            jobs::run_once_of(&app.state.jobs, &[jobs::ASSISTANT_REFRESH]).await,
            1,
            "a full refresh runs at once"
        );
    }
}

/// A chat-completions server answering from a script of (status, body, delay).
async fn model_server(script: Vec<(u16, Value, u64)>) -> (String, Arc<std::sync::Mutex<usize>>) {
    let (url, calls, _) = recording_model_server(script).await;
    (url, calls)
}

/// Prompts (the user message of each request) a model server received.
type Prompts = Arc<std::sync::Mutex<Vec<String>>>;

/// [`model_server`], also keeping every prompt it was sent.
async fn recording_model_server(
    script: Vec<(u16, Value, u64)>,
) -> (String, Arc<std::sync::Mutex<usize>>, Prompts) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let calls = Arc::new(std::sync::Mutex::new(0usize));
    let prompts: Prompts = Arc::default();
    let script = Arc::new(script);
    let (counter, recorded) = (Arc::clone(&calls), Arc::clone(&prompts));
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |body: axum::Json<Value>| {
            let (script, counter, recorded) = (
                Arc::clone(&script),
                Arc::clone(&counter),
                Arc::clone(&recorded),
            );
            async move {
                assert_eq!(body.0["response_format"]["type"], json!("json_object"));
                recorded.lock().unwrap().push(
                    body.0["messages"][1]["content"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                );
                let n = {
                    let mut calls = counter.lock().unwrap();
                    *calls += 1;
                    *calls - 1
                };
                let (status, answer, delay) = script.get(n).or(script.last()).cloned().unwrap();
                tokio::time::sleep(Duration::from_millis(delay)).await;
                (
                    axum::http::StatusCode::from_u16(status).unwrap(),
                    axum::Json(answer),
                )
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, calls, prompts)
}

fn completion(content: &str, tokens: u64) -> Value {
    json!({"choices": [{"message": {"role": "assistant", "content": content}}], "usage": {"total_tokens": tokens}})
}

fn good_insights() -> String {
    json!({
        "summary": "The customer cannot log in after a password reset.",
        "problem": "Login fails after resetting the password.",
        "urgency": "high", "sentiment": "negative", "sentimentScore": -0.6, "topic": "account",
        "suggestions": ["Sorry about that! Could you try a private window?", "Which browser do you use?", "I have reset your session; please try again."],
        "escalation": {"escalate": false, "severity": "low", "department": null, "reason": ""}
    })
    .to_string()
}

fn ctx() -> TicketContext {
    let now = chrono::Utc::now();
    TicketContext {
        subject: "Cannot log in".into(),
        department: Some("support".into()),
        status: "open".into(),
        created_at: now,
        now,
        previous: None,
        messages: vec![ConversationMessage {
            seq: 1,
            author: AuthorKind::Customer,
            author_name: "Nina".into(),
            body: "I cannot log in.".into(),
            created_at: now,
        }],
    }
}

/// Tokens spent so far, as a test's budget sees them.
fn spent(tokens: u64) -> Arc<AtomicU64> {
    Arc::new(AtomicU64::new(tokens))
}

fn provider(url: &str, budget: u64, spent: &Arc<AtomicU64>, timeout_ms: u64) -> OpenAiProvider {
    let (today, spend) = (Arc::clone(spent), Arc::clone(spent));
    OpenAiProvider::new(
        OpenAiConfig {
            base_url: url.into(),
            model: "test-model".into(),
            api_key: Some("sk-test".into()),
            daily_token_budget: budget,
            timeout: Duration::from_millis(timeout_ms),
        },
        crate::helpers::http_client(),
        LocalProvider {
            departments: vec!["support".into(), "engineering".into()],
        },
        TokenMeter {
            today: Arc::new(move || {
                let today = today.load(Ordering::SeqCst);
                Box::pin(async move { today })
            }),
            spend: Arc::new(move |tokens| {
                spend.fetch_add(tokens, Ordering::SeqCst);
            }),
        },
    )
}

#[tokio::test]
async fn the_openai_provider_validates_retries_times_out_and_keeps_a_budget() {
    let (url, _) = model_server(vec![(200, completion(&good_insights(), 321), 0)]).await;
    let good = provider(&url, 0, &spent(0), 5000)
        .analyze(&ctx())
        .await
        .unwrap();
    assert_eq!((good.provider.as_str(), good.tokens), ("openai", 321));
    assert_eq!(good.insights.topic, "account");

    let (url, _) = model_server(vec![(
        200,
        completion("Sure! Here is a summary: the customer is sad.", 10),
        0,
    )])
    .await;
    assert!(matches!(
        provider(&url, 0, &spent(0), 5000).analyze(&ctx()).await,
        Err(ProviderError::Invalid(_))
    ));
    let (url, _) = model_server(vec![(
        200,
        completion(r#"{"summary": "x", "suggestions": []}"#, 10),
        0,
    )])
    .await;
    assert!(matches!(
        provider(&url, 0, &spent(0), 5000).analyze(&ctx()).await,
        Err(ProviderError::Invalid(_))
    ));

    let (url, calls) = model_server(vec![
        (429, json!({"error": "slow down"}), 0),
        (200, completion(&good_insights(), 50), 0),
    ])
    .await;
    let after_429 = provider(&url, 0, &spent(0), 5000)
        .analyze(&ctx())
        .await
        .unwrap();
    assert_eq!(after_429.provider, "openai");
    assert_eq!(*calls.lock().unwrap(), 2);

    let (url, _) = model_server(vec![(200, completion(&good_insights(), 50), 1500)]).await;
    let slow = provider(&url, 0, &spent(0), 300).analyze(&ctx()).await;
    assert!(
        matches!(slow, Err(ProviderError::Temporary(ref m)) if m.contains("in time")),
        "{slow:?}"
    );

    let (url, calls) = model_server(vec![(200, completion(&good_insights(), 50), 0)]).await;
    let over = provider(&url, 1000, &spent(1000), 5000)
        .analyze(&ctx())
        .await
        .unwrap();
    assert!(over.provider.starts_with("local"), "{}", over.provider);
    assert_eq!(*calls.lock().unwrap(), 0, "no model call past the budget");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_model_is_retried_recorded_and_counted() {
    let (url, calls) = model_server(vec![(500, json!({"error": "down"}), 0)]).await;
    let Some(app) = TestApp::spawn_with(
        Backend::Sqlite,
        &[
            "--background-jobs",
            "false",
            "--ai-provider",
            "openai",
            "--ai-base-url",
            &url,
            "--ai-timeout-secs",
            "2",
        ],
    )
    .await
    else {
        return;
    };
    let (ticket, _) = open_ticket(&app, "Everything is down!").await;
    let before = app.state.metrics.render();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        jobs::run_once_of(&app.state.jobs, &[jobs::ASSISTANT_REFRESH]).await,
        1
    );
    assert_eq!(
        *calls.lock().unwrap(),
        3,
        "three attempts with backoff inside one run"
    );
    let agent = app.user(Role::Staff, Some("support")).await;
    let panel = agent
        .get(&format!("tickets/{ticket}/assistant"))
        .await
        .expect(200);
    assert_eq!(panel.data()["failures"], json!(1));
    // Staff read a short stable sentence; the provider's status and address stay with the
    // operators (the job's error, the log).
    let shown = panel.data()["lastError"].as_str().unwrap();
    assert_eq!(
        shown,
        "The assistant's model did not answer; the refresh will be tried again."
    );
    assert!(
        !shown.contains("500") && !shown.contains("127.0.0.1"),
        "{shown}"
    );
    let series = "switchboard_assistant_failures_total{provider=\"openai\"}";
    let count = |text: &str| {
        text.lines()
            .find(|l| l.starts_with(series))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    assert!(count(&app.state.metrics.render()) > count(&before));
    // The job waits for its retry instead of running again at once.
    assert_eq!(
        jobs::run_once_of(&app.state.jobs, &[jobs::ASSISTANT_REFRESH]).await,
        0
    );
}

#[tokio::test]
async fn tokens_of_malformed_answers_count_against_the_budget() {
    let (url, calls) = model_server(vec![(200, completion("not json at all", 600), 0)]).await;
    let meter = spent(0);
    let model = provider(&url, 1000, &meter, 5000);
    for spent_after in [600, 1200] {
        assert!(matches!(
            model.analyze(&ctx()).await,
            Err(ProviderError::Invalid(_))
        ));
        assert_eq!(
            meter.load(Ordering::SeqCst),
            spent_after,
            "billed tokens counted"
        );
    }
    // The job's next attempt finds the budget spent and answers locally.
    let fallback = model.analyze(&ctx()).await.unwrap();
    assert!(
        fallback.provider.starts_with("local"),
        "{}",
        fallback.provider
    );
    assert_eq!(*calls.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_model_update_reads_only_new_messages_and_keeps_the_escalation() {
    let (url, _, prompts) =
        recording_model_server(vec![(200, completion(&good_insights(), 40), 0)]).await;
    let local = LocalProvider {
        departments: vec!["support".into(), "engineering".into()],
    };
    let mut update = ctx();
    update.messages[0].body =
        "We were hacked: someone logged into our admin account and changed the password.".into();
    let first = local.analyze(&update).await.unwrap().insights;
    assert!(first.escalation.escalate, "{first:?}");
    update.previous = Some(PreviousAnalysis {
        covered_seq: 1,
        insights: first.clone(),
    });
    update.messages.push(ConversationMessage {
        seq: 2,
        author: AuthorKind::Customer,
        author_name: "Nina".into(),
        body: "Thanks! Any news?".into(),
        created_at: update.now,
    });
    // The model (good_insights) says: no escalation, high urgency, topic account.
    let answer = provider(&url, 0, &spent(0), 5000)
        .analyze(&update)
        .await
        .unwrap()
        .insights;
    assert!(answer.escalation.escalate, "{answer:?}");
    assert_eq!(answer.escalation.severity, first.escalation.severity);
    assert!(answer.urgency >= first.urgency);
    let prompt = prompts.lock().unwrap()[0].clone();
    assert!(prompt.contains("Any news?"), "{prompt}");
    assert!(
        !prompt.contains("Nina] We were hacked"),
        "the covered message is not sent again: {prompt}"
    );
    assert!(prompt.contains(&first.summary), "{prompt}");
    assert!(prompt.contains("escalated (critical)"), "{prompt}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_keeps_a_security_ticket_escalated() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::spawn_with(backend, &["--background-jobs", "false"]).await else {
            continue;
        };
        let (ticket, token) = open_ticket_about(
            &app,
            "Account compromised",
            "We were hacked: someone logged into our admin account last night and changed the password.",
        )
        .await;
        let agent = app.user(Role::Staff, Some("support")).await;
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(
            jobs::run_once_of(&app.state.jobs, &[jobs::ASSISTANT_REFRESH]).await,
            1
        );
        let first = agent
            .get(&format!("tickets/{ticket}/assistant"))
            .await
            .expect(200);
        let first = &first.data()["insights"];
        assert_eq!(first["escalation"]["escalate"], json!(true), "{first}");
        customer_says(&app, &ticket, &token, "Thanks! Any news?").await;
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(
            jobs::run_once_of(&app.state.jobs, &[jobs::ASSISTANT_REFRESH]).await,
            1
        );
        let panel = agent
            .get(&format!("tickets/{ticket}/assistant"))
            .await
            .expect(200);
        let after = &panel.data()["insights"];
        assert_eq!(after["coveredSeq"], json!(2), "{backend:?}");
        assert_eq!(after["escalation"]["escalate"], json!(true), "{after}");
        assert_eq!(
            after["escalation"]["severity"],
            first["escalation"]["severity"]
        );
        assert_eq!(after["topic"], json!("security"));
        assert_eq!(after["urgency"], first["urgency"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_runs_one_job_at_a_time_and_keeps_its_claim() {
    let (url, calls) = model_server(vec![(200, completion(&good_insights(), 10), 1500)]).await;
    let Some(app) = TestApp::spawn_with(
        Backend::Sqlite,
        &[
            "--background-jobs",
            "false",
            "--ai-provider",
            "openai",
            "--ai-base-url",
            &url,
        ],
    )
    .await
    else {
        return;
    };
    let (first, _) = open_ticket(&app, "The first ticket.").await;
    let (second, _) = open_ticket(&app, "The second ticket.").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let jobs = app.state.jobs.clone();
    let worker =
        tokio::spawn(
            async move { jobs::run_once_with_lease(&jobs, Duration::from_millis(600)).await },
        );
    // Past the first claim's end, while the slow model still answers the first job: the claim
    // was renewed, and the second job was never claimed by this worker.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let other_instance = app
        .state
        .ctx
        .store
        .claim_jobs(jobs::KINDS, 10, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        other_instance
            .iter()
            .map(|j| j.subject.clone().unwrap_or_default())
            .collect::<Vec<_>>(),
        vec![second],
        "only the job nobody runs"
    );
    assert_eq!(worker.await.unwrap(), 1);
    assert_eq!(*calls.lock().unwrap(), 1, "the first job ran once");
    let done = app
        .state
        .ctx
        .store
        .last_job(jobs::ASSISTANT_REFRESH, &first)
        .await
        .unwrap()
        .unwrap();
    assert!(done.done_at.is_some());
}
