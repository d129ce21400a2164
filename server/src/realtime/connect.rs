//! Connecting: authentication in the connect middleware (session cookie or `auth: {token}`),
//! server-side room subscriptions, presence, and the disconnect bookkeeping.
//!
//! A socket is subscribed to the rooms its user is a member of (rooms, DMs, and the tickets they
//! requested or are assigned to) and to its audiences; the client never names a room to join
//! (it may only ask to watch one it may read, see `room:watch`). Subscriptions are made before
//! the connect packet is sent, so a client that syncs right after `connect` cannot miss a
//! message committed in between.

use std::{collections::HashSet, fmt, net::SocketAddr, sync::Arc, time::Duration};

use axum::{extract::ConnectInfo, http};

use serde::Deserialize;
use socketioxide::{
    adapter::Adapter,
    extract::{SocketRef, State, TryData},
    socket::DisconnectReason,
};

use super::{
    SocketState,
    acks::SocketAcks,
    channel::{Channel, names},
    fanout::Sid,
    inbound,
    session::{SocketUser, UserId},
};
use crate::{
    domain::{Id, policy},
    error::{AppError, Code},
    ratelimit::Action,
    service::{Event, auth},
    store::UserRow,
    wire::{
        check_origin, client_ip, cookie,
        proxy::{self, IpNet},
    },
};

/// The `auth` object of the handshake.
#[derive(Debug, Default, Deserialize)]
pub struct ConnectAuth {
    /// A session token (non-browser clients; browsers send the cookie).
    pub token: Option<String>,
    /// The client takes `message:batch` (several messages of a room in one packet).
    #[serde(default)]
    pub batch: bool,
}

/// Why a handshake was refused. Its `connect_error` `message` is a JSON object, because
/// Socket.IO carries nothing else there: `{"code", "message", "retryable", "retryAfterMs"?}`.
/// `retryable` is true for refusals that go away by themselves (the database is briefly
/// unavailable, the instance is shutting down, too many connects): a client should connect
/// again after `retryAfterMs`, with backoff. The others need the user (sign in again).
#[derive(Debug)]
pub struct Refused {
    /// The stable code.
    pub code: Code,
    /// When to try again, for retryable refusals.
    pub retry_after: Option<Duration>,
}

/// How long a client waits before reconnecting after a refusal that clears by itself, unless
/// the refusal says more precisely (a rate limit).
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

impl Refused {
    /// A refusal with `code`.
    pub fn new(code: Code) -> Self {
        Self {
            code,
            retry_after: code.is_retryable().then_some(RETRY_AFTER),
        }
    }

    fn describe(&self) -> &'static str {
        match self.code {
            Code::Unauthenticated => "sign in to connect",
            Code::Banned => "this account is banned",
            Code::Csrf => "cross-site connection refused",
            Code::RateLimited => "too many connections: try again shortly",
            Code::DbUnavailable => "the database is briefly unavailable: try again shortly",
            Code::ShuttingDown => "this server is restarting: connect again",
            _ => "connection refused",
        }
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut body = serde_json::json!({
            "code": self.code.as_str(),
            "message": self.describe(),
            "retryable": self.code.is_retryable(),
        });
        if let Some(retry_after) = self.retry_after.filter(|_| self.code.is_retryable()) {
            body["retryAfterMs"] = serde_json::json!(retry_after.as_millis());
        }
        f.write_str(&body.to_string())
    }
}

impl From<AppError> for Refused {
    fn from(err: AppError) -> Self {
        err.log();
        let retry_after = match &err {
            AppError::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        };
        Self {
            retry_after: retry_after.or_else(|| err.code().is_retryable().then_some(RETRY_AFTER)),
            code: err.code(),
        }
    }
}

