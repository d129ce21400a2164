//! User administration, bans and the audit trail.

use serde_json::{Value, json};
use switchboard::{
    domain::{Id, user::Role},
    store::{AuditFilter, AuditRow, BanRow, EndSessions},
};

use crate::helpers::{Backend, Setup, TestApp, slug};

crate::backend_tests!(
    admins_create_and_change_users,
    only_admins_administer,
    bans_revoke_sessions_and_block_login,
    expired_bans_lift_by_themselves,
    moderation_is_audited_without_message_text,
    audit_rows_cannot_be_changed,
    changes_and_their_audit_rows_commit_together,
    room_member_and_session_actions_are_audited,
    the_audit_log_names_people_and_rooms,
    accounts_are_audited_however_they_are_made with Setup::args(&[
        "--registration-mode",
        "open",
        "--admin-email",
        "boss@corp.example",
        "--admin-password",
        "a very long password",
    ]),
);

/// The audit rows `filter` selects (at most 50), newest first.
async fn audit(app: &TestApp, filter: AuditFilter) -> Vec<AuditRow> {
    let filter = AuditFilter {
        limit: 50,
        ..filter
    };
    app.state.ctx.store.list_audit(&filter).await.unwrap()
}

/// The audit rows about `target`, newest first.
async fn audit_of(app: &TestApp, target: impl ToString) -> Vec<AuditRow> {
    let filter = AuditFilter {
        target_id: Some(target.to_string()),
        ..Default::default()
    };
    audit(app, filter).await
}

/// The rows of one action, newest first.
async fn audit_action(app: &TestApp, action: &str) -> Vec<AuditRow> {
    let filter = AuditFilter {
        action: Some(action.to_owned()),
        ..Default::default()
    };
    audit(app, filter).await
}

fn actions(rows: &[AuditRow]) -> Vec<&str> {
    rows.iter().map(|row| row.action.as_str()).collect()
}

