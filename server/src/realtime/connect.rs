//! Connecting: authentication in the connect middleware (session cookie or `auth: {token}`),
//! server-side room subscriptions, presence, and the disconnect bookkeeping.
//!
//! Subscriptions are decided here and only here, from the access policy: the client never names
//! a room to join. They are made before the connect packet is sent, so a client that syncs
//! right after `connect` cannot miss a message committed in between.

use std::{fmt, net::SocketAddr};

use axum::{extract::ConnectInfo, http};

use serde::Deserialize;
use socketioxide::{
    adapter::Adapter,
    extract::{SocketRef, State, TryData},
    socket::DisconnectReason,
};

use super::{handlers, subscriptions};
use crate::{
    app::AppState,
    domain::{Id, policy::Viewer, user::Role},
    error::{AppError, Code},
    http::extract::{check_origin, client_ip, cookie},
    ops::proxy::{self, IpNet},
    ratelimit::Action,
    service::{Actor, auth},
    store::UserRow,
};

/// The signed-in user of a socket, stored in its extensions at connect.
#[derive(Clone, Debug)]
pub struct SocketUser {
    /// The user as of connecting (role or department changes reconnect the socket).
    pub user: UserRow,
    /// The session the socket authenticated with.
    pub session_id: Id,
    /// Client address.
    pub ip: Option<String>,
    /// The one ticket a follow-link session may read.
    pub scope: Option<Id>,
    /// When the session expires, as of connecting: the socket is checked again then.
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl SocketUser {
    /// The acting user for services, with a fresh request id.
    pub fn actor(&self, request_id: String) -> Actor {
        Actor {
            user: self.user.clone(),
            session_id: Some(self.session_id),
            ip: self.ip.clone(),
            request_id: Some(request_id),
            scope: self.scope,
        }
    }

    /// The policy's view of the user.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            scope: self.scope,
            ..Viewer::new(self.user.id, self.user.role, self.user.department.clone())
        }
    }
}

/// The id of a socket's user, stored beside [`SocketUser`] for hot paths (every delivery ack
/// looks it up; copying it is cheaper than cloning the user).
#[derive(Clone, Copy, Debug)]
pub struct UserId(pub Id);

/// The `auth` object of the handshake.
#[derive(Debug, Default, Deserialize)]
pub struct ConnectAuth {
    /// A session token (non-browser clients; browsers send the cookie).
    pub token: Option<String>,
}

/// Why a connection was refused: its `Display` is the stable code the client sees as
/// `connect_error`'s `message`.
#[derive(Debug)]
pub struct Refused(pub Code);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl From<AppError> for Refused {
    fn from(err: AppError) -> Self {
        err.log();
        Self(err.code())
    }
}

/// Rooms a user's sockets join besides their rooms: per user, per session, per socket, and the
/// audiences that decide who learns of new public rooms and tickets.
///
/// Sockets of a follow-link session (scoped to one ticket) join `user:{id}:link` instead of
/// `user:{id}`: rooms are joined per user, and such a socket must not follow its customer into
/// their other tickets. User-wide notices (bans) go to both.
pub fn audience_rooms(
    user: &UserRow,
    session_id: Id,
    sid: impl fmt::Display,
    scoped: bool,
) -> Vec<String> {
    let user_room = if scoped {
        format!("user:{}:link", user.id)
    } else {
        format!("user:{}", user.id)
    };
    let mut rooms = vec![
        user_room,
        format!("session:{session_id}"),
        format!("sid:{sid}"),
    ];
    if scoped {
        return rooms;
    }
    if user.role.is_team() {
        rooms.push("team".to_owned());
        if let Some(department) = &user.department {
            rooms.push(format!("dept:{department}"));
        }
    }
    if user.role == Role::Admin {
        rooms.push("admins".to_owned());
    }
    rooms
}

