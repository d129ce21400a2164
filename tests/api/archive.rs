//! Archived rooms: who archives, what an archived room refuses, where it is listed, and how
//! it comes back.

use serde_json::{Value, json};
use switchboard::{
    domain::Id,
    error::Code,
    service::{
        Actor,
        messages::{self, SendMessage},
    },
    store::AuditFilter,
};

use crate::helpers::{Client, TestApp, slug};

crate::backend_tests!(
    moderators_owners_and_admins_archive_members_do_not,
    archived_rooms_are_read_only_for_everyone,
    archived_rooms_leave_the_lists_but_stay_searchable,
    archiving_is_audited_and_restorable,
);

/// A public room of a new staff owner, with a plain member who has written in it.
async fn room_with_member(app: &TestApp) -> (Client, Client, Id) {
    let owner = app.staff().await;
    let member = app.staff().await;
    let room = owner.create_room(&slug("arch"), "public", None).await;
    member
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    (owner, member, room)
}

fn ids(list: &Value) -> Vec<String> {
    list["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn moderators_owners_and_admins_archive_members_do_not(app: TestApp) {
    let (owner, member, room) = room_with_member(&app).await;
    let archive = format!("rooms/{room}/archive");
    let unarchive = format!("rooms/{room}/unarchive");
    member
        .post(&archive, json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
    let archived = owner.post(&archive, json!({})).await.expect(200);
    assert!(archived.data()["archivedAt"].is_string());
    // Again: nothing changes.
    owner.post(&archive, json!({})).await.expect(200);
    member
        .post(&unarchive, json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
    let admin = app.admin().await;
    let restored = admin.post(&unarchive, json!({})).await.expect(200);
    assert_eq!(restored.data()["archivedAt"], json!(null));
    admin.post(&archive, json!({})).await.expect(200);
    owner.post(&unarchive, json!({})).await.expect(200);
    // A moderator may, as an owner does.
    owner
        .patch(
            &format!("rooms/{room}/members/{}", member.id()),
            json!({"role": "moderator"}),
        )
        .await
        .expect(200);
    member.post(&archive, json!({})).await.expect(200);
    // DMs cannot be archived; a room one cannot read is not found.
    let dm = owner
        .post("dms", json!({"userId": member.id()}))
        .await
        .expect(201)
        .id();
    owner
        .post(&format!("rooms/{dm}/archive"), json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
    let private = owner.create_room(&slug("priv"), "private", None).await;
    app.staff()
        .await
        .post(&format!("rooms/{private}/archive"), json!({}))
        .await
        .expect_error(404, "NOT_FOUND");
}

async fn archived_rooms_are_read_only_for_everyone(app: TestApp) {
    let (owner, member, room) = room_with_member(&app).await;
    let message = member.send_message(room, "before the archive").await;
    let message_id = message["id"].as_str().unwrap().to_owned();
    owner
        .post(&format!("rooms/{room}/archive"), json!({}))
        .await
        .expect(200);
    let admin = app.admin().await;
    for who in [&owner, &member] {
        who.post(
            &format!("rooms/{room}/messages"),
            json!({"clientId": Id::new().to_string(), "body": "after"}),
        )
        .await
        .expect_error(409, "ROOM_ARCHIVED");
        who.put(&format!("messages/{message_id}/reactions/%F0%9F%91%8D"))
            .await
            .expect_error(409, "ROOM_ARCHIVED");
        who.put(&format!("messages/{message_id}/pin"))
            .await
            .expect_error(409, "ROOM_ARCHIVED");
    }
    member
        .patch(&format!("messages/{message_id}"), json!({"body": "edited"}))
        .await
        .expect_error(409, "ROOM_ARCHIVED");
    member
        .delete(&format!("messages/{message_id}"))
        .await
        .expect_error(409, "ROOM_ARCHIVED");
    owner
        .delete(&format!("messages/{message_id}"))
        .await
        .expect_error(409, "ROOM_ARCHIVED");
    owner
        .patch(&format!("rooms/{room}"), json!({"title": "renamed"}))
        .await
        .expect_error(409, "ROOM_ARCHIVED");
    let newcomer = app.staff().await;
    newcomer
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect_error(409, "ROOM_ARCHIVED");
    owner
        .post(
            &format!("rooms/{room}/members"),
            json!({"userId": newcomer.id()}),
        )
        .await
        .expect_error(409, "ROOM_ARCHIVED");
    admin
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect_error(409, "ROOM_ARCHIVED");
    // The send path the socket's `message:send` takes is the same use case: refused too.
    let user = app
        .state
        .ctx
        .store
        .get_user(member.id())
        .await
        .unwrap()
        .unwrap();
    let actor = Actor {
        user,
        session_id: None,
        ip: None,
        request_id: None,
        scope: None,
    };
    let input = SendMessage {
        room_id: room,
        client_id: Id::new().to_string(),
        body: "through the socket's path".into(),
        parent_id: None,
        attachment_ids: Vec::new(),
    };
    let refused = messages::send(&app.state.ctx, &actor, input).await;
    assert_eq!(refused.err().map(|e| e.code()), Some(Code::RoomArchived));
    // Reading stays: history, members, the room itself.
    let history = member
        .get(&format!("rooms/{room}/messages"))
        .await
        .expect(200);
    assert_eq!(history.data()["items"].as_array().unwrap().len(), 1);
    member
        .get(&format!("rooms/{room}/members"))
        .await
        .expect(200);
    // Leaving stays possible; nothing was written meanwhile.
    member
        .post(&format!("rooms/{room}/leave"), json!({}))
        .await
        .expect(200);
    owner
        .post(&format!("rooms/{room}/unarchive"), json!({}))
        .await
        .expect(200);
    owner.send_message(room, "back again").await;
}

async fn archived_rooms_leave_the_lists_but_stay_searchable(app: TestApp) {
    let (owner, member, room) = room_with_member(&app).await;
    // One word nobody else wrote, letters only (both search engines keep it whole).
    let word: String = slug("zebra")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from(b'g' + d as u8),
            None => c,
        })
        .collect();
    member
        .send_message(room, &format!("the {word} report"))
        .await;
    let other = owner.create_room(&slug("keep"), "public", None).await;
    owner
        .post(&format!("rooms/{room}/archive"), json!({}))
        .await
        .expect(200);
    let id = room.to_string();
    for who in [&owner, &member] {
        let mine = who.get("rooms").await.expect(200);
        assert!(!ids(&mine.body).contains(&id), "hidden from the sidebar");
        let all = who.get("rooms?archived=true").await.expect(200);
        assert!(ids(&all.body).contains(&id));
        let only = who.get("rooms?archived=only").await.expect(200);
        assert_eq!(ids(&only.body), [id.clone()]);
    }
    assert!(
        ids(&owner.get("rooms").await.expect(200).body).contains(&other.to_string()),
        "active rooms stay listed"
    );
    let outsider = app.staff().await;
    let discover = outsider.get("rooms/discover?limit=100").await.expect(200);
    assert!(!ids(&discover.body).contains(&id));
    let discover = outsider
        .get("rooms/discover?archived=only&limit=100")
        .await
        .expect(200);
    assert!(ids(&discover.body).contains(&id));
    assert!(!ids(&discover.body).contains(&other.to_string()));
    let discover = outsider
        .get("rooms/discover?archived=true&limit=100")
        .await
        .expect(200);
    assert!(ids(&discover.body).contains(&id));
    outsider
        .get("rooms?archived=maybe")
        .await
        .expect_error(422, "VALIDATION");
    // Still searchable and readable.
    let hits = member.get(&format!("search?q={word}")).await.expect(200);
    let found = hits.data()["items"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", hits.body);
    let got = member.get(&format!("rooms/{room}")).await.expect(200);
    assert!(got.data()["archivedAt"].is_string());
    // Restored: listed again.
    owner
        .post(&format!("rooms/{room}/unarchive"), json!({}))
        .await
        .expect(200);
    assert!(ids(&member.get("rooms").await.expect(200).body).contains(&id));
    let discover = outsider.get("rooms/discover?limit=100").await.expect(200);
    assert!(ids(&discover.body).contains(&id));
}

async fn archiving_is_audited_and_restorable(app: TestApp) {
    let (owner, _member, room) = room_with_member(&app).await;
    owner
        .post(&format!("rooms/{room}/archive"), json!({}))
        .await
        .expect(200);
    // A second archive changes nothing and is not recorded again.
    owner
        .post(&format!("rooms/{room}/archive"), json!({}))
        .await
        .expect(200);
    let admin = app.admin().await;
    admin
        .post(&format!("rooms/{room}/unarchive"), json!({}))
        .await
        .expect(200);
    let rows = app
        .state
        .ctx
        .store
        .list_audit(&AuditFilter {
            target_id: Some(room.to_string()),
            action: Some("room.".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<(&str, Option<Id>)> = rows
        .iter()
        .map(|r| (r.action.as_str(), r.actor_id))
        .collect();
    assert_eq!(
        actions,
        [
            ("room.unarchive", Some(admin.id())),
            ("room.archive", Some(owner.id())),
            ("room.create", Some(owner.id())),
        ]
    );
    let room_view = owner.get(&format!("rooms/{room}")).await.expect(200);
    assert_eq!(room_view.data()["archivedAt"], json!(null));
}
