//! The helpdesk: the public support form, follow links, the queue, ticket changes and timings.

use serde_json::{Value, json};
use switchboard::{
    domain::{Id, user::Role},
    ratelimit::Action,
};

use crate::helpers::{Backend, Client, Setup, TestApp};

crate::backend_tests!(
    the_support_form_opens_a_ticket_its_link_follows,
    follow_links_read_only_their_ticket,
    follow_link_scope_pages_stay_full,
    staff_work_the_queue,
    responses_and_resolutions_are_timed,
    admins_see_staff_analytics,
    the_support_form_is_rate_limited_per_ip with Setup {
        args: &["--trusted-proxies", "127.0.0.1"],
        limits: &[(Action::SupportForm, "2/60s")],
    },
);

/// The public form is open to anyone, so each address gets a small quota.
async fn the_support_form_is_rate_limited_per_ip(app: TestApp) {
    let anon = app.anonymous();
    let submit = |ip: &'static str, n: u32| {
        anon.send(
            anon.request(reqwest::Method::POST, "support/tickets")
                .header("x-forwarded-for", ip)
                .json(
                    &json!({"name": "Rita", "email": format!("rita{n}@example.com"),
                              "subject": "Spam?", "message": "m"}),
                ),
        )
    };
    submit("203.0.113.7", 1).await.expect(201);
    submit("203.0.113.7", 2).await.expect(201);
    let limited = submit("203.0.113.7", 3)
        .await
        .expect_error(429, "RATE_LIMITED");
    assert_eq!(limited.headers["x-ratelimit-limit"], "2");
    assert!(limited.headers.contains_key("retry-after"));
    assert!(limited.body["requestId"].is_string());
    // Another address has its own quota; nothing was stored for the refused one.
    submit("203.0.113.8", 4).await.expect(201);
    assert!(
        app.state
            .ctx
            .store
            .get_user_by_email("rita3@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

/// Moves a ticket's timestamps to `now + seconds`, so durations are known exactly.
async fn set_ticket_times(
    app: &TestApp,
    ticket: &str,
    created: i64,
    first_response: i64,
    resolved: Option<i64>,
) {
    use chrono::SubsecRound;
    let now = chrono::Utc::now().trunc_subsecs(0);
    let at = |secs: i64| now + chrono::Duration::seconds(secs);
    let id: Id = ticket.parse().unwrap();
    let sql = "UPDATE tickets SET created_at = $1, first_response_at = $2, resolved_at = $3 \
               WHERE room_id = $4";
    // The same statement on either pool (their query types differ).
    macro_rules! update {
        ($pool:expr) => {
            sqlx::query(sql)
                .bind(at(created))
                .bind(at(first_response))
                .bind(resolved.map(at))
                .bind(id)
                .execute(&$pool)
                .await
                .unwrap()
                .rows_affected()
        };
    }
    let done = match app.backend {
        Backend::Sqlite => update!(sqlx::SqlitePool::connect(&app.database_url).await.unwrap()),
        Backend::Postgres => update!(sqlx::PgPool::connect(&app.database_url).await.unwrap()),
    };
    assert_eq!(done, 1);
}

/// Opens a ticket through the public form; returns (ticket id, follow token): the one shown
/// on screen for a new address, else the one mailed to the address.
pub(crate) async fn open_ticket(
    app: &TestApp,
    email: &str,
    subject: &str,
    department: &str,
) -> (String, String) {
    let resp = app
        .anonymous()
        .post(
            "support/tickets",
            json!({"name": "Carla Customer", "email": email, "subject": subject,
                   "message": format!("Help with: {subject}"), "department": department}),
        )
        .await
        .expect(201);
    let data = resp.data();
    let ticket = data["ticketId"].as_str().unwrap().to_owned();
    let token = match data["token"].as_str() {
        Some(token) => token.to_owned(),
        None => mailed_follow_token(app, email, subject).await,
    };
    (ticket, token)
}

/// The follow token mailed to `email` for the ticket about `subject`.
pub(crate) async fn mailed_follow_token(app: &TestApp, email: &str, subject: &str) -> String {
    while switchboard::workers::jobs::run_once(&app.state.jobs).await > 0 {}
    app.mail
        .wait_for_subject(email, subject)
        .await
        .token("/support/follow")
        .unwrap()
}

/// Signs in with a follow token.
pub(crate) async fn follow(app: &TestApp, token: &str) -> Client {
    let resp = app
        .anonymous()
        .post("auth/link", json!({"token": token}))
        .await
        .expect(200);
    let mut client = app.anonymous();
    client.token = Some(resp.data()["token"].as_str().unwrap().to_owned());
    client.user_id = resp.data()["user"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok());
    client
}

fn ids(resp: &crate::helpers::Resp) -> Vec<String> {
    resp.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_support_form_opens_a_ticket_its_link_follows(app: TestApp) {
    let opened = app
        .anonymous()
        .post(
            "support/tickets",
            json!({"name": "Carla", "email": "Carla@Example.com", "subject": "Cannot log in",
                   "message": "Since this morning I get an error.", "department": "support"}),
        )
        .await
        .expect(201);
    let ticket = opened.data()["ticketId"].as_str().unwrap().to_owned();
    // A new address gets a link on screen (to this ticket only) and one by mail.
    assert!(
        opened.data()["followUrl"]
            .as_str()
            .unwrap()
            .starts_with("http://localhost:3000/support/follow?token=")
    );
    assert_eq!(opened.data()["emailed"], json!(true));
    let link = app
        .anonymous()
        .post("auth/link", json!({"token": opened.data()["token"]}))
        .await
        .expect(200);
    assert_eq!(link.data()["ticketId"], json!(ticket));
    assert_eq!(link.data()["user"]["role"], json!("customer"));
    assert_eq!(link.data()["user"]["email"], json!("carla@example.com"));
    let customer = follow(&app, opened.data()["token"].as_str().unwrap()).await;
    assert_eq!(
        ids(&customer.get("tickets").await.expect(200)),
        [ticket.clone()]
    );
    let history = customer
        .get(&format!("rooms/{ticket}/messages"))
        .await
        .expect(200);
    assert_eq!(
        history.data()["items"][0]["body"],
        json!("Since this morning I get an error.")
    );
    assert_eq!(
        history.data()["items"][0]["author"]["role"],
        json!("customer")
    );
    customer
        .post(
            &format!("rooms/{ticket}/messages"),
            json!({"clientId": "c1", "body": "Any news?"}),
        )
        .await
        .expect(201);
    customer.get("users").await.expect_error(403, "FORBIDDEN");
    customer
        .get("rooms/discover")
        .await
        .expect_error(403, "FORBIDDEN");
    customer
        .get("admin/users")
        .await
        .expect_error(403, "FORBIDDEN");
    let support = app.user(Role::Staff, Some("support")).await;
    let queue = support.get("tickets").await.expect(200);
    assert!(ids(&queue).contains(&ticket));
    // Staff see that nobody has proven the address yet, in the queue and the ticket.
    let listed = queue.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == json!(ticket))
        .unwrap()
        .clone();
    assert_eq!(listed["requesterVerified"], json!(false));
    let view = support.get(&format!("tickets/{ticket}")).await.expect(200);
    assert_eq!(view.data()["status"], json!("open"));
    assert_eq!(view.data()["requesterVerified"], json!(false));
    assert_eq!(
        view.data()["requester"]["email"],
        json!("carla@example.com")
    );
    // The on-screen link proves nothing; the mailed one proves the mailbox.
    let mailed = mailed_follow_token(&app, "carla@example.com", "Cannot log in").await;
    follow(&app, &mailed).await;
    let view = support.get(&format!("tickets/{ticket}")).await.expect(200);
    assert_eq!(view.data()["requesterVerified"], json!(true));
    // Bad links, staff addresses and bad input are refused.
    app.anonymous()
        .post("auth/link", json!({"token": "nope"}))
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let admin = app.admin().await;
    app.anonymous()
        .post(
            "support/tickets",
            json!({"name": "X", "email": admin.email, "subject": "s", "message": "m"}),
        )
        .await
        .expect_error(409, "STAFF_EMAIL");
    let bad = app
        .anonymous()
        .post(
            "support/tickets",
            json!({"name": "X", "email": "not-an-email", "subject": "", "message": "m"}),
        )
        .await
        .expect_error(422, "VALIDATION");
    assert_eq!(bad.body["details"][0]["field"], json!("email"));
    let audit = admin
        .get(&format!("admin/audit?target={ticket}"))
        .await
        .expect(200);
    assert_eq!(audit.data()["items"][0]["action"], json!("ticket.create"));
}

async fn follow_links_read_only_their_ticket(app: TestApp) {
    let (first, first_token) =
        open_ticket(&app, "dora@example.com", "Invoice wrong", "billing").await;
    let (second, second_token) = open_ticket(&app, "dora@example.com", "Refund", "billing").await;
    let via_first = follow(&app, &first_token).await;
    via_first.get(&format!("tickets/{first}")).await.expect(200);
    // The other ticket's routes are closed to this session, whoever owns that ticket.
    via_first
        .get(&format!("tickets/{second}"))
        .await
        .expect_error(403, "FORBIDDEN");
    via_first
        .get(&format!("rooms/{second}/messages"))
        .await
        .expect_error(403, "FORBIDDEN");
    assert_eq!(
        ids(&via_first.get("tickets").await.expect(200)),
        [first.clone()]
    );
    let via_second = follow(&app, &second_token).await;
    assert_eq!(ids(&via_second.get("tickets").await.expect(200)), [second]);
    // Another customer sees neither.
    let (other, _) = open_ticket(&app, "eve@example.com", "Other", "billing").await;
    via_first
        .get(&format!("tickets/{other}"))
        .await
        .expect_error(403, "FORBIDDEN");
}

/// A follow link's scope is part of the queries: a customer with several tickets, signed in
/// through the link of the oldest, gets full pages of that ticket only (never a short or empty
/// page that ends the cursor early), in the queue, search and the activity feed.
async fn follow_link_scope_pages_stay_full(app: TestApp) {
    let email = "fiona@example.com";
    let (oldest, token) = open_ticket(&app, email, "Printer jammed", "support").await;
    let agent = app.user(Role::Staff, Some("support")).await;
    let mut tickets = vec![oldest.clone()];
    for i in 0..3 {
        let (id, _) = open_ticket(&app, email, &format!("Printer offline {i}"), "support").await;
        tickets.push(id);
    }
    for (i, ticket) in tickets.iter().enumerate() {
        for n in 0..2 {
            agent
                .post(
                    &format!("rooms/{ticket}/messages"),
                    json!({"clientId": format!("a{i}-{n}"), "body": format!("printer reply {n}")}),
                )
                .await
                .expect(201);
        }
    }
    let scoped = follow(&app, &token).await;
    // Without the scope this customer has four tickets; the newest come first. (Search and
    // the activity feed are not for link sessions at all: see security.rs.)
    let queue = scoped.get("tickets?limit=1").await.expect(200);
    assert_eq!(ids(&queue), [oldest.clone()], "{}", queue.body);
    let cursor = queue.data()["nextCursor"].as_str().unwrap().to_owned();
    let rest = scoped
        .get(&format!("tickets?limit=1&cursor={cursor}"))
        .await
        .expect(200);
    assert!(ids(&rest).is_empty(), "{}", rest.body);
    assert_eq!(rest.data()["nextCursor"], json!(null));
    scoped
        .get("search?q=printer")
        .await
        .expect_error(403, "FORBIDDEN");
    scoped.get("activity").await.expect_error(403, "FORBIDDEN");
}

async fn staff_work_the_queue(app: TestApp) {
    let (billing_ticket, _) = open_ticket(&app, "a@example.com", "Double charge", "billing").await;
    let (support_ticket, _) = open_ticket(&app, "b@example.com", "Password reset", "support").await;
    let billing = app.user(Role::Staff, Some("billing")).await;
    let support = app.user(Role::Staff, Some("support")).await;
    let observer = app.user(Role::Observer, Some("billing")).await;
    let customer = app.user(Role::Customer, None).await;
    assert_eq!(
        ids(&billing.get("tickets").await.expect(200)),
        [billing_ticket.clone()]
    );
    assert_eq!(
        ids(&billing
            .get("tickets?department=billing&status=open")
            .await
            .expect(200)),
        [billing_ticket.clone()]
    );
    assert!(ids(&billing.get("tickets?status=resolved").await.expect(200)).is_empty());
    billing
        .get(&format!("tickets/{support_ticket}"))
        .await
        .expect_error(404, "NOT_FOUND");
    billing
        .patch(
            &format!("tickets/{billing_ticket}"),
            json!({"assigneeId": customer.id()}),
        )
        .await
        .expect_error(422, "VALIDATION");
    let assigned = billing
        .patch(
            &format!("tickets/{billing_ticket}"),
            json!({"assigneeId": billing.id(), "priority": "high"}),
        )
        .await
        .expect(200);
    assert_eq!(
        assigned.data()["assignee"]["id"],
        json!(billing.id().to_string())
    );
    assert_eq!(assigned.data()["priority"], json!("high"));
    assert_eq!(
        ids(&billing.get("tickets?assignee=me").await.expect(200)),
        [billing_ticket.clone()]
    );
    assert!(ids(&billing.get("tickets?assignee=none").await.expect(200)).is_empty());
    assert_eq!(
        ids(&billing.get("tickets?priority=high").await.expect(200)),
        [billing_ticket.clone()]
    );
    // The assignee gets the ticket among their rooms.
    let rooms = billing.get("rooms").await.expect(200);
    assert!(
        rooms.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == json!(billing_ticket))
    );
    let resolved = billing
        .patch(
            &format!("tickets/{billing_ticket}"),
            json!({"status": "resolved"}),
        )
        .await
        .expect(200);
    assert!(resolved.data()["resolvedAt"].is_string());
    let reopened = billing
        .patch(
            &format!("tickets/{billing_ticket}"),
            json!({"status": "open"}),
        )
        .await
        .expect(200);
    assert_eq!(reopened.data()["resolvedAt"], json!(null));
    observer
        .patch(
            &format!("tickets/{billing_ticket}"),
            json!({"priority": "low"}),
        )
        .await
        .expect_error(403, "READ_ONLY");
    observer
        .get(&format!("tickets/{billing_ticket}"))
        .await
        .expect(200);
    // Moving it to support moves who can read it (the assignee keeps it).
    billing
        .patch(
            &format!("tickets/{billing_ticket}"),
            json!({"department": "support"}),
        )
        .await
        .expect(200);
    support
        .get(&format!("tickets/{billing_ticket}"))
        .await
        .expect(200);
    observer
        .get(&format!("tickets/{billing_ticket}"))
        .await
        .expect_error(404, "NOT_FOUND");
    billing
        .get(&format!("tickets/{billing_ticket}"))
        .await
        .expect(200);
    let admin = app.admin().await;
    let actions: Vec<Value> = admin
        .get(&format!("admin/audit?target={billing_ticket}"))
        .await
        .expect(200)
        .data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].clone())
        .collect();
    for expected in [
        "ticket.department",
        "ticket.reopen",
        "ticket.status",
        "ticket.priority",
        "ticket.assign",
        "ticket.create",
    ] {
        assert!(
            actions.contains(&json!(expected)),
            "{expected} missing from {actions:?}"
        );
    }
    // Staff open tickets for customers too; paging goes through everything once.
    for i in 0..3 {
        support
            .post("tickets", json!({"subject": format!("Phone call {i}"), "requesterEmail": format!("caller{i}@example.com"),
                                   "department": "support", "message": "Called about their order"}))
            .await
            .expect(201);
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = support
            .get(&format!("tickets?limit=2&cursor={cursor}"))
            .await
            .expect(200);
        seen.extend(ids(&page));
        match page.data()["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(
        seen.iter().collect::<std::collections::HashSet<_>>().len(),
        5
    );
    customer
        .post(
            "tickets",
            json!({"subject": "x", "requesterEmail": "y@example.com"}),
        )
        .await
        .expect_error(403, "FORBIDDEN");
}

