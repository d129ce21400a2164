//! The room access of recent senders, kept briefly so that a send does not read the room and
//! the sender's membership from the database each time.
//!
//! What is kept is the room's facts and the sender's standing in it ([`RoomAccess`]), never a
//! decision: the policy still checks every send against the actor as they are now (role,
//! department, scope). The cache forgets everything whenever anything but the everyday traffic
//! of messages, reactions, receipts and presence is published on this instance (a member added
//! or removed, a room changed, archived or deleted, a ticket changed, a user changed), so on
//! this instance a change of access applies to the next send. A change made on another instance
//! (or by the CLI) applies here after at most [`TTL`]. An entry loaded while the cache was being
//! cleared is not kept (a generation counter), so a load that raced a change cannot bring the
//! old access back.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use super::events::{Event, Subscriber};
use crate::{domain::Id, store::RoomAccess};

/// How long an entry is used before the database is asked again.
pub const TTL: Duration = Duration::from_secs(1);
/// Entries kept at most; past it the cache starts over.
const CAPACITY: usize = 100_000;

/// A user's access to a room, and when it was loaded.
type Entry = (Arc<RoomAccess>, Instant);

/// Room access per (room, user), with when it was loaded.
pub struct AccessCache {
    entries: Mutex<HashMap<(Id, Id), Entry>>,
    generation: AtomicU64,
    ttl: Duration,
}

impl Default for AccessCache {
    fn default() -> Self {
        Self::new(TTL)
    }
}

impl AccessCache {
    /// A cache whose entries live `ttl` (zero keeps nothing).
    pub fn new(ttl: Duration) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            ttl,
        }
    }

    /// The access of `user` to `room` loaded less than the TTL ago.
    pub fn get(&self, room: Id, user: Id) -> Option<Arc<RoomAccess>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&(room, user))
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(access, _)| Arc::clone(access))
    }

    /// Where the cache is in its clearing: take it before loading, hand it to [`Self::put`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps `access`, unless the cache was cleared since `generation` was taken.
    pub fn put(&self, generation: u64, access: Arc<RoomAccess>, user: Id) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Checked under the lock that `clear` takes too.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert((access.room.id, user), (access, Instant::now()));
    }

    /// Forgets everything.
    pub fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

/// Clears the cache on every event that may change who may post where.
pub struct ForgetOnChange(pub Arc<AccessCache>);

#[async_trait::async_trait]
impl Subscriber for ForgetOnChange {
    async fn on_event(&self, event: &Event) {
        if may_change_access(event) {
            self.0.clear();
        }
    }
}

/// Everything but the everyday traffic: an event type added later clears the cache until it is
/// listed here.
fn may_change_access(event: &Event) -> bool {
    !matches!(
        event,
        Event::MessageCreated { .. }
            | Event::MessageEdited(_)
            | Event::MessageDeleted(_)
            | Event::MessageChanged(_)
            | Event::ReactionChanged { .. }
            | Event::MessagePinned { .. }
            | Event::ReadMoved { .. }
            | Event::Typing { .. }
            | Event::PresenceChanged { .. }
            | Event::NotificationCreated(_)
            | Event::NotificationsRead { .. }
            | Event::TicketInsights { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::{room::RoomKind, user::Role},
        service::testing::TestCtx,
    };

    /// A room of `t` and its owner's access to it.
    async fn access(t: &TestCtx) -> anyhow::Result<(Id, Arc<RoomAccess>)> {
        let owner = t.user(Role::Staff).await?;
        let room = t.room(&owner, RoomKind::Public).await?;
        let access = t
            .ctx
            .store
            .room_access(room, owner.id())
            .await?
            .ok_or_else(|| anyhow::anyhow!("no access"))?;
        Ok((owner.id(), Arc::new(access)))
    }

    #[tokio::test]
    async fn an_entry_lives_until_the_cache_is_cleared() -> anyhow::Result<()> {
        let t = TestCtx::new().await?;
        let (user, room) = access(&t).await?;
        let cache = AccessCache::new(Duration::from_secs(60));
        cache.put(cache.generation(), Arc::clone(&room), user);
        assert!(cache.get(room.room.id, user).is_some());
        assert!(cache.get(room.room.id, Id::new()).is_none(), "per user");
        cache.clear();
        assert!(cache.get(room.room.id, user).is_none());
        Ok(())
    }

    #[tokio::test]
    async fn a_load_that_raced_a_change_is_not_kept() -> anyhow::Result<()> {
        let t = TestCtx::new().await?;
        let (user, room) = access(&t).await?;
        let cache = AccessCache::new(Duration::from_secs(60));
        let before_the_change = cache.generation();
        cache.clear();
        cache.put(before_the_change, Arc::clone(&room), user);
        assert!(cache.get(room.room.id, user).is_none());
        Ok(())
    }

    #[tokio::test]
    async fn expired_entries_and_a_zero_ttl_keep_nothing() -> anyhow::Result<()> {
        let t = TestCtx::new().await?;
        let (user, room) = access(&t).await?;
        let off = AccessCache::new(Duration::ZERO);
        off.put(off.generation(), Arc::clone(&room), user);
        assert!(off.get(room.room.id, user).is_none());
        let short = AccessCache::new(Duration::from_millis(1));
        short.put(short.generation(), Arc::clone(&room), user);
        let kept_at = Instant::now();
        while kept_at.elapsed() <= Duration::from_millis(1) {
            std::hint::spin_loop();
        }
        assert!(short.get(room.room.id, user).is_none());
        Ok(())
    }

    #[tokio::test]
    async fn changes_of_access_clear_the_cache_and_traffic_does_not() -> anyhow::Result<()> {
        let t = TestCtx::new().await?;
        let (user, room) = access(&t).await?;
        let cache = Arc::new(AccessCache::new(Duration::from_secs(60)));
        let forget = ForgetOnChange(Arc::clone(&cache));
        cache.put(cache.generation(), Arc::clone(&room), user);
        let room_id = room.room.id;
        forget
            .on_event(&Event::Typing {
                room_id,
                user_id: user,
                name: "someone".into(),
                typing: true,
            })
            .await;
        forget
            .on_event(&Event::ReadMoved {
                room_id,
                user_id: user,
                seq: 1,
            })
            .await;
        assert!(cache.get(room_id, user).is_some());
        forget
            .on_event(&Event::MemberRemoved {
                room_id,
                user_id: user,
            })
            .await;
        assert!(cache.get(room_id, user).is_none());
        cache.put(cache.generation(), Arc::clone(&room), user);
        forget.on_event(&Event::RoomDeleted { room_id }).await;
        assert!(cache.get(room_id, user).is_none());
        Ok(())
    }
}
