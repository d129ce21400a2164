//! The one access policy: who may read and write what (DESIGN §5).
//!
//! REST handlers, socket handlers, subscriptions, search, export and the activity feed all ask
//! [`authorize`]; list queries in the stores encode the same read rule in SQL, and the access
//! matrix test checks both against each other.

use super::{
    Id,
    room::{RoomKind, RoomRole},
    user::Role,
};

/// The signed-in user, as far as access decisions go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    /// The user's id.
    pub id: Id,
    /// Global role.
    pub role: Role,
    /// Department, if any.
    pub department: Option<String>,
    /// A session opened by a ticket's follow link reads that ticket only.
    pub scope: Option<Id>,
}

impl Viewer {
    /// A viewer with the full access of their role (no ticket scope).
    pub fn new(id: Id, role: Role, department: Option<String>) -> Self {
        Self {
            id,
            role,
            department,
            scope: None,
        }
    }
}

/// What the policy needs to know about a room, relative to one viewer.
#[derive(Clone, Debug)]
pub struct RoomFacts {
    /// The room's id.
    pub id: Id,
    /// The room's kind.
    pub kind: RoomKind,
    /// The room's department (`None` = everyone).
    pub department: Option<String>,
    /// The viewer's membership role, if a member.
    pub my_role: Option<RoomRole>,
    /// True while the room is archived: readable, but nobody writes in it.
    pub archived: bool,
    /// For ticket rooms: who asked and who works it.
    pub ticket: Option<TicketParties>,
}

/// The people a ticket belongs to.
#[derive(Clone, Copy, Debug)]
pub struct TicketParties {
    /// The customer who opened it.
    pub requester: Id,
    /// The staff member working it.
    pub assignee: Option<Id>,
    /// True once closed: customers open a new ticket instead of writing in it.
    pub closed: bool,
}

/// Things a viewer may try to do in a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// See the room, its messages and members; receive its events.
    Read,
    /// Post a message (edits of one's own messages need this too).
    Post,
    /// Add or remove one's reactions.
    React,
    /// Pin a message to the room, or unpin one (whoever may post).
    Pin,
    /// Delete someone else's message.
    DeleteOthers,
    /// Add a member.
    Invite,
    /// Remove members or change their room role.
    ManageMembers,
    /// Change title, description, tags or department.
    UpdateRoom,
    /// Delete the room.
    DeleteRoom,
    /// Join without an invitation.
    Join,
    /// Archive the room or restore it (moderators, owners, admins).
    Archive,
    /// Change a ticket's status, assignee, priority or department.
    ManageTicket,
}

/// Why an action was refused. Unreadable rooms are reported as missing so that their existence
/// does not leak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denial {
    /// The room is invisible to the viewer (404).
    NotFound,
    /// Observers never write (403 `READ_ONLY`).
    ReadOnly,
    /// Readable, but only members may do this (403 `NOT_MEMBER`).
    NotMember,
    /// Readable, but not allowed for this viewer (403 `FORBIDDEN`).
    Forbidden(&'static str),
    /// The room is archived: nobody writes in it until it is restored (409 `ROOM_ARCHIVED`).
    Archived,
}

/// Decides whether `viewer` may do `action` in `room`.
pub fn authorize(viewer: &Viewer, room: &RoomFacts, action: Action) -> Result<(), Denial> {
    // Admins may delete or archive private rooms they cannot read (moderation), never DMs.
    if matches!(action, Action::DeleteRoom | Action::Archive)
        && viewer.role == Role::Admin
        && room.kind == RoomKind::Private
    {
        return Ok(());
    }
    if !can_read(viewer, room) {
        return Err(Denial::NotFound);
    }
    if action == Action::Read {
        return Ok(());
    }
    if !viewer.role.can_write() {
        return Err(Denial::ReadOnly);
    }
    if room.archived && frozen_by_archive(action) {
        return Err(Denial::Archived);
    }
    match room.kind {
        RoomKind::Ticket => authorize_ticket_write(viewer, room, action),
        RoomKind::Dm => authorize_dm_write(room, action),
        RoomKind::Public | RoomKind::Private => authorize_room_write(viewer, room, action),
    }
}

/// What an archived room refuses to everyone: every change of its messages, reactions, pins
/// and members. Reading, leaving, restoring and deleting it stay possible.
fn frozen_by_archive(action: Action) -> bool {
    !matches!(action, Action::Read | Action::DeleteRoom | Action::Archive)
}