/// Channels a user's sockets join besides their rooms: per user, per session, per socket, and
/// the audiences that decide who learns of new public rooms and tickets.
///
/// Sockets of a follow-link session (scoped to one ticket) join `user:{id}:link` instead of
/// `user:{id}`: rooms are joined per user, and such a socket must not follow its customer into
/// their other tickets. User-wide notices (bans) go to both.
pub fn audience_channels(user: &UserRow, session_id: Id, sid: Sid, scoped: bool) -> Vec<Channel> {
    let mut channels = vec![
        if scoped {
            Channel::UserLink(user.id)
        } else {
            Channel::User(user.id)
        },
        Channel::Session(session_id),
        Channel::Socket(sid),
    ];
    if scoped {
        return channels;
    }
    let (team, department, admins) = policy::audiences(user.role, user.department.as_deref());
    if team {
        channels.push(Channel::Team);
    }
    channels.extend(department.map(Channel::Department));
    if admins {
        channels.push(Channel::Admins);
    }
    channels
}

/// The room channels one socket is in: its user's memberships, or only the ticket of a
/// follow-link session.
pub fn rooms_for_socket(user: &SocketUser, member_of: Vec<Id>) -> HashSet<Channel> {
    member_of
        .into_iter()
        .filter(|room| user.scope.is_none_or(|scope| scope == *room))
        .map(Channel::Room)
        .collect()
}

/// Connect middleware: authenticates and subscribes, or refuses with a code (counted).
pub async fn authenticate<A: Adapter>(
    socket: SocketRef<A>,
    TryData(auth): TryData<ConnectAuth>,
    State(state): State<SocketState>,
) -> Result<(), Refused> {
    let result = admit(&socket, auth.ok(), &state).await;
    if let Err(refused) = &result {
        metrics::counter!("switchboard_socket_connect_rejections_total", "code" => refused.code.as_str())
            .increment(1);
    }
    result
}

async fn admit<A: Adapter>(
    socket: &SocketRef<A>,
    auth: Option<ConnectAuth>,
    state: &SocketState,
) -> Result<(), Refused> {
    if state.closing.load(std::sync::atomic::Ordering::Acquire) {
        return Err(Refused::new(Code::ShuttingDown));
    }
    let parts = socket.req_parts();
    let settings = &state.settings;
    let ip = peer_ip(parts, &settings.trusted_proxies);
    state
        .ctx
        .limits
        .check(
            Action::SocketConnect,
            &crate::ratelimit::ip_key(ip.as_deref().unwrap_or("unknown")),
        )
        .await
        .map_err(|limited| Refused {
            code: Code::RateLimited,
            retry_after: Some(limited.retry_after),
        })?;
    let batches = auth.as_ref().is_some_and(|a| a.batch);
    let bearer = auth.and_then(|a| a.token).filter(|t| !t.is_empty());
    let token = match bearer {
        Some(token) => token,
        None => {
            let token = cookie(&parts.headers, settings.cookie_name)
                .ok_or(Refused::new(Code::Unauthenticated))?;
            // A browser sends the cookie with a handshake from any site: like a cookie write
            // over REST, it must come from an allowed origin (cross-site WebSocket hijacking).
            check_origin(
                settings.allowed_origins.iter().map(String::as_str),
                &parts.headers,
            )?;
            token
        }
    };
    let session = auth::authenticate(&state.ctx, &token).await?;
    let user = SocketUser {
        user: session.user,
        session_id: session.session_id,
        ip,
        scope: session.ticket_scope,
        expires_at: session.expires_at,
    };
    let member_of = state
        .ctx
        .store
        .member_room_ids(user.user.id)
        .await
        .map_err(AppError::from)?;
    let mut channels =
        audience_channels(&user.user, user.session_id, socket.id, user.scope.is_some());
    channels.extend(rooms_for_socket(&user, member_of));
    if !batches {
        // Counted before it joins any room, so no batch is broadcast to it as one.
        state.ledger.one_by_one_connected();
        channels.push(Channel::OneByOne);
    }
    socket.join(names(channels));
    let user_id = user.user.id;
    socket.extensions.insert(user);
    socket.extensions.insert(UserId(user_id));
    socket
        .extensions
        .insert(Arc::new(SocketAcks::new().with_batches(batches)));
    // Everything the socket needs is in place before the connect packet goes out: socketioxide
    // runs the connect handler in a task spawned after sending it, so a handler registered
    // there would miss an event the client emits the moment it is connected (its `sync`).
    inbound::register(socket);
    socket.on_disconnect(on_disconnect::<A>);
    metrics::counter!("switchboard_socket_connects_total").increment(1);
    metrics::gauge!("switchboard_sockets_connected").increment(1.0);
    if state.presence.connected(user_id).await {
        socket.extensions.insert(FirstSocket);
    }
    Ok(())
}