async fn admins_create_and_change_users(app: TestApp) {
    let admin = app.admin().await;
    let created = admin
        .post(
            "admin/users",
            json!({"email": "New.Person@Corp.example", "name": "New Person", "role": "staff",
                   "department": "billing", "password": "long enough pw"}),
        )
        .await
        .expect(201);
    assert_eq!(created.data()["email"], json!("new.person@corp.example"));
    let id = created.id();
    admin
        .post(
            "admin/users",
            json!({"email": "new.person@corp.example", "name": "X", "role": "staff"}),
        )
        .await
        .expect_error(409, "EMAIL_TAKEN");
    admin
        .post(
            "admin/users",
            json!({"email": "y@corp.example", "name": "Y", "role": "staff", "department": "nope"}),
        )
        .await
        .expect_error(422, "VALIDATION");
    admin
        .post(
            "admin/users",
            json!({"email": "y@corp.example", "name": "Y", "role": "root"}),
        )
        .await
        .expect_error(422, "VALIDATION");
    let changed = admin
        .patch(
            &format!("admin/users/{id}"),
            json!({"role": "observer", "department": null}),
        )
        .await
        .expect(200);
    assert_eq!(changed.data()["role"], json!("observer"));
    assert_eq!(changed.data()["department"], json!(null));
    admin
        .patch(
            &format!("admin/users/{}", admin.id()),
            json!({"role": "staff"}),
        )
        .await
        .expect_error(403, "FORBIDDEN");
    let listed = admin.get("admin/users?q=new.person").await.expect(200);
    assert_eq!(listed.data()["items"].as_array().unwrap().len(), 1);
    let audit = app
        .state
        .ctx
        .store
        .list_audit(&AuditFilter {
            target_id: Some(id.to_string()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    // A department change is its own action, apart from the role change.
    assert_eq!(
        actions(&audit),
        ["user.department_change", "user.role_change", "user.create"]
    );
    assert_eq!(audit[0].metadata.0["department"]["from"], json!("billing"));
    assert_eq!(audit[0].metadata.0["department"]["to"], json!(null));
    assert_eq!(audit[1].metadata.0["role"]["to"], json!("observer"));
    assert!(audit[1].metadata.0.get("department").is_none());
    assert_eq!(audit[1].actor_id, Some(admin.id()));
    assert!(audit[1].request_id.is_some());
    assert_eq!(audit[2].metadata.0["via"], json!("admin"));
    admin
        .patch(
            &format!("admin/users/{id}"),
            json!({"name": "Renamed Person"}),
        )
        .await
        .expect(200);
    assert_eq!(actions(&audit_of(&app, id).await)[0], "user.update");
    admin
        .patch(&format!("admin/users/{}", Id::new()), json!({"name": "x"}))
        .await
        .expect_error(404, "NOT_FOUND");
}

/// Admin rows always carry `ban` (null without one); audit rows carry today's names of their
/// actor and of a target that is a user or a room, so the log reads without looking ids up.
async fn the_audit_log_names_people_and_rooms(app: TestApp) {
    let admin = app.admin().await;
    let admin_name = app
        .state
        .ctx
        .store
        .get_user(admin.id())
        .await
        .unwrap()
        .unwrap()
        .name;
    let created = admin
        .post(
            "admin/users",
            json!({"email": "grace@corp.example", "name": "Grace Hopper", "role": "staff",
                   "password": "long enough pw"}),
        )
        .await
        .expect(201);
    let grace = created.id();
    let listed = admin.get("admin/users?q=grace@corp").await.expect(200);
    let row = listed.data()["items"][0].as_object().unwrap().clone();
    assert_eq!(
        row.get("ban"),
        Some(&Value::Null),
        "`ban` is sent as null, not left out: {row:?}"
    );
    admin
        .patch(&format!("admin/users/{grace}"), json!({"role": "admin"}))
        .await
        .expect(200);
    let rows = admin
        .get(&format!("admin/audit?target={grace}"))
        .await
        .expect(200);
    let change = &rows.data()["items"][0];
    assert_eq!(change["action"], json!("user.role_change"));
    assert_eq!(change["actorName"], json!(admin_name));
    assert_eq!(change["targetName"], json!("Grace Hopper"));
    assert_eq!(
        change["metadata"]["role"],
        json!({"from": "staff", "to": "admin"})
    );
    // Names are today's: a rename shows on the older rows too.
    admin
        .patch(
            &format!("admin/users/{grace}"),
            json!({"name": "Rear Admiral Hopper"}),
        )
        .await
        .expect(200);
    let renamed = admin
        .get(&format!(
            "admin/audit?target={grace}&action=user.role_change"
        ))
        .await
        .expect(200);
    assert_eq!(
        renamed.data()["items"][0]["targetName"],
        json!("Rear Admiral Hopper")
    );
    let owner = app.staff().await;
    let room_slug = slug("named");
    let room = owner.create_room(&room_slug, "public", None).await;
    let rows = admin
        .get(&format!("admin/audit?target={room}"))
        .await
        .expect(200);
    let created_room = &rows.data()["items"][0];
    assert_eq!(created_room["targetType"], json!("room"));
    assert_eq!(created_room["targetName"], json!(room_slug));
    assert!(created_room["actorName"].is_string());
    // A target that is neither a user nor a room has no name; the key is still there.
    admin
        .post("admin/audit/export", json!({}))
        .await
        .expect(200);
    let export = admin
        .get("admin/audit?action=audit.export")
        .await
        .expect(200);
    let export = export.data()["items"][0].as_object().unwrap().clone();
    assert_eq!(export.get("targetName"), Some(&Value::Null), "{export:?}");
    assert_eq!(export.get("actorName"), Some(&json!(admin_name)));
}

async fn only_admins_administer(app: TestApp) {
    for role in [Role::Staff, Role::Observer, Role::Customer] {
        let user = app.user(role, None).await;
        user.get("admin/users").await.expect_error(403, "FORBIDDEN");
        user.post(
            "admin/users",
            json!({"email": "z@z.example", "name": "Z", "role": "admin"}),
        )
        .await
        .expect_error(403, "FORBIDDEN");
        user.get("admin/audit").await.expect_error(403, "FORBIDDEN");
    }
}

async fn bans_revoke_sessions_and_block_login(app: TestApp) {
    let admin = app.admin().await;
    let user = app.user(Role::Staff, None).await;
    user.get("auth/me").await.expect(200);
    admin
        .post(
            &format!("admin/users/{}/ban", user.id()),
            json!({"reason": ""}),
        )
        .await
        .expect_error(422, "VALIDATION");
    admin
        .post(
            &format!("admin/users/{}/ban", admin.id()),
            json!({"reason": "oops"}),
        )
        .await
        .expect_error(403, "FORBIDDEN");
    admin
        .post(
            &format!("admin/users/{}/ban", user.id()),
            json!({"reason": "spam"}),
        )
        .await
        .expect(200);
    user.get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let listed_ban = || async {
        let listed = admin
            .get(&format!("admin/users?q={}", user.email))
            .await
            .expect(200);
        listed.data()["items"][0]["ban"].clone()
    };
    let ban = listed_ban().await;
    assert_eq!(ban["reason"], "spam", "the admin list shows the ban: {ban}");
    assert_eq!(ban["bannedBy"], json!(admin.id()));
    let login = json!({"email": user.email, "password": "correct horse battery"});
    app.anonymous()
        .post("auth/login", login.clone())
        .await
        .expect_error(403, "BANNED");
    // A wrong password still answers INVALID_CREDENTIALS: bans do not reveal accounts.
    app.anonymous()
        .post(
            "auth/login",
            json!({"email": user.email, "password": "wrong password!"}),
        )
        .await
        .expect_error(401, "INVALID_CREDENTIALS");
    admin
        .delete(&format!("admin/users/{}/ban", user.id()))
        .await
        .expect(200);
    admin
        .delete(&format!("admin/users/{}/ban", user.id()))
        .await
        .expect_error(404, "NOT_FOUND");
    assert_eq!(listed_ban().await, Value::Null, "no ban after unban");
    app.anonymous().post("auth/login", login).await.expect(200);
    let rows = app
        .state
        .ctx
        .store
        .list_audit(&AuditFilter {
            action: Some("user.".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(actions(&rows), ["user.unban", "user.ban"]);
    let ban = &rows[1].metadata.0;
    assert_eq!(ban["reason"], "spam");
    assert_eq!(
        ban["revokedSessions"], 1,
        "the row counts the sessions the ban ended"
    );
}

async fn expired_bans_lift_by_themselves(app: TestApp) {
    let user = app.user(Role::Staff, None).await;
    let now = chrono::Utc::now();
    let ban = |expires_at| BanRow {
        user_id: user.id(),
        reason: "cool down".into(),
        banned_by: None,
        banned_at: now,
        expires_at: Some(expires_at),
    };
    app.state
        .ctx
        .store
        .put_ban(
            &ban(now + chrono::Duration::hours(1)),
            EndSessions::None,
            &[],
        )
        .await
        .unwrap();
    user.get("auth/me").await.expect_error(403, "BANNED");
    app.state
        .ctx
        .store
        .put_ban(
            &ban(now - chrono::Duration::seconds(1)),
            EndSessions::None,
            &[],
        )
        .await
        .unwrap();
    user.get("auth/me").await.expect(200);
    let admin = app.admin().await;
    let listed = admin
        .get(&format!("admin/users?q={}", user.email))
        .await
        .expect(200);
    assert_eq!(
        listed.data()["items"][0]["ban"],
        Value::Null,
        "an expired ban is not shown"
    );
    app.anonymous()
        .post(
            "auth/login",
            json!({"email": user.email, "password": "correct horse battery"}),
        )
        .await
        .expect(200);
}

async fn moderation_is_audited_without_message_text(app: TestApp) {
    let owner = app.staff().await;
    let member = app.staff().await;
    let room = owner
        .create_room(&crate::helpers::slug("mod"), "public", None)
        .await;
    owner
        .post(
            &format!("rooms/{room}/members"),
            json!({"userId": member.id()}),
        )
        .await
        .expect(201);
    let secret = "my secret plan is 42";
    let message = member.send_message(room, secret).await;
    let message_id = message["id"].as_str().unwrap();
    owner
        .delete(&format!("messages/{message_id}"))
        .await
        .expect(200);
    owner
        .delete(&format!("rooms/{room}/members/{}", member.id()))
        .await
        .expect(200);
    let audit = app
        .state
        .ctx
        .store
        .list_audit(&AuditFilter {
            actor_id: Some(owner.id()),
            limit: 20,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "member.remove",
            "message.delete",
            "member.add",
            "room.create"
        ]
    );
    for row in &audit {
        assert!(!row.metadata.0.to_string().contains(secret));
    }
    let admin = app.admin().await;
    let listed = admin
        .get("admin/audit?action=message.delete")
        .await
        .expect(200);
    assert_eq!(listed.data()["items"][0]["targetId"], json!(message_id));
    // The actor filter takes an id or an e-mail address (any case).
    let by = |actor: String| {
        let admin = &admin;
        async move {
            let page = admin
                .get(&format!("admin/audit?actor={actor}"))
                .await
                .expect(200);
            let actions: Vec<String> = page.data()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["action"].as_str().unwrap().to_owned())
                .collect();
            actions
        }
    };
    let by_id = by(owner.id().to_string()).await;
    assert_eq!(by_id.len(), 4, "{by_id:?}");
    assert_eq!(by(owner.email.to_uppercase()).await, by_id);
    admin
        .get("admin/audit?actor=nobody@nowhere.example")
        .await
        .expect_error(422, "VALIDATION");
    admin
        .get("admin/audit?actor=not-an-id")
        .await
        .expect_error(422, "VALIDATION");
}

/// Room changes, membership, ownership, deletion, DMs and sign-outs each leave their row.
/// Makes the database refuse every new audit row, as a full disk or a broken trigger would.
async fn refuse_audit_rows(app: &TestApp) {
    let url = &app.database_url;
    match app.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            sqlx::raw_sql(
                "CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log \
                 BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
            )
            .execute(&pool)
            .await
            .unwrap();
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::raw_sql(
                "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN RAISE EXCEPTION 'audit refused'; END $$; \
                 CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
            )
            .execute(&pool)
            .await
            .unwrap();
        }
    }
}

/// An audited change whose audit row cannot be written does not happen.
async fn changes_and_their_audit_rows_commit_together(app: TestApp) {
    let admin = app.admin().await;
    let user = app.user(Role::Staff, None).await;
    let room = admin.create_room(&slug("atomic"), "public", None).await;
    refuse_audit_rows(&app).await;
    admin
        .post(
            &format!("admin/users/{}/ban", user.id()),
            json!({"reason": "spam"}),
        )
        .await
        .expect_error(500, "INTERNAL");
    user.get("auth/me").await.expect(200);
    let store = &app.state.ctx.store;
    assert!(store.get_ban(user.id()).await.unwrap().is_none());
    admin
        .patch(
            &format!("admin/users/{}", user.id()),
            json!({"name": "Renamed"}),
        )
        .await
        .expect_error(500, "INTERNAL");
    assert_ne!(
        store.get_user(user.id()).await.unwrap().unwrap().name,
        "Renamed"
    );
    admin
        .patch(&format!("rooms/{room}"), json!({"title": "Renamed"}))
        .await
        .expect_error(500, "INTERNAL");
    admin
        .delete(&format!("rooms/{room}"))
        .await
        .expect_error(500, "INTERNAL");
    let kept = store
        .get_room(room)
        .await
        .unwrap()
        .expect("the room is kept");
    assert_ne!(kept.title, "Renamed");
    // Changes that are not audited go on.
    admin.send_message(room, "still here").await;
}

async fn room_member_and_session_actions_are_audited(app: TestApp) {
    let owner = app.staff().await;
    let member = app.staff().await;
    let room = owner.create_room(&slug("audited"), "public", None).await;
    owner
        .patch(
            &format!("rooms/{room}"),
            json!({"title": "Renamed", "tags": ["x"]}),
        )
        .await
        .expect(200);
    owner
        .post(
            &format!("rooms/{room}/members"),
            json!({"userId": member.id()}),
        )
        .await
        .expect(201);
    owner
        .patch(
            &format!("rooms/{room}/members/{}", member.id()),
            json!({"role": "moderator"}),
        )
        .await
        .expect(200);
    owner
        .post(
            &format!("rooms/{room}/ownership"),
            json!({"userId": member.id()}),
        )
        .await
        .expect(200);
    member.delete(&format!("rooms/{room}")).await.expect(200);
    let rows = audit_of(&app, room).await;
    assert_eq!(
        actions(&rows),
        [
            "room.delete",
            "room.ownership_transfer",
            "member.role_change",
            "member.add",
            "room.update",
            "room.create"
        ]
    );
    assert_eq!(rows[0].actor_id, Some(member.id()));
    assert_eq!(rows[1].metadata.0["to"], json!(member.id().to_string()));
    assert_eq!(rows[2].metadata.0["to"], json!("moderator"));
    assert_eq!(rows[4].metadata.0["fields"], json!(["title", "tags"]));
    // A DM is a room too; opening it again creates nothing.
    let dm = owner
        .post("dms", json!({"userId": member.id()}))
        .await
        .expect(201);
    owner
        .post("dms", json!({"userId": member.id()}))
        .await
        .expect(200);
    let dm_rows = audit_of(&app, dm.id()).await;
    assert_eq!(actions(&dm_rows), ["room.create"]);
    assert_eq!(dm_rows[0].metadata.0["kind"], json!("dm"));
    assert_eq!(dm_rows[0].actor_id, Some(owner.id()));
    // Signing out revokes the session.
    owner.post("auth/logout", json!({})).await.expect(200);
    let revoked = audit(
        &app,
        AuditFilter {
            action: Some("session.revoke".into()),
            actor_id: Some(owner.id()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].metadata.0["reason"], json!("signed_out"));
}

/// Every way an account comes to be leaves a `user.create` row saying how; the actor is the
/// person who did it, or empty (the system) when nobody was signed in.
async fn accounts_are_audited_however_they_are_made(app: TestApp) {
    switchboard::service::auth::bootstrap_admin(&app.state.ctx, app.state.config.bootstrap_admin())
        .await
        .unwrap();
    let registered = app
        .anonymous()
        .post(
            "auth/register",
            json!({"email": "reg@x.example", "name": "Reg", "password": "long enough pw"}),
        )
        .await
        .expect(202);
    assert_eq!(registered.data()["email"], json!("reg@x.example"));
    let registered_id = app
        .state
        .ctx
        .store
        .get_user_by_email("reg@x.example")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    app.anonymous()
        .post(
            "support/tickets",
            json!({"name": "Form", "email": "form@x.example", "subject": "Help", "message": "m"}),
        )
        .await
        .expect(201);
    let staff = app.staff().await;
    staff
        .post(
            "tickets",
            json!({"subject": "Phoned in", "requesterEmail": "phone@x.example"}),
        )
        .await
        .expect(201);
    let admin = app.admin().await;
    admin
        .post(
            "admin/users",
            json!({"email": "made@x.example", "name": "Made", "role": "staff"}),
        )
        .await
        .expect(201);
    let rows = audit_action(&app, "user.create").await;
    let row = |email: &str| {
        rows.iter()
            .find(|r| r.metadata.0["email"] == json!(email))
            .unwrap_or_else(|| panic!("no user.create for {email}: {rows:?}"))
    };
    let boss = row("boss@corp.example");
    assert_eq!(
        (
            boss.metadata.0["via"].as_str(),
            boss.actor_id,
            boss.metadata.0["role"].as_str()
        ),
        (Some("bootstrap"), None, Some("admin"))
    );
    let reg = row("reg@x.example");
    assert_eq!(reg.metadata.0["via"], json!("registration"));
    assert_eq!(reg.actor_id.map(|id| id.to_string()), Some(registered_id));
    assert_eq!(reg.target_id, reg.actor_id.map(|id| id.to_string()));
    let form = row("form@x.example");
    assert_eq!(
        (
            form.metadata.0["via"].as_str(),
            form.actor_id,
            form.ip.as_deref()
        ),
        (Some("support_form"), None, Some("127.0.0.1"))
    );
    assert_eq!(form.metadata.0["role"], json!("customer"));
    let phoned = row("phone@x.example");
    assert_eq!(
        (phoned.metadata.0["via"].as_str(), phoned.actor_id),
        (Some("ticket"), Some(staff.id()))
    );
    let made = row("made@x.example");
    assert_eq!(
        (made.metadata.0["via"].as_str(), made.actor_id),
        (Some("admin"), Some(admin.id()))
    );
    // The bootstrap admin is made once; its row too.
    switchboard::service::auth::bootstrap_admin(&app.state.ctx, app.state.config.bootstrap_admin())
        .await
        .unwrap();
    let again = audit_action(&app, "user.create").await;
    assert_eq!(again.len(), rows.len());
}

async fn audit_rows_cannot_be_changed(app: TestApp) {
    let admin = app.admin().await;
    admin
        .post(
            "admin/users",
            json!({"email": "a@b.example", "name": "A", "role": "staff"}),
        )
        .await
        .expect(201);
    let url = &app.database_url;
    let (update, delete) = match app.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            let update = sqlx::query("UPDATE audit_log SET action = 'x'")
                .execute(&pool)
                .await;
            let delete = sqlx::query("DELETE FROM audit_log").execute(&pool).await;
            (update.map(|_| ()), delete.map(|_| ()))
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let update = sqlx::query("UPDATE audit_log SET action = 'x'")
                .execute(&pool)
                .await;
            let delete = sqlx::query("DELETE FROM audit_log").execute(&pool).await;
            (update.map(|_| ()), delete.map(|_| ()))
        }
    };
    assert!(update.unwrap_err().to_string().contains("append-only"));
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    let rows = app
        .state
        .ctx
        .store
        .list_audit(&AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].action, "user.create");
}