/// Whether `viewer` may mention everyone in `room` (`@room`), which has `members` members: in
/// a room of at most `limit` members anyone who may post may; in a bigger one only its
/// moderators and owners, and admins.
pub fn may_mention_everyone(
    viewer: &Viewer,
    room: &RoomFacts,
    members: i64,
    limit: i64,
) -> Result<(), Denial> {
    if members <= limit
        || viewer.role == Role::Admin
        || room.my_role.is_some_and(RoomRole::moderates)
    {
        Ok(())
    } else {
        Err(Denial::Forbidden(
            "only moderators mention @room in a room this big",
        ))
    }
}

/// Whether `inviter` (allowed to invite in `room`) may make `newcomer` a member with `role`.
/// The newcomer must be able to read the room once a member (customers join tickets only).
/// A department's room is that department's: a plain member may add people of the
/// department only; pulling in someone from elsewhere takes a moderator, owner or admin.
pub fn may_add_member(
    inviter: &Viewer,
    room: &RoomFacts,
    newcomer: &Viewer,
    role: RoomRole,
) -> Result<(), Denial> {
    let as_member = RoomFacts {
        my_role: Some(role),
        ..room.clone()
    };
    if !can_read(newcomer, &as_member)
        || (newcomer.role == Role::Customer && room.kind != RoomKind::Ticket)
    {
        return Err(Denial::Forbidden(
            "this user cannot be a member of this room",
        ));
    }
    let outsider = room.department.is_some()
        && matches!(room.kind, RoomKind::Public | RoomKind::Private)
        && !in_department(newcomer, room.department.as_deref());
    let moderates = inviter.role == Role::Admin || room.my_role.is_some_and(RoomRole::moderates);
    if outsider && !moderates {
        return Err(Denial::Forbidden(
            "only moderators add people from outside the room's department",
        ));
    }
    Ok(())
}

/// The read rule on its own.
pub fn can_read(viewer: &Viewer, room: &RoomFacts) -> bool {
    if viewer.scope.is_some_and(|scope| scope != room.id) {
        return false;
    }
    let is_party = room
        .ticket
        .is_some_and(|t| t.requester == viewer.id || t.assignee == Some(viewer.id));
    if viewer.role == Role::Customer {
        return room.kind == RoomKind::Ticket && (is_party || room.my_role.is_some());
    }
    if room.my_role.is_some() || is_party {
        return true;
    }
    match room.kind {
        RoomKind::Private | RoomKind::Dm => false,
        RoomKind::Public | RoomKind::Ticket => in_department(viewer, room.department.as_deref()),
    }
}

/// True when a team member (admin, staff, observer) covers `department`.
fn in_department(viewer: &Viewer, department: Option<&str>) -> bool {
    viewer.role.is_team()
        && (viewer.role == Role::Admin
            || department.is_none()
            || viewer.department.as_deref() == department)
}

fn authorize_ticket_write(viewer: &Viewer, room: &RoomFacts, action: Action) -> Result<(), Denial> {
    let staff_side = allows(viewer.role, Capability::WorkTickets);
    let closed = room.ticket.is_some_and(|t| t.closed);
    match action {
        Action::Post | Action::Pin if closed && !staff_side => Err(Denial::Forbidden(
            "this ticket is closed; please open a new one",
        )),
        Action::Read | Action::Post | Action::React | Action::Pin => Ok(()),
        Action::DeleteOthers | Action::Invite | Action::ManageMembers | Action::ManageTicket
            if staff_side =>
        {
            Ok(())
        }
        Action::DeleteOthers | Action::Invite | Action::ManageMembers | Action::ManageTicket => {
            Err(Denial::Forbidden("only staff manage tickets"))
        }
        Action::UpdateRoom | Action::Join | Action::Archive => Err(Denial::Forbidden(
            "tickets are changed through the ticket API",
        )),
        Action::DeleteRoom if viewer.role == Role::Admin => Ok(()),
        Action::DeleteRoom => Err(Denial::Forbidden("only admins delete tickets")),
    }
}

fn authorize_dm_write(room: &RoomFacts, action: Action) -> Result<(), Denial> {
    match action {
        Action::Read => Ok(()),
        Action::Post | Action::React | Action::Pin if room.my_role.is_some() => Ok(()),
        Action::Post | Action::React | Action::Pin => Err(Denial::NotMember),
        _ => Err(Denial::Forbidden("direct messages cannot be managed")),
    }
}

