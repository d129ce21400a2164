//! The access matrix: global role × room kind × action, with the exact status and code of
//! each answer. The policy module is the only place these rules live; this proves every route
//! asks it, and that the rule's SQL form (search, the ticket queue) finds exactly what the
//! policy lets each actor read.

use serde_json::json;
use switchboard::domain::{Id, user::Role};

use crate::helpers::{Client, TestApp, slug};

crate::backend_tests!(access_matrix, ticket_access_matrix);

/// Actions in the order they are tried (deleting the room comes last).
const ACTIONS: [&str; 9] = [
    "read",
    "post",
    "react",
    "pin",
    "edit_own",
    "delete_other",
    "invite",
    "manage",
    "delete_room",
];

/// (room kind, actor, expected answer per action); `-` = not applicable.
/// Actors: `admin`; `staff_same` (engineering, not a member); `staff_other` (billing);
/// `customer`; `observer` (engineering); `member` (engineering, a plain member).
const MATRIX: &[(&str, &str, [&str; 9])] = &[
    (
        "public",
        "admin",
        [
            "200",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "-",
            "200",
            "201",
            "200",
            "200",
        ],
    ),
    (
        "public",
        "staff_same",
        [
            "200",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "-",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
        ],
    ),
    (
        "public",
        "staff_other",
        [
            "200",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "-",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
        ],
    ),
    (
        "public",
        "customer",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "public",
        "observer",
        [
            "200",
            "403 READ_ONLY",
            "403 READ_ONLY",
            "403 READ_ONLY",
            "-",
            "403 READ_ONLY",
            "403 READ_ONLY",
            "403 READ_ONLY",
            "403 READ_ONLY",
        ],
    ),
    (
        "public",
        "member",
        [
            "200",
            "201",
            "200",
            "200",
            "200",
            "403 FORBIDDEN",
            "201",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
        ],
    ),
    (
        "public_dept",
        "admin",
        [
            "200",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "-",
            "200",
            "201",
            "200",
            "200",
        ],
    ),
    (
        "public_dept",
        "staff_same",
        [
            "200",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "-",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
            "403 NOT_MEMBER",
        ],
    ),
    (
        "public_dept",
        "staff_other",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "public_dept",
        "customer",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "public_dept",
        "observer",
        [
            "200",
            "403 READ_ONLY",
            "403 READ_ONLY",
            "403 READ_ONLY",
            "-",
            "403 READ_ONLY",
            "403 READ_ONLY",
            "403 READ_ONLY",
            "403 READ_ONLY",
        ],
    ),
    (
        "public_dept",
        "member",
        [
            "200",
            "201",
            "200",
            "200",
            "200",
            "403 FORBIDDEN",
            "201",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
        ],
    ),
    (
        "private",
        "admin",
        ["404", "404", "404", "404", "-", "404", "404", "404", "200"],
    ),
    (
        "private",
        "staff_same",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "private",
        "staff_other",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "private",
        "customer",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "private",
        "observer",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "private",
        "member",
        [
            "200",
            "201",
            "200",
            "200",
            "200",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
        ],
    ),
    (
        "dm",
        "admin",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "dm",
        "staff_same",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "dm",
        "staff_other",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "dm",
        "customer",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "dm",
        "observer",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "dm",
        "member",
        [
            "200",
            "201",
            "200",
            "200",
            "200",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
        ],
    ),
    (
        "group_dm",
        "admin",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "group_dm",
        "staff_same",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "group_dm",
        "staff_other",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "group_dm",
        "customer",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "group_dm",
        "observer",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "group_dm",
        "member",
        [
            "200",
            "201",
            "200",
            "200",
            "200",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
        ],
    ),
];

/// A room set up for one row: owner, member, a bystander member and the owner's message.
struct Fixture {
    room: Id,
    owners_message: String,
    /// A word only the owner's message contains, for search.
    word: String,
    bystander: Id,
}

async fn fixture(app: &TestApp, kind: &str, owner: &Client, member: &Client) -> Fixture {
    let bystander = app.staff().await;
    let room = match kind {
        "dm" => owner
            .post("dms", json!({"userId": member.id()}))
            .await
            .expect(201)
            .id(),
        // A group DM: the same rules as a DM, whoever else is in it.
        "group_dm" => owner
            .post("dms", json!({"userIds": [member.id(), bystander.id()]}))
            .await
            .expect(201)
            .id(),
        _ => {
            let (kind, department) = match kind {
                "public" => ("public", None),
                "public_dept" => ("public", Some("engineering")),
                _ => ("private", None),
            };
            let room = owner.create_room(&slug("matrix"), kind, department).await;
            for user in [member, &bystander] {
                owner
                    .post(
                        &format!("rooms/{room}/members"),
                        json!({"userId": user.id()}),
                    )
                    .await
                    .expect(201);
            }
            room
        }
    };
    let word = unique_word();
    let message = owner
        .send_message(room, &format!("owner's message {word}"))
        .await;
    Fixture {
        room,
        owners_message: message["id"].as_str().unwrap().to_owned(),
        word,
        bystander: bystander.id(),
    }
}

