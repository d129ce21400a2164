//! Who a socket belongs to: set at connect, read by the inbound handlers (to act as the user),
//! the fan-out (to find a user's sockets) and the session checks.

use crate::{
    domain::{Id, policy::Viewer},
    service::Actor,
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
