//! Search relevance, filters and access; export; the activity feed; audit CSV and failed
//! sign-ins.

use serde_json::{Value, json};
use switchboard::domain::user::Role;

use crate::helpers::{Client, Resp, TestApp, slug};

crate::backend_tests!(
    search_ranks_stems_and_highlights,
    the_corpus_decides_the_top_hit,
    both_backends_read_queries_alike,
    search_filters_and_access,
    customers_find_authors_by_name_only,
    rooms_export_as_json_and_safe_html,
    activity_pages_through_everything_once,
    audit_downloads_and_failed_sign_ins_are_aggregated,
);

fn bodies(resp: &Resp) -> Vec<String> {
    resp.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"]["body"].as_str().unwrap().to_owned())
        .collect()
}

async fn say(user: &Client, room: switchboard::domain::Id, body: &str) -> Value {
    user.send_message(room, body).await
}

async fn search_ranks_stems_and_highlights(app: TestApp) {
    let user = app.staff().await;
    let room = user.create_room(&slug("search"), "public", None).await;
    for body in [
        "The deploy failed because the connection pool was exhausted",
        "Lunch is at noon today",
        "Deploying the new pool configuration tomorrow",
        "Pool party on Friday!",
        "Connection pool exhaustion after the deploy: root cause found",
        "Nothing to see here",
    ] {
        say(&user, room, body).await;
    }
    let q = |q: &str| {
        let path = format!("search?q={}", urlencode(q));
        let user = user.clone();
        async move { user.get(&path).await }
    };
    assert_eq!(
        bodies(&q("lunch").await.expect(200)),
        ["Lunch is at noon today"]
    );
    assert_eq!(
        bodies(&q("\"pool party\"").await.expect(200)),
        ["Pool party on Friday!"]
    );
    assert_eq!(
        bodies(&q("exhaustion root cause").await.expect(200)),
        ["Connection pool exhaustion after the deploy: root cause found"]
    );
    // Stemming: deploy / Deploying; every hit contains a form of it.
    let deploy = q("deploy").await.expect(200);
    assert_eq!(bodies(&deploy).len(), 3, "{:?}", bodies(&deploy));
    let snippet = &deploy.data()["items"][0]["snippet"];
    assert!(
        snippet
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["match"] == json!(true)),
        "{snippet}"
    );
    // Every word is required.
    assert_eq!(bodies(&q("connection pool").await.expect(200)).len(), 2);
    // Rooms are found by title too.
    let rooms = q("search").await.expect(200);
    assert!(
        rooms.data()["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == json!(room.to_string()))
    );
    user.get("search?q=").await.expect_error(422, "VALIDATION");
    user.get("search?q=before:yesterday")
        .await
        .expect_error(422, "VALIDATION");
    q("\"unclosed phrase").await.expect(200);
    q("'; DROP TABLE messages; --").await.expect(200);
    q("NEAR( OR * AND -").await.expect(200);
}

/// A small fixed corpus where each query has exactly one best document (more and closer
/// matches, in a text no longer than the rest): both rankings (SQLite's bm25, PostgreSQL's
/// cover density) must put it first.
async fn the_corpus_decides_the_top_hit(app: TestApp) {
    let user = app.staff().await;
    let room = user.create_room(&slug("rank"), "public", None).await;
    for body in [
        "Connection pool exhausted: connection pool limits raised, connection pool healthy",
        "Pool party on Friday",
        "Lost the database connection overnight",
        "Connection retries filled the worker pool queue",
        "Deploy checklist: deploy staging, deploy canary, deploy production",
        "Deploy went fine",
        "Lunch menu: pizza",
        "Rollback plan for the billing migration",
        "Rollback rollback rollback: the billing migration rollback is scripted",
    ] {
        say(&user, room, body).await;
    }
    for (query, best, matches) in [
        (
            "connection pool",
            "Connection pool exhausted: connection pool limits raised, connection pool healthy",
            2,
        ),
        (
            "deploy",
            "Deploy checklist: deploy staging, deploy canary, deploy production",
            2,
        ),
        (
            "rollback migration",
            "Rollback rollback rollback: the billing migration rollback is scripted",
            2,
        ),
        (
            "connection",
            "Connection pool exhausted: connection pool limits raised, connection pool healthy",
            3,
        ),
    ] {
        let found = bodies(
            &user
                .get(&format!("search?q={}", urlencode(query)))
                .await
                .expect(200),
        );
        assert_eq!(found.len(), matches, "{query}: {found:?}");
        assert_eq!(found[0], best, "{query}: {found:?}");
    }
}

