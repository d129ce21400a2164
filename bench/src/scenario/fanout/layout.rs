//! The room shapes of `fanout`: which rooms there are, who may read them, and where every
//! socket is. The same layout drives Switchboard, the Node baseline and the raw websocket
//! reference, so the three carry the same traffic.

use anyhow::bail;
use serde::Serialize;

use super::FanoutArgs;
use crate::fixture::Access;

/// A shape of rooms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// Private rooms x members, every socket a member of one room (stepped).
    Private,
    /// Public rooms without a department (every user may read every room), every socket a
    /// member of one; `--watchers-per-room` sockets of each also watch the next room (stepped).
    Public,
    /// One public room of many sockets and one sender at a fixed `--rate` (not stepped).
    Announce,
}

impl Shape {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Public => "public",
            Self::Announce => "announce",
        }
    }
}

/// Where a run's sockets are.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Layout {
    /// The shape.
    pub shape: Shape,
    /// Rooms.
    pub rooms: usize,
    /// Sockets per room; the first one of each room sends.
    pub members: usize,
    /// Sockets per signed-in user (a room's sockets are shared out over its users).
    pub sockets_per_user: usize,
    /// Sockets per room (after the sender) that also watch the next room.
    pub watchers_per_room: usize,
}

impl Layout {
    /// The layout `args` ask for, with the shape's defaults.
    pub fn of(args: &FanoutArgs) -> anyhow::Result<Self> {
        let announce = args.shape == Shape::Announce;
        let rooms = args.rooms.unwrap_or(if announce { 1 } else { 10 });
        let members = args.members.unwrap_or(if announce { 5000 } else { 50 });
        let layout = Self {
            shape: args.shape,
            rooms,
            members,
            sockets_per_user: args.sockets_per_user.max(1),
            watchers_per_room: args.watchers_per_room,
        };
        if rooms == 0 || members == 0 {
            bail!("--rooms and --members must be at least 1");
        }
        if announce && rooms != 1 {
            bail!("--shape announce is one room (leave out --rooms)");
        }
        if layout.watchers_per_room > 0 {
            if args.shape != Shape::Public {
                bail!("--watchers-per-room needs --shape public");
            }
            if rooms < 2 || layout.watchers_per_room >= members {
                bail!(
                    "watchers watch the next room: give at least 2 rooms and fewer watchers than members"
                );
            }
        }
        Ok(layout)
    }

    /// Who may read the rooms.
    pub fn access(&self) -> Access {
        match self.shape {
            Shape::Private => Access::Private,
            Shape::Public | Shape::Announce => Access::Public,
        }
    }

    /// Whether the rate steps up to saturation (or stays at `--rate`).
    pub fn stepped(&self) -> bool {
        self.shape != Shape::Announce
    }

    /// Users per room.
    pub fn users_per_room(&self) -> usize {
        self.members.div_ceil(self.sockets_per_user)
    }

    /// Sockets in all.
    pub fn sockets(&self) -> usize {
        self.rooms * self.members
    }

    /// Sockets that receive each message (members and watchers).
    pub fn fanout(&self) -> usize {
        self.members + self.watchers_per_room
    }

    /// Which user of its room socket `member` signs in as.
    pub fn user_of(&self, member: usize) -> usize {
        member / self.sockets_per_user
    }

    /// The room socket `member` of room `room` watches, if it is a watcher.
    pub fn watched_by(&self, room: usize, member: usize) -> Option<usize> {
        (member >= 1 && member <= self.watchers_per_room).then(|| (room + 1) % self.rooms)
    }

    /// `10 private rooms x 50 sockets` and the rest that applies.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "{}: {} {} room(s) x {} sockets",
            self.shape.name(),
            self.rooms,
            match self.access() {
                Access::Private => "private",
                Access::Public => "public",
            },
            self.members
        );
        if self.sockets_per_user > 1 {
            text.push_str(&format!(
                " ({} users x {} sockets each per room)",
                self.users_per_room(),
                self.sockets_per_user
            ));
        }
        if self.watchers_per_room > 0 {
            text.push_str(&format!(
                ", {} watchers of the next room per room",
                self.watchers_per_room
            ));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(shape: Shape, watchers: usize) -> Layout {
        Layout {
            shape,
            rooms: 3,
            members: 10,
            sockets_per_user: 4,
            watchers_per_room: watchers,
        }
    }

    #[test]
    fn watchers_follow_the_next_room_and_are_not_senders() {
        let l = layout(Shape::Public, 2);
        assert_eq!(l.watched_by(0, 0), None, "the sender only sends");
        assert_eq!(l.watched_by(0, 1), Some(1));
        assert_eq!(l.watched_by(2, 2), Some(0));
        assert_eq!(l.watched_by(2, 3), None);
        assert_eq!(l.fanout(), 12);
    }

    #[test]
    fn sockets_share_users() {
        let l = layout(Shape::Private, 0);
        assert_eq!(l.users_per_room(), 3);
        assert_eq!((l.user_of(3), l.user_of(4), l.user_of(9)), (0, 1, 2));
        assert_eq!(l.sockets(), 30);
    }
}