/// Connect middleware: authenticates and subscribes, or refuses with a code (counted).
pub async fn authenticate<A: Adapter>(
    socket: SocketRef<A>,
    TryData(auth): TryData<ConnectAuth>,
    State(state): State<AppState>,
) -> Result<(), Refused> {
    let result = admit(&socket, auth.ok(), &state).await;
    if let Err(Refused(code)) = &result {
        metrics::counter!("switchboard_socket_connect_rejections_total", "code" => code.as_str())
            .increment(1);
    }
    result
}

async fn admit<A: Adapter>(
    socket: &SocketRef<A>,
    auth: Option<ConnectAuth>,
    state: &AppState,
) -> Result<(), Refused> {
    let parts = socket.req_parts();
    let ip = peer_ip(parts, &state.config.trusted_proxies);
    state
        .rate_limits
        .check(
            Action::SocketConnect,
            &crate::ratelimit::ip_key(ip.as_deref().unwrap_or("unknown")),
        )
        .await
        .map_err(|_| Refused(Code::RateLimited))?;
    let bearer = auth.and_then(|a| a.token).filter(|t| !t.is_empty());
    let token = match bearer {
        Some(token) => token,
        None => {
            let token = cookie(&parts.headers, state.config.session_cookie_name())
                .ok_or(Refused(Code::Unauthenticated))?;
            // A browser sends the cookie with a handshake from any site: like a cookie write
            // over REST, it must come from an allowed origin (cross-site WebSocket hijacking).
            check_origin(&state.config, &parts.headers)?;
            token
        }
    };
    let session = auth::authenticate(state, &token).await?;
    let user = SocketUser {
        user: session.user,
        session_id: session.session_id,
        ip,
        scope: session.ticket_scope,
        expires_at: session.expires_at,
    };
    let readable = state
        .store
        .readable_room_ids(&user.viewer())
        .await
        .map_err(AppError::from)?;
    let mut rooms = audience_rooms(&user.user, user.session_id, socket.id, user.scope.is_some());
    rooms.extend(subscriptions::rooms_for_socket(&user, readable));
    socket.join(rooms);
    let user_id = user.user.id;
    socket.extensions.insert(user);
    socket.extensions.insert(UserId(user_id));
    socket.extensions.insert(handlers::SyncInFlight::default());
    // Everything the socket needs is in place before the connect packet goes out: socketioxide
    // runs the connect handler in a task spawned after sending it, so a handler registered
    // there would miss an event the client emits the moment it is connected (its `sync`).
    handlers::register(socket);
    socket.on_disconnect(on_disconnect::<A>);
    metrics::counter!("switchboard_socket_connects_total").increment(1);
    metrics::gauge!("switchboard_sockets_connected").increment(1.0);
    if state.realtime.presence().connected(user_id).await {
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
pub async fn on_connect<A: Adapter>(socket: SocketRef<A>, State(state): State<AppState>) {
    let Some(user) = socket.extensions.get::<SocketUser>() else {
        tracing::error!(sid = %socket.id, "socket connected without a user");
        let _closed = socket.disconnect();
        return;
    };
    tracing::info!(sid = %socket.id, user_id = %user.user.id, transport = ?socket.transport_type(), "socket connected");
    if socket.extensions.get::<FirstSocket>().is_some() {
        state.realtime.presence_changed(user.user.id, true).await;
    }
}

async fn on_disconnect<A: Adapter>(
    socket: SocketRef<A>,
    reason: DisconnectReason,
    State(state): State<AppState>,
) {
    metrics::gauge!("switchboard_sockets_connected").decrement(1.0);
    metrics::counter!("switchboard_socket_disconnects_total", "reason" => reason_label(reason))
        .increment(1);
    let Some(user) = socket.extensions.get::<SocketUser>() else {
        return;
    };
    tracing::info!(sid = %socket.id, user_id = %user.user.id, reason = reason_label(reason), "socket disconnected");
    if state.realtime.presence().disconnected(user.user.id).await {
        let realtime = state.realtime.clone();
        tokio::spawn(async move {
            tokio::time::sleep(super::presence::GRACE).await;
            let presence = realtime.presence();
            if presence.local_count(user.user.id) == 0 && !presence.is_online(user.user.id).await {
                realtime.presence_changed(user.user.id, false).await;
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