/// Both backends read a query the same way: every word and phrase is a plain required term
/// (no `or` / `-word` operators) and common words are left out.
async fn both_backends_read_queries_alike(app: TestApp) {
    let user = app.staff().await;
    let room = user.create_room(&slug("agree"), "public", None).await;
    for body in [
        "deploy the lunch menu",
        "deploy the api",
        "lunch at noon",
        "deploy or rollback",
        "rollback after the deploy",
        "rollback only",
    ] {
        say(&user, room, body).await;
    }
    for (query, expected) in [
        ("deploy -lunch", vec!["deploy the lunch menu"]),
        (
            "deploy or rollback",
            vec!["deploy or rollback", "rollback after the deploy"],
        ),
        ("lunch OR api", vec![]),
        ("\"deploy the api\"", vec!["deploy the api"]),
        (
            "-rollback deploy",
            vec!["deploy or rollback", "rollback after the deploy"],
        ),
    ] {
        let mut found = bodies(
            &user
                .get(&format!("search?q={}", urlencode(query)))
                .await
                .expect(200),
        );
        found.sort();
        assert_eq!(found, expected, "{query}");
    }
    user.get("search?q=the%20or%20and")
        .await
        .expect_error(422, "VALIDATION");
}

async fn search_filters_and_access(app: TestApp) {
    let grace = app.staff().await;
    let linus = app.staff().await;
    let outsider = app.staff().await;
    let room = grace.create_room(&slug("filters"), "public", None).await;
    linus
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    let root = say(&grace, room, "kubernetes upgrade plan").await;
    linus
        .post(
            &format!("rooms/{room}/messages"),
            json!({"clientId": "t1", "body": "kubernetes looks fine", "parentId": root["id"]}),
        )
        .await
        .expect(201);
    say(&linus, room, "kubernetes dashboard down").await;
    let private = grace.create_room(&slug("secret"), "private", None).await;
    say(&grace, private, "kubernetes secret rotation").await;
    let slug_of = grace.get(&format!("rooms/{room}")).await.expect(200).data()["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let from = grace
        .get(&format!(
            "search?q=kubernetes%20from:{}",
            urlencode(&linus.email)
        ))
        .await
        .expect(200);
    assert_eq!(bodies(&from).len(), 2);
    let threads = grace
        .get("search?q=kubernetes%20has:thread")
        .await
        .expect(200);
    assert_eq!(bodies(&threads).len(), 2, "root and reply");
    let in_room = grace
        .get(&format!("search?q=kubernetes%20in:{slug_of}"))
        .await
        .expect(200);
    assert_eq!(bodies(&in_room).len(), 3);
    let future = grace
        .get("search?q=kubernetes%20after:2999-01-01")
        .await
        .expect(200);
    assert!(bodies(&future).is_empty());
    assert_eq!(
        bodies(
            &grace
                .get("search?q=kubernetes%20before:2999-01-01")
                .await
                .expect(200)
        )
        .len(),
        4
    );
    // Only readable rooms: the private room's message is invisible to others.
    assert_eq!(
        bodies(&grace.get("search?q=rotation").await.expect(200)),
        ["kubernetes secret rotation"]
    );
    assert!(bodies(&outsider.get("search?q=rotation").await.expect(200)).is_empty());
    assert!(
        bodies(
            &app.user(Role::Customer, None)
                .await
                .get("search?q=kubernetes")
                .await
                .expect(200)
        )
        .is_empty()
    );
    // Edits and deletions keep the index current.
    let edited = say(&grace, room, "temporary wording").await;
    grace
        .patch(
            &format!("messages/{}", edited["id"].as_str().unwrap()),
            json!({"body": "permanent wording"}),
        )
        .await
        .expect(200);
    assert!(bodies(&grace.get("search?q=temporary").await.expect(200)).is_empty());
    assert_eq!(
        bodies(&grace.get("search?q=permanent").await.expect(200)).len(),
        1
    );
    grace
        .delete(&format!("messages/{}", edited["id"].as_str().unwrap()))
        .await
        .expect(200);
    assert!(bodies(&grace.get("search?q=permanent").await.expect(200)).is_empty());
    // Paging.
    let first = grace.get("search?q=kubernetes&limit=2").await.expect(200);
    let next = first.data()["nextCursor"].as_str().unwrap().to_owned();
    let second = grace
        .get(&format!("search?q=kubernetes&limit=2&cursor={next}"))
        .await
        .expect(200);
    let mut all = bodies(&first);
    all.extend(bodies(&second));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4);
}

