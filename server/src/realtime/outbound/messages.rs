//! Messages and what happens to them: new messages (ordered, acknowledged delivery, and the
//! bus to other instances), edits, deletions, reactions, pins, read receipts and typing.

use std::time::{Duration, Instant};

use serde_json::json;

use super::super::{
    BusEnvelope, Realtime, channel::Channel, delivery::Outgoing, events as wire,
    inbound::TYPING_THROTTLE,
};
use crate::{domain::Id, views::MessageView};

/// How long clients show a typing indicator without a refresh.
const TYPING_EXPIRES_MS: u64 = 5000;
/// Typing marks remembered before the stale ones are swept.
const TYPING_MARKS: usize = 10_000;

impl Realtime {
    /// A new message: encoded once, delivered here at once, and to other instances over the
    /// bus with the same bytes.
    pub(super) fn message_new(&self, message: &MessageView) {
        let payload = match serde_json::value::to_raw_value(message) {
            Ok(payload) => payload,
            Err(err) => {
                tracing::error!(error = %err, "cannot serialise a message");
                return;
            }
        };
        if let Some(redis) = &self.inner.redis {
            let envelope = BusEnvelope {
                node: self.inner.node_id.clone(),
                room_id: message.room_id,
                seq: message.seq,
                payload: payload.clone(),
            };
            let envelope = serde_json::to_string(&envelope).unwrap_or_default();
            let (redis, channel) = (redis.clone(), redis.bus_channel());
            // Never hold up the sender on Redis; other instances' clients sync if this is lost.
            tokio::spawn(async move {
                use fred::interfaces::PubsubInterface;
                if let Err(err) = redis.client.publish::<(), _, _>(channel, envelope).await {
                    metrics::counter!("switchboard_bus_publish_failures_total").increment(1);
                    tracing::warn!(error = %err, "delivery bus publish failed");
                }
            });
        }
        self.inner.delivery.enqueue(Outgoing {
            room_id: message.room_id,
            seq: message.seq,
            payload,
        });
    }

    /// A message was edited.
    pub(super) async fn message_updated(&self, message: &MessageView) {
        let data = serde_json::to_value(message).unwrap_or_default();
        self.emit(
            Channel::followers(message.room_id),
            wire::MESSAGE_UPDATED,
            &data,
        )
        .await;
    }

    /// A message was deleted.
    pub(super) async fn message_deleted(&self, message: &MessageView) {
        let data = serde_json::to_value(message).unwrap_or_default();
        self.emit(
            Channel::followers(message.room_id),
            wire::MESSAGE_DELETED,
            &data,
        )
        .await;
    }

    /// Someone's reaction changed.
    pub(super) async fn reaction_updated(
        &self,
        room_id: Id,
        message_id: Id,
        emoji: &str,
        user_id: Id,
        added: bool,
        count: i64,
    ) {
        let data = json!({
            "roomId": room_id,
            "messageId": message_id,
            "emoji": emoji,
            "userId": user_id,
            "added": added,
            "count": count,
        });
        self.emit(Channel::followers(room_id), wire::REACTION_UPDATED, &data)
            .await;
    }

    /// A message was pinned or unpinned.
    pub(super) async fn message_pinned(&self, room_id: Id, message_id: Id, pinned: bool, by: Id) {
        let data = json!({
            "roomId": room_id,
            "messageId": message_id,
            "pinned": pinned,
            "by": by,
        });
        self.emit(Channel::followers(room_id), wire::MESSAGE_PINNED, &data)
            .await;
    }

    /// A read cursor moved.
    pub(super) async fn receipt(&self, room_id: Id, user_id: Id, seq: i64) {
        let data = json!({"roomId": room_id, "userId": user_id, "seq": seq, "kind": "read"});
        self.emit(Channel::followers(room_id), wire::RECEIPT, &data)
            .await;
    }

    /// Tells a room's readers (but not the typist's own sockets) that someone types;
    /// `typing: true` goes out at most every [`TYPING_THROTTLE`] per user and room.
    pub(super) async fn typing(&self, room_id: Id, user_id: Id, name: &str, typing: bool) {
        if !self.typing_allowed(user_id, room_id, typing) {
            return;
        }
        let event = json!({
            "roomId": room_id,
            "userId": user_id,
            "name": name,
            "typing": typing,
            "expiresInMs": TYPING_EXPIRES_MS,
        });
        self.inner
            .fanout
            .emit(
                Channel::followers(room_id),
                vec![Channel::User(user_id)],
                wire::TYPING,
                &event,
            )
            .await;
    }

    /// Whether a typing event should go out now.
    fn typing_allowed(&self, user_id: Id, room_id: Id, typing: bool) -> bool {
        let mut last = self.inner.typing.lock().unwrap_or_else(|e| e.into_inner());
        if !typing {
            last.remove(&(user_id, room_id));
            return true;
        }
        let now = Instant::now();
        if last
            .get(&(user_id, room_id))
            .is_some_and(|at| now - *at < TYPING_THROTTLE)
        {
            return false;
        }
        if last.len() > TYPING_MARKS {
            last.retain(|_, at| now - *at < Duration::from_secs(10));
        }
        last.insert((user_id, room_id), now);
        true
    }
}