/// A word no other message contains (letters only, so every search tokenizer keeps it whole).
fn unique_word() -> String {
    let letters: String = Id::new()
        .to_string()
        .chars()
        .filter(char::is_ascii_hexdigit)
        .rev()
        .take(10)
        .map(|c| (b'a' + c.to_digit(16).unwrap() as u8) as char)
        .collect();
    format!("matrix{letters}")
}

/// Whether the actor's message search finds the fixture's message: the SQL form of the read
/// rule must agree with the policy.
async fn search_finds(actor: &Client, fixture: &Fixture) -> bool {
    let found = actor
        .get(&format!("search?q={}", fixture.word))
        .await
        .expect(200);
    found.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|hit| hit["message"]["id"] == json!(fixture.owners_message))
}

async fn attempt(app: &TestApp, actor: &Client, fixture: &Fixture, action: &str) -> (u16, String) {
    let room = fixture.room;
    let message = &fixture.owners_message;
    let resp = match action {
        "read" => actor.get(&format!("rooms/{room}/messages")).await,
        "post" => {
            actor
                .post(
                    &format!("rooms/{room}/messages"),
                    json!({"clientId": Id::new(), "body": "hi"}),
                )
                .await
        }
        "react" => {
            actor
                .put(&format!("messages/{message}/reactions/%F0%9F%91%8D"))
                .await
        }
        "pin" => actor.put(&format!("messages/{message}/pin")).await,
        "edit_own" => {
            let own = actor.send_message(room, "mine").await;
            actor
                .patch(
                    &format!("messages/{}", own["id"].as_str().unwrap()),
                    json!({"body": "edited"}),
                )
                .await
        }
        "delete_other" => actor.delete(&format!("messages/{message}")).await,
        "invite" => {
            let newcomer = app.staff().await;
            actor
                .post(
                    &format!("rooms/{room}/members"),
                    json!({"userId": newcomer.id()}),
                )
                .await
        }
        "manage" => {
            actor
                .patch(
                    &format!("rooms/{room}/members/{}", fixture.bystander),
                    json!({"role": "moderator"}),
                )
                .await
        }
        "delete_room" => actor.delete(&format!("rooms/{room}")).await,
        other => panic!("unknown action {other}"),
    };
    (resp.status, resp.code().to_owned())
}