fn authorize_room_write(viewer: &Viewer, room: &RoomFacts, action: Action) -> Result<(), Denial> {
    let admin = viewer.role == Role::Admin;
    let role = room.my_role;
    let moderates = admin || role.is_some_and(RoomRole::moderates);
    match action {
        Action::Read => Ok(()),
        Action::Archive if moderates => Ok(()),
        Action::ManageTicket => Err(Denial::Forbidden("not a ticket")),
        Action::Join if role.is_some() => Ok(()),
        Action::Join if room.kind == RoomKind::Public => Ok(()),
        Action::Join => Err(Denial::Forbidden("private rooms are invitation only")),
        Action::Post | Action::React | Action::Pin if role.is_some() => Ok(()),
        Action::Post | Action::React | Action::Pin => Err(Denial::NotMember),
        Action::Invite if room.kind == RoomKind::Public && (role.is_some() || admin) => Ok(()),
        Action::Invite | Action::DeleteOthers | Action::ManageMembers | Action::UpdateRoom
            if moderates =>
        {
            Ok(())
        }
        Action::DeleteRoom if admin || role == Some(RoomRole::Owner) => Ok(()),
        Action::Invite
        | Action::ManageMembers
        | Action::DeleteOthers
        | Action::UpdateRoom
        | Action::DeleteRoom
        | Action::Archive
            if role.is_none() =>
        {
            Err(Denial::NotMember)
        }
        _ => Err(Denial::Forbidden("needs a higher room role")),
    }
}

/// What a user may do outside any one room, by global role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capability {
    /// Create, change, ban, invite and deactivate accounts (admins).
    ManageUsers,
    /// Read the audit log and download it (admins).
    ReadAudit,
    /// Read telemetry and staff analytics (admins).
    ReadOperations,
    /// Read the earlier text of deleted messages in their edit history (admins).
    ReadRemovedMessages,
    /// See the team: the directory, Discover, DMs' people, the ticket assistant (the team).
    SeeTeam,
    /// Write anything at all (everyone but observers).
    Write,
    /// Work the helpdesk: open tickets for customers, answer as staff, be assigned (staff and
    /// admins).
    WorkTickets,
    /// Start a DM or create a room (writing team members).
    StartConversations,
    /// Own a room (writing team members).
    OwnRooms,
    /// Read other people's e-mail addresses (the team; customers see names only).
    SeeEmails,
    /// Open tickets as their requester, and follow them by link (customers).
    RequestTickets,
}

/// Whether `role` has `capability`.
pub fn allows(role: Role, capability: Capability) -> bool {
    use Capability::*;
    match capability {
        ManageUsers | ReadAudit | ReadOperations | ReadRemovedMessages => role == Role::Admin,
        SeeTeam | SeeEmails => role.is_team(),
        Write => role.can_write(),
        WorkTickets => matches!(role, Role::Admin | Role::Staff),
        StartConversations | OwnRooms => role.is_team() && role.can_write(),
        RequestTickets => role == Role::Customer,
    }
}

/// Refuses `capability` to `viewer`: observers are `ReadOnly` for writes, everyone else
/// `Forbidden`.
pub fn require(viewer: &Viewer, capability: Capability) -> Result<(), Denial> {
    if allows(viewer.role, capability) {
        return Ok(());
    }
    let writes = matches!(
        capability,
        Capability::Write | Capability::StartConversations | Capability::WorkTickets
    );
    if writes && !viewer.role.can_write() && viewer.role.is_team() {
        return Err(Denial::ReadOnly);
    }
    Err(Denial::Forbidden(match capability {
        Capability::ManageUsers
        | Capability::ReadAudit
        | Capability::ReadOperations
        | Capability::ReadRemovedMessages => "admins only",
        Capability::SeeTeam | Capability::SeeEmails => "not available to customers",
        Capability::WorkTickets => "only staff work tickets",
        Capability::StartConversations | Capability::OwnRooms | Capability::Write => {
            "not allowed for this account"
        }
        Capability::RequestTickets => "only customers request tickets",
    }))
}

/// Whether `viewer` may see the profile of another person: the team sees everyone; customers
/// see only the people they share a ticket with (and themselves).
pub fn can_see_person(viewer: &Viewer, person: Id, shares_ticket: bool) -> bool {
    viewer.id == person || allows(viewer.role, Capability::SeeTeam) || shares_ticket
}

/// Whether a room's member with role `actor` (or an admin) may change members' room roles.
pub fn may_change_roles(viewer: &Viewer, room: &RoomFacts) -> bool {
    viewer.role == Role::Admin
        || room.my_role == Some(RoomRole::Owner)
        || room.kind == RoomKind::Ticket
}