async fn responses_and_resolutions_are_timed(app: TestApp) {
    let (ticket, token) =
        open_ticket(&app, "tim@example.com", "Slow dashboard", "engineering").await;
    let customer = follow(&app, &token).await;
    let staff = app.staff().await;
    let before = staff.get(&format!("tickets/{ticket}")).await.expect(200);
    assert_eq!(before.data()["firstResponseAt"], json!(null));
    staff
        .post(
            &format!("rooms/{ticket}/messages"),
            json!({"clientId": "s1", "body": "Looking into it"}),
        )
        .await
        .expect(201);
    let first = staff
        .get(&format!("tickets/{ticket}"))
        .await
        .expect(200)
        .data()["firstResponseAt"]
        .clone();
    assert!(first.is_string());
    staff
        .post(
            &format!("rooms/{ticket}/messages"),
            json!({"clientId": "s2", "body": "Still on it"}),
        )
        .await
        .expect(201);
    let again = staff.get(&format!("tickets/{ticket}")).await.expect(200);
    assert_eq!(
        again.data()["firstResponseAt"],
        first,
        "only the first reply counts"
    );
    // Waiting on the customer: their answer puts the ticket back in the open queue.
    staff
        .patch(&format!("tickets/{ticket}"), json!({"status": "pending"}))
        .await
        .expect(200);
    staff
        .post(
            &format!("rooms/{ticket}/messages"),
            json!({"clientId": "s3", "body": "Could you send the logs?"}),
        )
        .await
        .expect(201);
    let waiting = staff.get(&format!("tickets/{ticket}")).await.expect(200);
    assert_eq!(
        waiting.data()["status"],
        json!("pending"),
        "staff writing to a pending ticket leave it pending"
    );
    customer
        .post(
            &format!("rooms/{ticket}/messages"),
            json!({"clientId": "c1", "body": "Here are the logs you asked for"}),
        )
        .await
        .expect(201);
    let answered = staff.get(&format!("tickets/{ticket}")).await.expect(200);
    assert_eq!(
        answered.data()["status"],
        json!("open"),
        "a customer's answer reopens a pending ticket"
    );
    let audit = app
        .admin()
        .await
        .get("admin/audit?action=ticket.reopen")
        .await
        .expect(200);
    assert!(
        audit.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["targetId"] == json!(ticket.to_string())
                && e["metadata"]["from"] == json!("pending")),
        "the reopening is audited: {:?}",
        audit.data()
    );
    staff
        .patch(&format!("tickets/{ticket}"), json!({"status": "resolved"}))
        .await
        .expect(200);
    customer
        .post(
            &format!("rooms/{ticket}/messages"),
            json!({"clientId": "c2", "body": "It is slow again"}),
        )
        .await
        .expect(201);
    let reopened = staff.get(&format!("tickets/{ticket}")).await.expect(200);
    assert_eq!(reopened.data()["status"], json!("open"));
    assert_eq!(reopened.data()["resolvedAt"], json!(null));
    let reopens = app
        .admin()
        .await
        .get(&format!("admin/audit?action=ticket.reopen&target={ticket}"))
        .await
        .expect(200);
    let reopens: Vec<(Value, Value, Value)> = reopens.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["metadata"]["from"].clone(),
                e["metadata"]["by"].clone(),
                e["actorEmail"].clone(),
            )
        })
        .collect();
    let by_customer = |from: &str| {
        (
            json!(from),
            json!("customer_reply"),
            json!("tim@example.com"),
        )
    };
    assert_eq!(
        reopens,
        [by_customer("resolved"), by_customer("pending")],
        "each reopening is audited as the customer's"
    );
    staff
        .patch(&format!("tickets/{ticket}"), json!({"status": "closed"}))
        .await
        .expect(200);
    customer
        .post(
            &format!("rooms/{ticket}/messages"),
            json!({"clientId": "c3", "body": "Hello?"}),
        )
        .await
        .expect_error(403, "FORBIDDEN");
}