/// Marks a socket that brought its user online on this instance (announced after connecting).
#[derive(Clone, Copy, Debug)]
struct FirstSocket;

/// The client's address for a handshake. The Socket.IO layer sits outside the router's
/// middleware, so the address a trusted proxy forwards is read here (otherwise every client
/// behind the load balancer would share the proxy's connect quota).
fn peer_ip(parts: &http::request::Parts, trusted: &[IpNet]) -> Option<String> {
    let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
        return client_ip(parts);
    };
    let forwarded = proxy::forwarded_for(&parts.headers);
    Some(proxy::client_ip(peer.ip(), forwarded.as_deref(), trusted).to_string())
}

/// After the connect packet: the log line and the presence announcement.
pub async fn on_connect<A: Adapter>(socket: SocketRef<A>, State(state): State<SocketState>) {
    let Some(user) = socket.extensions.get::<SocketUser>() else {
        tracing::error!(sid = %socket.id, "socket connected without a user");
        let _closed = socket.disconnect();
        return;
    };
    tracing::info!(sid = %socket.id, user_id = %user.user.id, transport = ?socket.transport_type(), "socket connected");
    if socket.extensions.get::<FirstSocket>().is_some() {
        state
            .ctx
            .events
            .publish(Event::PresenceChanged {
                user_id: user.user.id,
                online: true,
            })
            .await;
    }
}

async fn on_disconnect<A: Adapter>(
    socket: SocketRef<A>,
    reason: DisconnectReason,
    State(state): State<SocketState>,
) {
    metrics::gauge!("switchboard_sockets_connected").decrement(1.0);
    metrics::counter!("switchboard_socket_disconnects_total", "reason" => reason_label(reason))
        .increment(1);
    if socket
        .extensions
        .get::<Arc<SocketAcks>>()
        .is_some_and(|acks| !acks.takes_batches())
    {
        state.ledger.one_by_one_disconnected();
    }
    let Some(user) = socket.extensions.get::<SocketUser>() else {
        return;
    };
    tracing::info!(sid = %socket.id, user_id = %user.user.id, reason = reason_label(reason), "socket disconnected");
    if state.presence.disconnected(user.user.id).await {
        tokio::spawn(async move {
            tokio::time::sleep(super::presence::GRACE).await;
            let presence = &state.presence;
            if presence.local_count(user.user.id) == 0 && !presence.is_online(user.user.id).await {
                state
                    .ctx
                    .events
                    .publish(Event::PresenceChanged {
                        user_id: user.user.id,
                        online: false,
                    })
                    .await;
            }
        });
    }
}

/// Low-cardinality label for a disconnect reason.
fn reason_label(reason: DisconnectReason) -> &'static str {
    match reason {
        DisconnectReason::TransportClose => "transport_close",
        DisconnectReason::MultipleHttpPollingError => "multiple_polling",
        DisconnectReason::PacketParsingError => "bad_packet",
        DisconnectReason::TransportError => "transport_error",
        DisconnectReason::HeartbeatTimeout => "heartbeat_timeout",
        DisconnectReason::ClientNSDisconnect => "client_disconnect",
        DisconnectReason::ServerNSDisconnect => "server_disconnect",
        DisconnectReason::ClosingServer => "server_closing",
    }
}