/// `from:` matches author names for everyone, e-mail addresses only for the team: a customer
/// cannot rebuild staff addresses by probing.
async fn customers_find_authors_by_name_only(app: TestApp) {
    let opened = app
        .anonymous()
        .post(
            "support/tickets",
            json!({"name": "Gina Customer", "email": "gina@example.com",
                   "subject": "Scanner", "message": "scanner broken"}),
        )
        .await
        .expect(201);
    let ticket = opened.data()["ticketId"].as_str().unwrap().to_owned();
    let linked = app
        .anonymous()
        .post("auth/link", json!({"token": opened.data()["token"]}))
        .await
        .expect(200);
    // A customer signed in with a password (search is not for a link's session).
    let user_id: switchboard::domain::Id = linked.data()["user"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let user = app
        .state
        .ctx
        .store
        .get_user(user_id)
        .await
        .unwrap()
        .unwrap();
    let session =
        switchboard::service::auth::open_session(&app.state.ctx, user, Default::default())
            .await
            .unwrap();
    let mut customer = app.anonymous();
    customer.token = Some(session.token);
    let agent = app.admin().await;
    agent
        .post(
            &format!("rooms/{ticket}/messages"),
            json!({"clientId": "r1", "body": "scanner driver update"}),
        )
        .await
        .expect(201);
    // Test names are "<role> <4 hex>": one word of it is enough.
    let me = agent.get("auth/me").await.expect(200);
    let name = me.data()["name"]
        .as_str()
        .unwrap()
        .split(' ')
        .next_back()
        .unwrap()
        .to_owned();
    let local_part = agent.email.split('@').next().unwrap().to_owned();
    let search = |client: &Client, q: String| {
        let client = client.clone();
        async move {
            bodies(
                &client
                    .get(&format!("search?q={}", urlencode(&q)))
                    .await
                    .expect(200),
            )
        }
    };
    for probe in [
        local_part.clone(),
        agent.email.clone(),
        "test.example".into(),
    ] {
        assert!(
            search(&customer, format!("scanner from:{probe}"))
                .await
                .is_empty(),
            "a customer matched staff e-mail {probe}"
        );
        assert!(
            search(&customer, format!("from:{probe}")).await.is_empty(),
            "a customer matched staff e-mail {probe} without words"
        );
    }
    assert_eq!(
        search(&customer, format!("scanner from:{name}")).await,
        ["scanner driver update"]
    );
    assert_eq!(
        search(&customer, "from:gina".into()).await,
        ["scanner broken"]
    );
    // The team still matches on addresses.
    assert_eq!(
        search(&agent, format!("scanner from:{local_part}")).await,
        ["scanner driver update"]
    );
    let observer = app.user(Role::Observer, None).await;
    assert_eq!(
        search(&observer, "scanner from:gina@example.com".into()).await,
        ["scanner broken"]
    );
}

async fn rooms_export_as_json_and_safe_html(app: TestApp) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("export"), "public", None).await;
    let root = say(&owner, room, "<script>alert('x')</script> & friends").await;
    say(
        &owner,
        room,
        "**Deploy** _today_ ~~maybe~~ `cargo run`\n> quoted\n- one\n- two\n\n```rust\nfn main() {}\n```\nsee [docs](https://example.com/docs) :rocket: @alice",
    )
    .await;
    say(
        &owner,
        room,
        "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(2)) [c](data:text/html,x) [d](jav&#x61;script:x) <img src=x onerror=alert(3)>",
    )
    .await;
    owner
        .post(
            &format!("rooms/{room}/messages"),
            json!({"clientId": "rep", "body": "a reply", "parentId": root["id"]}),
        )
        .await
        .expect(201);
    owner
        .put(&format!(
            "messages/{}/reactions/%F0%9F%91%8D",
            root["id"].as_str().unwrap()
        ))
        .await
        .expect(200);
    // Exports are POSTs: a page on another site cannot make a signed-in browser run one.
    owner
        .get(&format!("rooms/{room}/export?format=json"))
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED");
    let json_export = owner
        .post(&format!("rooms/{room}/export"), json!({"format": "json"}))
        .await
        .expect(200);
    assert!(
        json_export.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let messages = json_export.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[3]["parentId"], root["id"]);
    assert_eq!(messages[0]["reactions"][0]["emoji"], json!("👍"));
    // JSON keeps bodies exactly as written.
    assert!(
        messages[1]["body"]
            .as_str()
            .unwrap()
            .starts_with("**Deploy** _today_")
    );
    let html = owner
        .post(&format!("rooms/{room}/export"), json!({"format": "html"}))
        .await
        .expect(200);
    let page = html.body.as_str().unwrap();
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; friends"));
    assert!(!page.contains("<script>"));
    assert!(page.contains("class=\"replies\""));
    // The formatting subset, as the web client renders it.
    for html in [
        "<strong>Deploy</strong> <em>today</em> <del>maybe</del> <code>cargo run</code>",
        "<blockquote><p>quoted</p></blockquote><ul><li>one</li><li>two</li></ul>",
        "<pre><code class=\"language-rust\">fn main() {}</code></pre>",
        "<a href=\"https://example.com/docs\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">docs</a> 🚀 <span class=\"mention\">@alice</span>",
    ] {
        assert!(page.contains(html), "{html} in {page}");
    }
    // Hostile links and tags stay inert text: one link in the page, no image, no handler.
    assert_eq!(page.matches("<a ").count(), 1, "{page}");
    assert!(page.contains("[a](javascript:alert(1)) [b](JaVaScRiPt:alert(2)) [c](data:text/html,x) [d](jav&amp;#x61;script:x) &lt;img src=x onerror=alert(3)&gt;"));
    assert!(!page.contains("<img"));
    owner
        .post(&format!("rooms/{room}/export"), json!({"format": "pdf"}))
        .await
        .expect_error(422, "VALIDATION");
    app.user(Role::Customer, None)
        .await
        .post(&format!("rooms/{room}/export"), json!({}))
        .await
        .expect_error(404, "NOT_FOUND");
    let audit = app
        .admin()
        .await
        .get("admin/audit?action=room.export")
        .await
        .expect(200);
    assert_eq!(audit.data()["items"].as_array().unwrap().len(), 2);
}