async fn admins_see_staff_analytics(app: TestApp) {
    let agent = app.user(Role::Staff, Some("support")).await;
    let mut tickets = Vec::new();
    for i in 0..3 {
        let (ticket, _) = open_ticket(
            &app,
            &format!("u{i}@example.com"),
            &format!("Issue {i}"),
            "support",
        )
        .await;
        agent
            .patch(
                &format!("tickets/{ticket}"),
                json!({"assigneeId": agent.id()}),
            )
            .await
            .expect(200);
        agent
            .post(
                &format!("rooms/{ticket}/messages"),
                json!({"clientId": format!("r{i}"), "body": "On it"}),
            )
            .await
            .expect(201);
        if i < 2 {
            agent
                .patch(&format!("tickets/{ticket}"), json!({"status": "resolved"}))
                .await
                .expect(200);
        }
        tickets.push(ticket);
    }
    // Known durations: first responses after 600 s, 60 s and 1800 s (median 600); the two
    // resolved tickets took 3600 s and 7200 s (median: the lower middle, 3600).
    for (ticket, (created, first, resolved)) in tickets.iter().zip([
        (-36_000, -35_400, Some(-32_400)),
        (-32_000, -31_940, Some(-24_800)),
        (-28_000, -26_200, None),
    ]) {
        set_ticket_times(&app, ticket, created, first, resolved).await;
    }
    agent
        .get("admin/staff-analytics")
        .await
        .expect_error(403, "FORBIDDEN");
    let report = app
        .admin()
        .await
        .get("admin/staff-analytics")
        .await
        .expect(200);
    let me = report.data()["staff"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["user"]["id"] == json!(agent.id().to_string()))
        .cloned()
        .unwrap();
    assert_eq!(
        (me["open"].as_i64(), me["resolved30d"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(me["medianFirstResponseSecs"], json!(600), "{me}");
    assert_eq!(me["medianResolutionSecs"], json!(3600), "{me}");
    let support = report.data()["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department"] == json!("support"))
        .cloned()
        .unwrap();
    assert_eq!(
        (support["open"].as_i64(), support["resolved30d"].as_i64()),
        (Some(1), Some(2))
    );
}
