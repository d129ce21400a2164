//! Rooms: kinds, room roles, slugs, titles and tags.

use super::id::text_enum;

text_enum! {
    /// What a room is for; decides who may read it (see [`super::policy`]).
    pub enum RoomKind {
        /// Readable by the team (of its department, if it has one); members write.
        Public => "public",
        /// Members only.
        Private => "private",
        /// A direct conversation between exactly two users.
        Dm => "dm",
        /// A helpdesk ticket's conversation.
        Ticket => "ticket",
    }
}

text_enum! {
    /// A member's role in one room: `member` < `moderator` < `owner`.
    pub enum RoomRole {
        /// Reads and writes.
        Member => "member",
        /// Also deletes others' messages and manages members.
        Moderator => "moderator",
        /// Also edits and deletes the room and appoints moderators.
        Owner => "owner",
    }
}

impl RoomRole {
    /// Rank for comparisons: member 0, moderator 1, owner 2.
    pub fn rank(self) -> u8 {
        match self {
            RoomRole::Member => 0,
            RoomRole::Moderator => 1,
            RoomRole::Owner => 2,
        }
    }

    /// Moderators and owners.
    pub fn moderates(self) -> bool {
        self.rank() >= 1
    }
}

/// Validates a slug: 2..=64 of `a-z`, `0-9`, `-`, `_`, starting with a letter or digit.
pub fn parse_slug(raw: &str) -> Result<String, &'static str> {
    let slug = raw.trim();
    if !(2..=64).contains(&slug.len()) {
        return Err("must be 2 to 64 characters");
    }
    let valid_chars = slug
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    let starts_ok = slug
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if valid_chars && starts_ok {
        Ok(slug.to_owned())
    } else {
        Err("may only contain a-z, 0-9, - and _, and must start with a letter or digit")
    }
}

/// Validates a room title: 1..=100 characters, no control characters.
pub fn parse_title(raw: &str) -> Result<String, &'static str> {
    super::parse_line(raw, 100, "must be at most 100 characters")
}

/// Validates a description: at most 1000 characters.
pub fn parse_description(raw: &str) -> Result<String, &'static str> {
    let description = raw.trim();
    if description.chars().count() > 1000 {
        return Err("must be at most 1000 characters");
    }
    Ok(description.to_owned())
}

/// Validates tags: at most 10, each 1..=32 of `a-z0-9-`, deduplicated, sorted.
pub fn parse_tags(raw: &[String]) -> Result<Vec<String>, &'static str> {
    if raw.len() > 10 {
        return Err("at most 10 tags");
    }
    let mut tags = Vec::with_capacity(raw.len());
    for tag in raw {
        let tag = tag.trim().to_lowercase();
        let valid = (1..=32).contains(&tag.len())
            && tag
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err("each tag must be 1 to 32 of a-z, 0-9 and -");
        }
        tags.push(tag);
    }
    tags.sort();
    tags.dedup();
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(parse_slug("general"), Ok("general".into()));
        assert_eq!(parse_slug("eng-2_x"), Ok("eng-2_x".into()));
        for bad in ["a", "-x", "Upper", "has space", "émoji", &"x".repeat(65)] {
            assert!(parse_slug(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(
            parse_tags(&["B".into(), "a".into(), "b".into()]),
            Ok(vec!["a".into(), "b".into()])
        );
        assert!(parse_tags(&["no spaces".into()]).is_err());
    }

    #[test]
    fn role_ranks() {
        assert!(RoomRole::Owner.moderates());
        assert!(!RoomRole::Member.moderates());
        assert!(RoomRole::Owner.rank() > RoomRole::Moderator.rank());
    }
}