/// The room rank below which `viewer` may remove members (admins and ticket staff any; others
/// only members below their own room role).
pub fn removal_rank(viewer: &Viewer, room: &RoomFacts) -> u8 {
    if viewer.role == Role::Admin || room.kind == RoomKind::Ticket {
        u8::MAX
    } else {
        room.my_role.map_or(0, RoomRole::rank)
    }
}

/// Whether `viewer` may hand ownership of `room` over: its owner, or an admin for them.
pub fn may_transfer_ownership(viewer: &Viewer, room: &RoomFacts) -> bool {
    room.my_role == Some(RoomRole::Owner) || viewer.role == Role::Admin
}

/// Whether a follow-link session of `role` still stands (links are for customers only).
pub fn link_session_valid(role: Role) -> bool {
    allows(role, Capability::RequestTickets)
}

/// The socket audiences of a full session: everyone of the team hears of rooms without a
/// department, department members of theirs, admins of every department's.
pub fn audiences(role: Role, department: Option<&str>) -> (bool, Option<String>, bool) {
    let team = role.is_team();
    (
        team,
        department.filter(|_| team).map(str::to_owned),
        role == Role::Admin,
    )
}

/// The routes a follow-link session may call, as `(method, route template)`; `{id}` in a
/// `/rooms` or `/tickets` template must be the session's ticket. Message routes are not tied
/// to an id here: the message's room is checked by [`can_read`], which holds the session to
/// its ticket.
const LINK_SESSION_ROUTES: &[(&str, &str)] = &[
    ("GET", "/auth/me"),
    ("GET", "/auth/session"),
    ("POST", "/auth/logout"),
    ("GET", "/tickets"),
    ("GET", "/tickets/{id}"),
    ("GET", "/rooms/{id}"),
    ("GET", "/rooms/{id}/messages"),
    ("POST", "/rooms/{id}/messages"),
    ("POST", "/rooms/{id}/read"),
    ("GET", "/rooms/{id}/members"),
    ("PATCH", "/messages/{id}"),
    ("DELETE", "/messages/{id}"),
    ("GET", "/messages/{id}/thread"),
    ("GET", "/messages/{id}/history"),
    ("GET", "/messages/{id}/reactions"),
    ("PUT", "/messages/{id}/reactions/{emoji}"),
    ("DELETE", "/messages/{id}/reactions/{emoji}"),
    ("POST", "/rooms/{id}/uploads"),
    ("GET", "/rooms/{id}/attachments"),
    // The attachment's room is checked against the ticket by the policy itself.
    ("GET", "/attachments/{id}"),
    ("GET", "/attachments/{id}/thumbnail"),
];

