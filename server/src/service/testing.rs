//! Fixtures for unit tests of the use cases: a [`Ctx`] over a fresh SQLite database in a
//! temporary directory, whose events go to a [`Recorder`] the test reads, and accounts of each
//! role to act as. Nothing is mocked but presence (nobody is online) and Redis (quotas are
//! kept in process, as on a single instance).

use std::{sync::Arc, time::Duration};

use super::{
    Actor, Ctx, Event, Settings,
    access_cache::AccessCache,
    auth::{self, NewAccount},
    context::NobodyOnline,
    events::Recorder,
    passwords::Passwords,
    rooms::{self, CreateRoom},
};
use crate::{
    config::RegistrationMode,
    domain::{
        Id,
        room::{RoomKind, RoomRole},
        user::Role,
    },
    error::{AppResult, Code},
    ratelimit::{Quotas, RateLimits},
    store::{self, MessageRow, Page, UserRow},
};

/// The departments the test settings know.
pub const DEPARTMENTS: [&str; 2] = ["support", "billing"];

/// A use-case context over its own database, and what its use cases published.
pub struct TestCtx {
    /// The context to call use cases with.
    pub ctx: Ctx,
    /// Every event published through `ctx`, in order.
    pub recorder: Arc<Recorder>,
    /// Keeps the database file until the test ends.
    _dir: tempfile::TempDir,
}

impl TestCtx {
    /// A context over a freshly migrated SQLite database, with the default quotas.
    pub async fn new() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = store::connect(&url, 4, Duration::from_secs(5), Duration::from_secs(1)).await?;
        let recorder = Arc::new(Recorder::default());
        let ctx = Ctx {
            store,
            limits: RateLimits::new(&Quotas::default(), None),
            passwords: Passwords::new().await?,
            settings: Arc::new(settings()),
            events: recorder.clone(),
            presence: Arc::new(NobodyOnline),
            storage: Arc::new(crate::storage::Local::new(dir.path().join("files"))),
            // Events go to the recorder, which clears nothing: keep no access.
            access: Arc::new(AccessCache::new(Duration::ZERO)),
        };
        Ok(Self {
            ctx,
            recorder,
            _dir: dir,
        })
    }

    /// The URL of the test's database (for a second connection to it).
    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self._dir.path().join("test.db").display())
    }

    /// The events published since the last call, forgetting them, so that each step of a test
    /// sees only its own.
    pub fn take_events(&self) -> Vec<Event> {
        let events = self.recorder.events();
        self.recorder.clear();
        events
    }

    /// A new account of `role` without a department, acting without a session.
    pub async fn user(&self, role: Role) -> anyhow::Result<Actor> {
        self.user_in(role, None).await
    }

    /// A new account of `role` in `department`.
    pub async fn user_in(&self, role: Role, department: Option<&str>) -> anyhow::Result<Actor> {
        let email = format!("{role}-{}@example.com", Id::new().as_uuid().simple());
        let user = auth::create_user(
            &self.ctx,
            NewAccount {
                email: &email,
                name: &format!("Test {role}"),
                role,
                department,
                password: None,
                verified: true,
                created_by: None,
            },
        )
        .await?;
        Ok(actor(user))
    }

    /// A room of `kind` (public or private) owned by `owner`; what its creation published is
    /// forgotten.
    pub async fn room(&self, owner: &Actor, kind: RoomKind) -> anyhow::Result<Id> {
        let room = rooms::create_room(
            &self.ctx,
            owner,
            CreateRoom {
                slug: format!("room-{}", Id::new().as_uuid().simple()),
                title: "A room".to_owned(),
                description: None,
                kind,
                department: None,
                tags: Vec::new(),
            },
        )
        .await?;
        self.recorder.clear();
        Ok(room.room.id)
    }

    /// The first messages of a room (up to 10), oldest first.
    pub async fn history(&self, room: Id) -> anyhow::Result<Vec<MessageRow>> {
        Ok(self
            .ctx
            .store
            .list_messages(room, Page::After(0), 10)
            .await?)
    }

    /// `user`'s role in `room`, if a member.
    pub async fn room_role(&self, room: Id, user: Id) -> anyhow::Result<Option<RoomRole>> {
        let member = self.ctx.store.get_member(room, user).await?;
        Ok(member.map(|m| m.room_role))
    }
}

/// Matches published events (`$events`, such as `t.take_events()`) against `$pattern`, a
/// slice pattern whose bindings stay in scope; panics naming the events when they do not match.
macro_rules! let_events {
    ($events:expr, $pattern:pat) => {
        let events: Vec<$crate::service::Event> = $events;
        let $pattern = events.as_slice() else {
            panic!("expected {}, got {events:?}", stringify!($pattern));
        };
    };
}
pub(crate) use let_events;

/// `user` acting without a session, address or request id (as the CLI does).
pub fn actor(user: UserRow) -> Actor {
    Actor {
        user,
        session_id: None,
        ip: None,
        request_id: None,
        scope: None,
    }
}

/// The code a refused use case answered with (`None` when it was not refused).
pub fn refusal<T>(result: AppResult<T>) -> Option<Code> {
    result.err().map(|err| err.code())
}

/// The defaults of the configuration, with two departments.
fn settings() -> Settings {
    Settings {
        public_url: "http://localhost:3000".to_owned(),
        departments: DEPARTMENTS.iter().map(|d| (*d).to_owned()).collect(),
        edit_window: chrono::Duration::minutes(15),
        session_ttl: chrono::Duration::days(30),
        registration_mode: RegistrationMode::Closed,
        follow_link_ttl: chrono::Duration::days(7),
        web_push: None,
        push_allow_http: false,
        link_previews: false,
        upload_max_bytes: 25 * 1024 * 1024,
        upload_quota_bytes: 0,
    }
}