async fn access_matrix(app: TestApp) {
    let actors = [
        ("admin", app.user(Role::Admin, None).await),
        (
            "staff_same",
            app.user(Role::Staff, Some("engineering")).await,
        ),
        ("staff_other", app.user(Role::Staff, Some("billing")).await),
        ("customer", app.user(Role::Customer, None).await),
        (
            "observer",
            app.user(Role::Observer, Some("engineering")).await,
        ),
    ];
    let mut failures = Vec::new();
    for (kind, actor_name, expected) in MATRIX {
        let owner = app.staff().await;
        let member = app.staff().await;
        let fixture = fixture(&app, kind, &owner, &member).await;
        let actor = match *actor_name {
            "member" => &member,
            name => &actors.iter().find(|(n, _)| *n == name).unwrap().1,
        };
        let may_read = expected[0] == "200";
        if search_finds(actor, &fixture).await != may_read {
            failures.push(format!(
                "{kind} × {actor_name}: search {} the message the policy {} read",
                if may_read { "misses" } else { "finds" },
                if may_read {
                    "lets them"
                } else {
                    "does not let them"
                },
            ));
        }
        for (action, want) in ACTIONS.iter().zip(expected) {
            if *want == "-" {
                continue;
            }
            let (status, code) = attempt(&app, actor, &fixture, action).await;
            let (want_status, want_code) = match want.split_once(' ') {
                Some((s, c)) => (s.parse::<u16>().unwrap(), c),
                None => {
                    let s = want.parse::<u16>().unwrap();
                    (s, if s == 404 { "NOT_FOUND" } else { "" })
                }
            };
            if status != want_status || code != want_code {
                failures.push(format!(
                    "{kind} × {actor_name} × {action}: expected {want_status} {want_code}, got {status} {code}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "access matrix mismatches:\n{}",
        failures.join("\n")
    );
}

/// Ticket rooms (department engineering): actors `admin`, `staff_same` (engineering),
/// `staff_other` (billing), `requester` (the customer, through a follow link: it may not pin),
/// `other_customer`, `observer` (engineering). `manage` changes the ticket (PATCH priority).
const TICKET_MATRIX: &[(&str, [&str; 9])] = &[
    (
        "admin",
        [
            "200", "201", "200", "200", "200", "200", "201", "200", "200",
        ],
    ),
    (
        "staff_same",
        [
            "200",
            "201",
            "200",
            "200",
            "200",
            "200",
            "201",
            "200",
            "403 FORBIDDEN",
        ],
    ),
    (
        "staff_other",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "requester",
        [
            "200",
            "201",
            "200",
            "403 FORBIDDEN",
            "200",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
            "403 FORBIDDEN",
        ],
    ),
    (
        "other_customer",
        ["404", "404", "404", "404", "-", "404", "404", "404", "404"],
    ),
    (
        "observer",
        [
            "200",
            "403 READ_ONLY",
            "403 READ_ONLY",
            "403 READ_ONLY",
            "-",
            "403 READ_ONLY",
            "403 READ_ONLY",
            "403 READ_ONLY",
            "403 READ_ONLY",
        ],
    ),
];

async fn ticket_access_matrix(app: TestApp) {
    let mut failures = Vec::new();
    for (actor_name, expected) in TICKET_MATRIX {
        let email = format!("{}@customer.example", &Id::new().to_string()[24..]);
        let opened = app
            .anonymous()
            .post("support/tickets", json!({"name": "Requester", "email": email, "subject": "Matrix", "message": "Hi", "department": "engineering"}))
            .await
            .expect(201);
        let ticket: Id = opened.data()["ticketId"].as_str().unwrap().parse().unwrap();
        let link = app
            .anonymous()
            .post("auth/link", json!({"token": opened.data()["token"]}))
            .await
            .expect(200);
        let mut requester = app.anonymous();
        requester.token = Some(link.data()["token"].as_str().unwrap().to_owned());
        let agent = app.user(Role::Staff, Some("engineering")).await;
        let word = unique_word();
        let staff_message = agent
            .send_message(ticket, &format!("How can we help? {word}"))
            .await;
        let fixture = Fixture {
            room: ticket,
            owners_message: staff_message["id"].as_str().unwrap().to_owned(),
            word,
            bystander: agent.id(),
        };
        let actor = match *actor_name {
            "admin" => app.user(Role::Admin, None).await,
            "staff_same" => app.user(Role::Staff, Some("engineering")).await,
            "staff_other" => app.user(Role::Staff, Some("billing")).await,
            "requester" => requester.clone(),
            "other_customer" => app.user(Role::Customer, None).await,
            _ => app.user(Role::Observer, Some("engineering")).await,
        };
        let may_read = expected[0] == "200";
        let queued = actor.get("tickets").await.expect(200).data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == json!(ticket));
        // A follow-link session may not search at all; its ticket list is its way in.
        let searched = if *actor_name == "requester" {
            actor
                .get(&format!("search?q={}", fixture.word))
                .await
                .expect_error(403, "FORBIDDEN");
            may_read
        } else {
            search_finds(&actor, &fixture).await
        };
        if queued != may_read || searched != may_read {
            failures.push(format!(
                "ticket × {actor_name}: may read {may_read}, but listed {queued}, found by search {searched}"
            ));
        }
        for (action, want) in ACTIONS.iter().zip(expected) {
            if *want == "-" {
                continue;
            }
            let (status, code) = if *action == "manage" {
                let resp = actor
                    .patch(&format!("tickets/{ticket}"), json!({"priority": "high"}))
                    .await;
                (resp.status, resp.code().to_owned())
            } else {
                attempt(&app, &actor, &fixture, action).await
            };
            let (want_status, want_code) = match want.split_once(' ') {
                Some((s, c)) => (s.parse::<u16>().unwrap(), c),
                None => {
                    let s = want.parse::<u16>().unwrap();
                    (s, if s == 404 { "NOT_FOUND" } else { "" })
                }
            };
            if status != want_status || code != want_code {
                failures.push(format!("ticket × {actor_name} × {action}: expected {want_status} {want_code}, got {status} {code}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "ticket access mismatches:\n{}",
        failures.join("\n")
    );
}