/// Whether a session opened by a follow link for ticket `scope` may call `method` on the API
/// route `route` (its template, relative to `/api/v1`) with the concrete `path`. Everything
/// else answers 403 for such a session, whatever the handler would do.
pub fn link_session_allows(method: &str, route: &str, path: &str, scope: Id) -> bool {
    if !LINK_SESSION_ROUTES
        .iter()
        .any(|(m, r)| *m == method && *r == route)
    {
        return false;
    }
    if !(route.starts_with("/rooms/") || route.starts_with("/tickets/")) {
        return true;
    }
    // The id is the second segment of the template and of the path.
    path.trim_start_matches('/')
        .split('/')
        .nth(1)
        .and_then(|id| id.parse::<Id>().ok())
        == Some(scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_sessions_call_only_their_ticket() {
        let ticket = Id::new();
        let other = Id::new();
        let path = |p: &str| {
            p.replace("T", &ticket.to_string())
                .replace("O", &other.to_string())
        };
        assert!(link_session_allows(
            "GET",
            "/tickets/{id}",
            &path("/tickets/T"),
            ticket
        ));
        assert!(link_session_allows(
            "POST",
            "/rooms/{id}/messages",
            &path("/rooms/T/messages"),
            ticket
        ));
        assert!(!link_session_allows(
            "GET",
            "/rooms/{id}/messages",
            &path("/rooms/O/messages"),
            ticket
        ));
        assert!(!link_session_allows(
            "PATCH",
            "/tickets/{id}",
            &path("/tickets/T"),
            ticket
        ));
        for (method, route) in [
            ("GET", "/rooms"),
            ("GET", "/search"),
            ("GET", "/admin/users"),
            ("POST", "/dms"),
            ("GET", "/activity"),
            ("GET", "/users"),
            ("POST", "/rooms/{id}/export"),
            ("GET", "/me/sessions"),
        ] {
            assert!(
                !link_session_allows(method, route, &path("/rooms/T/export"), ticket),
                "{method} {route}"
            );
        }
    }

    fn viewer(role: Role, department: Option<&str>) -> Viewer {
        Viewer::new(Id::new(), role, department.map(Into::into))
    }

    fn room(kind: RoomKind, department: Option<&str>, my_role: Option<RoomRole>) -> RoomFacts {
        RoomFacts {
            id: Id::new(),
            kind,
            department: department.map(Into::into),
            my_role,
            archived: false,
            ticket: None,
        }
    }

    #[test]
    fn archived_rooms_are_read_only_for_everyone() {
        let admin = viewer(Role::Admin, None);
        let owner = viewer(Role::Staff, None);
        let mut general = room(RoomKind::Public, None, Some(RoomRole::Owner));
        general.archived = true;
        for who in [&admin, &owner] {
            for action in [
                Action::Post,
                Action::React,
                Action::Pin,
                Action::Invite,
                Action::ManageMembers,
                Action::UpdateRoom,
                Action::Join,
            ] {
                assert_eq!(authorize(who, &general, action), Err(Denial::Archived));
            }
            for action in [Action::Read, Action::Archive, Action::DeleteRoom] {
                assert_eq!(authorize(who, &general, action), Ok(()), "{action:?}");
            }
        }
    }

    #[test]
    fn moderators_and_admins_archive_members_do_not() {
        let staff = viewer(Role::Staff, None);
        for (role, allowed) in [
            (RoomRole::Member, false),
            (RoomRole::Moderator, true),
            (RoomRole::Owner, true),
        ] {
            let general = room(RoomKind::Public, None, Some(role));
            assert_eq!(
                authorize(&staff, &general, Action::Archive).is_ok(),
                allowed
            );
        }
        let admin = viewer(Role::Admin, None);
        assert_eq!(
            authorize(&admin, &room(RoomKind::Public, None, None), Action::Archive),
            Ok(())
        );
        assert!(
            authorize(
                &admin,
                &room(RoomKind::Dm, None, Some(RoomRole::Member)),
                Action::Archive
            )
            .is_err()
        );
    }

    #[test]
    fn department_rooms_are_read_by_their_department_only() {
        let billing_room = room(RoomKind::Public, Some("billing"), None);
        assert!(can_read(
            &viewer(Role::Staff, Some("billing")),
            &billing_room
        ));
        assert!(!can_read(
            &viewer(Role::Staff, Some("engineering")),
            &billing_room
        ));
        assert!(can_read(&viewer(Role::Admin, None), &billing_room));
        assert!(!can_read(
            &viewer(Role::Customer, Some("billing")),
            &billing_room
        ));
    }

    #[test]
    fn admins_do_not_read_dms_or_private_rooms_silently() {
        let admin = viewer(Role::Admin, None);
        for kind in [RoomKind::Dm, RoomKind::Private] {
            assert_eq!(
                authorize(&admin, &room(kind, None, None), Action::Read),
                Err(Denial::NotFound)
            );
        }
        assert_eq!(
            authorize(
                &admin,
                &room(RoomKind::Private, None, None),
                Action::DeleteRoom
            ),
            Ok(())
        );
    }

    #[test]
    fn observers_never_write() {
        let observer = viewer(Role::Observer, None);
        let general = room(RoomKind::Public, None, Some(RoomRole::Owner));
        assert_eq!(authorize(&observer, &general, Action::Read), Ok(()));
        for action in [
            Action::Post,
            Action::React,
            Action::Join,
            Action::DeleteRoom,
        ] {
            assert_eq!(
                authorize(&observer, &general, action),
                Err(Denial::ReadOnly)
            );
        }
    }

    #[test]
    fn follow_link_sessions_read_one_ticket() {
        let mut customer = viewer(Role::Customer, None);
        let mut ticket = room(RoomKind::Ticket, None, Some(RoomRole::Member));
        customer.scope = Some(ticket.id);
        assert!(can_read(&customer, &ticket));
        ticket.id = Id::new();
        assert!(!can_read(&customer, &ticket));
    }

    #[test]
    fn customers_see_only_their_tickets() {
        let customer = viewer(Role::Customer, None);
        let mut ticket = room(RoomKind::Ticket, Some("support"), None);
        assert!(!can_read(&customer, &ticket));
        ticket.ticket = Some(TicketParties {
            requester: customer.id,
            assignee: None,
            closed: false,
        });
        assert_eq!(authorize(&customer, &ticket, Action::Post), Ok(()));
        assert!(authorize(&customer, &ticket, Action::ManageMembers).is_err());
    }
}