async fn activity_pages_through_everything_once(app: TestApp) {
    let me = app.staff().await;
    let other = app.staff().await;
    let room = other.create_room(&slug("activity"), "public", None).await;
    for i in 0..7 {
        say(&other, room, &format!("update {i}")).await;
    }
    me.post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    say(&me, room, "my own words are not activity").await;
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = me
            .get(&format!("activity?limit=3&cursor={cursor}"))
            .await
            .expect(200);
        let items = bodies(&page);
        match page.data()["nextCursor"].as_str() {
            Some(next) => {
                assert!(!items.is_empty(), "no empty page while older events exist");
                cursor = next.to_owned();
                seen.extend(items);
            }
            None => {
                seen.extend(items);
                break;
            }
        }
    }
    let expected: Vec<String> = (0..7).rev().map(|i| format!("update {i}")).collect();
    assert_eq!(seen, expected);
}

async fn audit_downloads_and_failed_sign_ins_are_aggregated(app: TestApp) {
    let admin = app.admin().await;
    let victim = app.staff().await;
    for _ in 0..6 {
        app.anonymous()
            .post(
                "auth/login",
                json!({"email": victim.email, "password": "guess guess guess"}),
            )
            .await
            .expect_error(401, "INVALID_CREDENTIALS");
    }
    let failures = admin
        .get("admin/audit?action=auth.login_failed")
        .await
        .expect(200);
    let rows = failures.data()["items"].as_array().unwrap();
    // One row per account, address and 15-minute window: six failures give one row, or two
    // when the test happens to straddle a window boundary.
    let windows: std::collections::HashSet<String> = rows
        .iter()
        .map(|r| r["metadata"]["windowStart"].to_string())
        .collect();
    assert!(
        rows.len() == windows.len() && (1..=2).contains(&rows.len()),
        "six failures, one audit row per window: {rows:?}"
    );
    assert_eq!(rows[0]["targetId"], json!(victim.id().to_string()));
    admin
        .get("admin/audit?format=csv")
        .await
        .expect_error(422, "VALIDATION");
    let csv = admin
        .post("admin/audit/export", json!({}))
        .await
        .expect(200);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.body.as_str().unwrap();
    assert!(text.starts_with("at,actor_id,actor_email,action"));
    assert!(text.contains("auth.login_failed"));
    let exported = admin
        .get("admin/audit?action=audit.export")
        .await
        .expect(200);
    assert_eq!(exported.data()["items"].as_array().unwrap().len(), 1);
    victim
        .post("admin/audit/export", json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
