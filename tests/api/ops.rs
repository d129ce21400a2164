//! Operations: metrics, telemetry rollups, rate limits (local and shared through Redis),
//! trusted proxies, alerts through the jobs queue, readiness.

use serde_json::json;
use switchboard::{
    ratelimit::Action,
    store::RollupRow,
    workers::{alerts, jobs},
};

use crate::helpers::{Backend, Receiver, Setup, TestApp, redis_prefix, redis_url, slug};

/// The per-IP quota is spent before routing: its 429 still has a request id (header and
/// body), like every other answer, and is counted in the request metrics.
async fn per_ip_limits_carry_a_request_id(app: TestApp) {
    let anon = app.anonymous();
    anon.get("config").await.expect(200);
    anon.get("config").await.expect(200);
    let limited = anon.get("config").await.expect_error(429, "RATE_LIMITED");
    let header = limited.headers["x-request-id"].to_str().unwrap().to_owned();
    assert!(!header.is_empty());
    assert_eq!(limited.body["requestId"], json!(header));
    let proxied = anon
        .send(
            anon.request(reqwest::Method::GET, "config")
                .header("x-request-id", "upstream-proxy-42"),
        )
        .await
        .expect_error(429, "RATE_LIMITED");
    assert_eq!(proxied.headers["x-request-id"], "upstream-proxy-42");
    assert_eq!(proxied.body["requestId"], json!("upstream-proxy-42"));
}

fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(series))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_the_token_and_move() {
    let Some(app) =
        TestApp::spawn_with(Backend::Sqlite, &["--metrics-token", "scrape-me-please"]).await
    else {
        return;
    };
    let anon = app.anonymous();
    anon.get("/metrics")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let scrape = || async {
        let mut client = app.anonymous();
        client.token = Some("scrape-me-please".into());
        client
            .get("/metrics")
            .await
            .expect(200)
            .body
            .as_str()
            .unwrap()
            .to_owned()
    };
    let before = scrape().await;
    assert!(before.contains("switchboard_build_info"));
    let user = app.staff().await;
    let taken = slug("metrics");
    let room = user.create_room(&taken, "public", None).await;
    user.send_message(room, "counted").await;
    // A unique constraint of the database answers this one.
    user.post(
        "rooms",
        json!({"slug": taken, "title": "again", "kind": "public"}),
    )
    .await
    .expect_error(409, "SLUG_TAKEN");
    user.get("rooms/00000000-0000-0000-0000-000000000000")
        .await
        .expect(404);
    let after = scrape().await;
    let requests =
        r#"switchboard_http_requests_total{method="GET",route="/api/v1/rooms/{id}",status="4xx"}"#;
    assert!(
        metric(&after, requests) > metric(&before, requests),
        "{after}"
    );
    assert!(
        metric(&after, "switchboard_messages_sent_total")
            > metric(&before, "switchboard_messages_sent_total")
    );
    // The group commit's batch sizes, as a histogram with buckets of sends (not seconds).
    let batches = "switchboard_store_send_batch_size_count";
    assert!(
        metric(&after, batches) > metric(&before, batches),
        "{after}"
    );
    assert!(
        after.contains(r#"switchboard_store_send_batch_size_bucket{le="1"}"#),
        "{after}"
    );
    assert!(after.contains("switchboard_http_request_duration_seconds_bucket"));
    assert!(after.contains("switchboard_db_query_duration_seconds_bucket"));
    let constraint = r#"switchboard_db_errors_total{kind="constraint"}"#;
    assert!(
        metric(&after, constraint) > metric(&before, constraint),
        "{after}"
    );
    assert!(!after.contains(&room.to_string()), "no room ids as labels");
    // Sampled at scrape time: what a soak run watches for leaks.
    assert!(
        metric(&after, r#"switchboard_db_connections{state="open"}"#) >= 1.0,
        "{after}"
    );
    assert!(
        metric(&after, "switchboard_runtime_tasks") >= 1.0,
        "{after}"
    );
    // The standard process metrics, read from /proc at scrape time.
    if cfg!(target_os = "linux") {
        for series in [
            "process_resident_memory_bytes",
            "process_open_fds",
            "process_threads",
            "process_max_fds",
        ] {
            assert!(metric(&after, series) >= 1.0, "{series}: {after}");
        }
        let started = metric(&after, "process_start_time_seconds");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(
            started > now - 86_400.0 && started <= now + 1.0,
            "{started}"
        );
        let cpu = |text: &str| metric(text, "process_cpu_seconds_total");
        assert!(cpu(&after) >= cpu(&before) && cpu(&after) > 0.0, "{after}");
        assert!(after.contains("# TYPE process_resident_memory_bytes gauge"));
    }
}

crate::backend_tests!(
    telemetry_rollups_feed_the_dashboard,
    per_ip_limits_carry_a_request_id with Setup {
        // The id of a trusted proxy is kept (logs join across hops).
        args: &["--trusted-proxies", "127.0.0.1"],
        limits: &[(Action::RestIp, "2/60s")],
    },
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_queue_on_sqlite() {
    if let Some(app) = TestApp::spawn_with(Backend::Sqlite, &["--background-jobs", "false"]).await {
        alerts_on_both_backends(app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_queue_on_postgres() {
    if let Some(app) = TestApp::spawn_with(Backend::Postgres, &["--background-jobs", "false"]).await
    {
        alerts_on_both_backends(app).await;
    }
}

async fn alerts_on_both_backends(app: TestApp) {
    // The jobs queue itself on both backends: enqueue, debounce, claim, complete.
    use switchboard::store::NewJob;
    let job = |key: &str| NewJob {
        kind: jobs::ALERT,
        dedupe_key: Some(key.into()),
        subject: Some("x".into()),
        payload: json!({"text": "t"}),
        run_at: switchboard::store::now(),
    };
    assert!(
        app.state
            .ctx
            .store
            .enqueue_job(&job("k"), &[])
            .await
            .unwrap()
    );
    assert!(
        !app.state
            .ctx
            .store
            .enqueue_job(&job("k"), &[])
            .await
            .unwrap(),
        "absorbed by the pending one"
    );
    let claimed = app
        .state
        .ctx
        .store
        .claim_jobs(jobs::KINDS, 10, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 1);
    assert!(
        app.state
            .ctx
            .store
            .claim_jobs(jobs::KINDS, 10, std::time::Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    app.state
        .ctx
        .store
        .complete_job(claimed[0].id)
        .await
        .unwrap();
    assert!(
        app.state
            .ctx
            .store
            .enqueue_job(&job("k"), &[])
            .await
            .unwrap(),
        "the key is free again"
    );
    let last = app
        .state
        .ctx
        .store
        .last_job(jobs::ALERT, "x")
        .await
        .unwrap()
        .unwrap();
    assert!(last.done_at.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_during_a_run_are_kept_on_sqlite() {
    if let Some(app) = TestApp::spawn_with(Backend::Sqlite, &["--background-jobs", "false"]).await {
        requests_during_a_run_are_kept(app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_during_a_run_are_kept_on_postgres() {
    if let Some(app) = TestApp::spawn_with(Backend::Postgres, &["--background-jobs", "false"]).await
    {
        requests_during_a_run_are_kept(app).await;
    }
}

/// A request for a job that is running is not merged into it (and lost when it completes):
/// it becomes the next job of its key. A flag either request set (`full`) stays set.
async fn requests_during_a_run_are_kept(app: TestApp) {
    use switchboard::store::NewJob;
    let store = &app.state.ctx.store;
    let lease = std::time::Duration::from_secs(60);
    let job = |subject: &str, payload: serde_json::Value| NewJob {
        kind: jobs::ALERT,
        dedupe_key: Some(format!("key:{subject}")),
        subject: Some(subject.into()),
        payload,
        run_at: switchboard::store::now(),
    };
    let claim = || async { store.claim_jobs(jobs::KINDS, 10, lease).await.unwrap() };

    // Pending: merged, and a pending full request stays full.
    assert!(
        store
            .enqueue_job(&job("a", json!({"full": true, "n": 1})), &[])
            .await
            .unwrap()
    );
    assert!(
        !store
            .enqueue_job(&job("a", json!({"full": false, "n": 2})), &[])
            .await
            .unwrap()
    );
    let running = claim().await;
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].payload.0, json!({"full": true, "n": 2}));

    // Running: kept for a follow-up run that waits until this one is over.
    assert!(
        !store
            .enqueue_job(&job("a", json!({"full": false, "n": 3})), &[])
            .await
            .unwrap()
    );
    assert!(
        !store
            .enqueue_job(&job("a", json!({"full": true, "n": 4})), &[])
            .await
            .unwrap()
    );
    assert!(claim().await.is_empty(), "one run per key at a time");
    store.complete_job(running[0].id).await.unwrap();
    let next = store.last_job(jobs::ALERT, "a").await.unwrap().unwrap();
    assert_ne!(next.id, running[0].id);
    assert!(next.done_at.is_none());
    assert_eq!(next.attempts, 0);
    let follow_up = claim().await;
    assert_eq!(follow_up.len(), 1);
    assert_eq!(follow_up[0].payload.0, json!({"full": true, "n": 4}));

    // A retry serves the request that came during the failed attempt.
    assert!(
        !store
            .enqueue_job(&job("a", json!({"full": false, "n": 5})), &[])
            .await
            .unwrap()
    );
    store
        .fail_job(follow_up[0].id, "boom", Some(switchboard::store::now()))
        .await
        .unwrap();
    let retry = claim().await;
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].id, follow_up[0].id);
    assert_eq!(retry[0].payload.0, json!({"full": true, "n": 5}));

    // Failing for good still hands the request on.
    assert!(
        !store
            .enqueue_job(&job("a", json!({"full": false, "n": 6})), &[])
            .await
            .unwrap()
    );
    store.fail_job(retry[0].id, "boom", None).await.unwrap();
    let last = claim().await;
    assert_eq!(last.len(), 1);
    assert_ne!(last[0].id, retry[0].id);
    assert_eq!(last[0].payload.0, json!({"full": false, "n": 6}));
    store.complete_job(last[0].id).await.unwrap();
    assert!(claim().await.is_empty());
    assert!(
        store
            .enqueue_job(&job("a", json!({"n": 7})), &[])
            .await
            .unwrap(),
        "the key is free again"
    );
}

async fn telemetry_rollups_feed_the_dashboard(app: TestApp) {
    let admin = app.admin().await;
    let user = app.staff().await;
    let room = user.create_room(&slug("busy"), "public", None).await;
    for i in 0..3 {
        user.send_message(room, &format!("m{i}")).await;
    }
    app.state.telemetry.flush(&app.state.ctx.store).await;
    // Another instance's minute, merged in.
    let minute = chrono::Utc::now() - chrono::Duration::minutes(2);
    let minute =
        chrono::DurationRound::duration_trunc(minute, chrono::Duration::minutes(1)).unwrap();
    let other = |name: &str, value: f64| RollupRow {
        instance_id: "other".into(),
        minute,
        name: name.into(),
        value,
    };
    app.state
        .ctx
        .store
        .write_rollups(&[
            other("requests", 40.0),
            other("errors_5xx", 2.0),
            other("latency_p95_ms", 80.0),
            other("sockets", 50.0),
            RollupRow {
                instance_id: "third".into(),
                ..other("sockets", 50.0)
            },
        ])
        .await
        .unwrap();
    let view = admin.get("admin/telemetry?window=1h").await.expect(200);
    let data = view.data();
    assert_eq!(data["instances"], json!(3));
    let series = data["series"].as_array().unwrap();
    let requests: f64 = series.iter().map(|p| p["requests"].as_f64().unwrap()).sum();
    assert!(requests >= 44.0, "{series:?}");
    assert!(series.iter().any(|p| p["errors5xx"] == json!(2.0)));
    assert!(
        series.iter().any(|p| p["sockets"] == json!(100.0)),
        "two instances with 50 sockets each are 100: {series:?}"
    );
    let messages: f64 = series.iter().map(|p| p["messages"].as_f64().unwrap()).sum();
    assert!(messages >= 3.0);
    assert_eq!(data["topRooms"][0]["roomId"], json!(room.to_string()));

    // Two instances' latency histograms of one minute, as stored: the dashboard's p95 is the
    // p95 of all their requests (10 ms), not a mean of the instances' p95s (~30 ms weighted).
    let earlier = minute - chrono::Duration::minutes(1);
    let mut rows = Vec::new();
    for (instance, ms, count) in [("fast", 10.0, 1900), ("slow", 1000.0, 40)] {
        let mut latencies = switchboard::ops::latency::Latencies::default();
        for _ in 0..count {
            latencies.record_ms(ms);
        }
        let mut values = latencies.to_rows("latency");
        values.push(("requests".into(), f64::from(count)));
        values.push(("latency_p95_ms".into(), ms));
        rows.extend(values.into_iter().map(|(name, value)| RollupRow {
            instance_id: instance.into(),
            minute: earlier,
            name,
            value,
        }));
    }
    app.state.ctx.store.write_rollups(&rows).await.unwrap();
    let view = admin.get("admin/telemetry?window=1h").await.expect(200);
    let series = view.data()["series"].as_array().unwrap().clone();
    let point = series
        .iter()
        .find(|p| p["requests"] == json!(1940.0))
        .unwrap_or_else(|| panic!("no merged minute: {series:?}"));
    let p95 = point["p95Ms"].as_f64().unwrap();
    assert!((p95 - 10.0).abs() < 0.05, "{p95}");
    assert!(point["p50Ms"].as_f64().unwrap() < 10.1);
    admin
        .get("admin/telemetry?window=2y")
        .await
        .expect_error(422, "VALIDATION");
    user.get("admin/telemetry")
        .await
        .expect_error(403, "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429_with_headers() {
    let Some(app) = TestApp::spawn_limited(
        Backend::Sqlite,
        &[],
        &[(Action::LoginIp, "3/60s"), (Action::RestIp, "1000/60s")],
    )
    .await
    else {
        return;
    };
    let anon = app.anonymous();
    let login = json!({"email": "nobody@x.example", "password": "whatever whatever"});
    for _ in 0..3 {
        anon.post("auth/login", login.clone())
            .await
            .expect_error(401, "INVALID_CREDENTIALS");
    }
    let limited = anon
        .post("auth/login", login)
        .await
        .expect_error(429, "RATE_LIMITED");
    assert!(
        limited.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(limited.headers["x-ratelimit-limit"], "3");
    assert_eq!(limited.headers["x-ratelimit-remaining"], "0");
    assert!(limited.body["retryAfterMs"].as_u64().unwrap() > 0);
    let ok = anon.get("config").await.expect(200);
    assert_eq!(ok.headers["x-ratelimit-limit"], "1000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_counts_only_from_trusted_proxies() {
    let Some(app) = TestApp::spawn_limited(
        Backend::Sqlite,
        &["--trusted-proxies", "127.0.0.1"],
        &[(Action::RestIp, "2/60s")],
    )
    .await
    else {
        return;
    };
    let anon = app.anonymous();
    let from = |ip: &'static str| {
        anon.send(
            anon.request(reqwest::Method::GET, "config")
                .header("x-forwarded-for", ip),
        )
    };
    from("198.51.100.1").await.expect(200);
    from("198.51.100.1").await.expect(200);
    from("198.51.100.1").await.expect_error(429, "RATE_LIMITED");
    from("198.51.100.2").await.expect(200);
    // Untrusted peers cannot pick their address.
    let Some(strict) =
        TestApp::spawn_limited(Backend::Sqlite, &[], &[(Action::RestIp, "2/60s")]).await
    else {
        return;
    };
    let anon = strict.anonymous();
    for ip in ["1.1.1.1", "2.2.2.2"] {
        anon.send(
            anon.request(reqwest::Method::GET, "config")
                .header("x-forwarded-for", ip),
        )
        .await
        .expect(200);
    }
    anon.send(
        anon.request(reqwest::Method::GET, "config")
            .header("x-forwarded-for", "3.3.3.3"),
    )
    .await
    .expect_error(429, "RATE_LIMITED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_a_redis_rate_limit() {
    let Some(redis) = redis_url().await else {
        return;
    };
    let prefix = redis_prefix();
    let args = [
        "--redis-url",
        redis.as_str(),
        "--redis-prefix",
        prefix.as_str(),
    ];
    let limits = [(Action::LoginIp, "4/60s")];
    let Some(a) = TestApp::spawn_limited(Backend::Sqlite, &args, &limits).await else {
        return;
    };
    let Some(b) = TestApp::spawn_limited(Backend::Sqlite, &args, &limits).await else {
        return;
    };
    let login = json!({"email": "nobody@x.example", "password": "whatever whatever"});
    for app in [&a, &b, &a, &b] {
        app.anonymous()
            .post("auth/login", login.clone())
            .await
            .expect_error(401, "INVALID_CREDENTIALS");
    }
    a.anonymous()
        .post("auth/login", login.clone())
        .await
        .expect_error(429, "RATE_LIMITED");
    b.anonymous()
        .post("auth/login", login)
        .await
        .expect_error(429, "RATE_LIMITED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_fire_once_per_cooldown_and_recover() {
    let receiver = Receiver::start(vec![500]).await;
    let Some(app) = TestApp::spawn_with(
        Backend::Sqlite,
        &[
            "--alert-webhook-url",
            &receiver.url,
            "--alert-5xx-threshold",
            "5",
            "--alert-window-secs",
            "300",
            "--background-jobs",
            "false",
        ],
    )
    .await
    else {
        return;
    };
    let now = switchboard::store::now();
    let rows = |errors: f64| {
        vec![
            RollupRow {
                instance_id: "a".into(),
                minute: now,
                name: "errors_5xx".into(),
                value: errors,
            },
            RollupRow {
                instance_id: "b".into(),
                minute: now,
                name: "errors_5xx".into(),
                value: errors,
            },
        ]
    };
    app.state.ctx.store.write_rollups(&rows(3.0)).await.unwrap();
    alerts::evaluate(&app.state.jobs).await.unwrap();
    assert_eq!(
        jobs::run_once_of(&app.state.jobs, &[jobs::ALERT]).await,
        1,
        "6 errors across two instances pass 5"
    );
    // The webhook answered 500: the job is retried later, not lost.
    assert_eq!(receiver.texts().len(), 1);
    alerts::evaluate(&app.state.jobs).await.unwrap();
    assert_eq!(
        jobs::run_once_of(&app.state.jobs, &[jobs::ALERT]).await,
        0,
        "one pending alert, no duplicate"
    );
    tokio::time::sleep(jobs::backoff(1) + std::time::Duration::from_millis(200)).await;
    assert_eq!(jobs::run_once_of(&app.state.jobs, &[jobs::ALERT]).await, 1);
    let texts = receiver.texts();
    assert_eq!(texts.len(), 2);
    assert!(
        texts[1].contains("server errors (5xx)") && texts[1].contains("rotating_light"),
        "{texts:?}"
    );
    // Still failing, within the cooldown: no new alert.
    alerts::evaluate(&app.state.jobs).await.unwrap();
    assert_eq!(jobs::run_once_of(&app.state.jobs, &[jobs::ALERT]).await, 0);
    // Errors stop: a recovery message.
    app.state
        .ctx
        .store
        .prune_rollups(now + chrono::Duration::minutes(1))
        .await
        .unwrap();
    alerts::evaluate(&app.state.jobs).await.unwrap();
    assert_eq!(jobs::run_once_of(&app.state.jobs, &[jobs::ALERT]).await, 1);
    assert!(receiver.texts().last().unwrap().contains("recovered"));
    alerts::evaluate(&app.state.jobs).await.unwrap();
    assert_eq!(
        jobs::run_once_of(&app.state.jobs, &[jobs::ALERT]).await,
        0,
        "one recovery message"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_reports_each_dependency() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let ready = app.anonymous().get("/readyz").await.expect(200);
    assert_eq!(ready.body["status"], json!("ok"));
    assert_eq!(ready.body["database"]["status"], json!("ok"));
    assert!(ready.body.get("redis").is_none());
    let text = ready.body.to_string();
    assert!(
        !text.contains("sqlite") && !text.contains("127.0.0.1"),
        "no hosts or backends: {text}"
    );
    app.anonymous().get("/livez").await.expect(200);
    app.state.lifecycle.begin_shutdown();
    let draining = app.anonymous().get("/readyz").await.expect(503);
    assert_eq!(draining.body["status"], json!("shutting_down"));
    app.anonymous().get("/livez").await.expect(200);
    if let Some(redis) = redis_url().await {
        let prefix = redis_prefix();
        let Some(with_redis) = TestApp::spawn_with(
            Backend::Sqlite,
            &["--redis-url", &redis, "--redis-prefix", &prefix],
        )
        .await
        else {
            return;
        };
        let ready = with_redis.anonymous().get("/readyz").await.expect(200);
        assert_eq!(ready.body["redis"]["status"], json!("ok"));
    }
}

/// A REST request without an answer after `REQUEST_TIMEOUT_MS` gets `503 TIMEOUT` in the usual
/// error body (with its request id); quicker ones pass, and an upload slower than the timeout
/// (its length is the client's connection's) is exempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_requests_time_out_but_slow_uploads_do_not() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some(app) = TestApp::spawn_with(
        Backend::Sqlite,
        &["--request-timeout-ms", "300", "--test-hooks", "true"],
    )
    .await
    else {
        return;
    };
    let anon = app.anonymous();
    anon.get("_test/slow?ms=10").await.expect(200);
    let started = Instant::now();
    let slow = anon
        .get("_test/slow?ms=10000")
        .await
        .expect_error(503, "TIMEOUT");
    assert!(started.elapsed() < Duration::from_secs(5));
    let request_id = slow.headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(slow.body["requestId"], json!(request_id));
    assert_eq!(slow.body["ok"], json!(false));

    // An upload whose body arrives in two halves, 600 ms apart.
    let user = app.staff().await;
    let room = user.create_room(&slug("slow-upload"), "public", None).await;
    let boundary = "slowboundary42";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.txt\"\r\n\
         Content-Type: text/plain\r\n\r\n{}\r\n--{boundary}--\r\n",
        "slow but steady ".repeat(64)
    );
    let head = format!(
        "POST /api/v1/rooms/{room}/uploads HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        app.addr,
        user.token.as_deref().unwrap(),
        body.len()
    );
    let mut tcp = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let (first, second) = body.as_bytes().split_at(body.len() / 2);
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(first).await.unwrap();
    tcp.flush().await.unwrap();
    // The slow client: longer than the timeout between two parts of the body.
    tokio::time::sleep(Duration::from_millis(600)).await;
    tcp.write_all(second).await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
}
