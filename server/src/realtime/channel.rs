//! The Socket.IO rooms the server puts sockets in, typed. A socket never names a room itself:
//! the server joins it to the channels below from memberships and the access policy, and keeps
//! them current. A room's messages reach its members (`room:{id}`) and the sockets watching it
//! while they show it (`watch:{id}`), never everyone who merely may read it.

use std::fmt;

use crate::domain::Id;
use socketioxide::socket::Sid;

/// A Socket.IO room.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Members of a chat room, DM or ticket (requester and assignee included): `room:{id}`.
    Room(Id),
    /// Sockets showing a room they may read without being members: `watch:{id}`.
    Watch(Id),
    /// Every full-access socket of a user: `user:{id}`.
    User(Id),
    /// The follow-link sockets of a customer: `user:{id}:link` (kept apart from `User`, so
    /// per-user joins never carry a link's socket into the customer's other tickets).
    UserLink(Id),
    /// The sockets of one session: `session:{id}`.
    Session(Id),
    /// One socket: `sid:{sid}`.
    Socket(Sid),
    /// Every team member's sockets (who hears of rooms without a department): `team`.
    Team,
    /// A department's team sockets: `dept:{name}`.
    Department(String),
    /// Every admin's sockets: `admins`.
    Admins,
    /// This instance's sockets that take messages one by one, without `message:batch`:
    /// `one-by-one` (joined locally; batches are broadcast to everyone else).
    OneByOne,
}

impl Channel {
    /// The room's name on the wire (and in the Redis adapter).
    pub fn name(&self) -> String {
        self.to_string()
    }

    /// Everyone following a room now: its members and its watchers.
    pub fn followers(room: Id) -> Vec<Channel> {
        vec![Channel::Room(room), Channel::Watch(room)]
    }

    /// Who may read a public room or a ticket of `department` besides its members and parties.
    pub fn audiences(department: Option<&str>) -> Vec<Channel> {
        match department {
            None => vec![Channel::Team],
            Some(d) => vec![Channel::Department(d.to_owned()), Channel::Admins],
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Channel::Room(id) => write!(f, "room:{id}"),
            Channel::Watch(id) => write!(f, "watch:{id}"),
            Channel::User(id) => write!(f, "user:{id}"),
            Channel::UserLink(id) => write!(f, "user:{id}:link"),
            Channel::Session(id) => write!(f, "session:{id}"),
            Channel::Socket(sid) => write!(f, "sid:{sid}"),
            Channel::Team => f.write_str("team"),
            Channel::Department(name) => write!(f, "dept:{name}"),
            Channel::Admins => f.write_str("admins"),
            Channel::OneByOne => f.write_str("one-by-one"),
        }
    }
}

/// Names of channels, for the adapter's operations.
pub fn names(channels: impl IntoIterator<Item = Channel>) -> Vec<String> {
    channels.into_iter().map(|c| c.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_keep_their_wire_names() {
        let id: Id = "0192f7a8-3c1e-7000-8000-000000000000"
            .parse()
            .unwrap_or_default();
        assert_eq!(
            Channel::Room(id).name(),
            "room:0192f7a8-3c1e-7000-8000-000000000000"
        );
        assert_eq!(
            Channel::UserLink(id).name(),
            "user:0192f7a8-3c1e-7000-8000-000000000000:link"
        );
        assert_eq!(Channel::Department("billing".into()).name(), "dept:billing");
        assert_eq!(names(Channel::audiences(None)), vec!["team".to_owned()]);
        assert_eq!(
            names(Channel::audiences(Some("support"))),
            vec!["dept:support".to_owned(), "admins".to_owned()]
        );
    }
}
