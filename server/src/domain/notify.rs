//! Notifications: why someone is notified, how they want to hear of a room, and the rule that
//! decides whether a message notifies them (Slack's: a muted room stays unread-counted but
//! notifies only when the person is mentioned by name).

use chrono::{DateTime, NaiveTime, Utc};

use super::id::text_enum;

text_enum! {
    /// Why someone is notified, most specific first.
    pub enum NotificationKind {
        /// They were mentioned: by handle, or by `@here`/`@room`.
        Mention => "mention",
        /// A message in a direct conversation with them.
        Dm => "dm",
        /// A reply in a thread they started or replied to.
        Reply => "reply",
        /// A ticket was assigned to them.
        TicketAssigned => "ticket_assigned",
    }
}

text_enum! {
    /// How a member wants to hear of one room.
    pub enum NotifyLevel {
        /// Every notification the room gives (mentions, thread replies; DMs: every message).
        All => "all",
        /// Only mentions (by handle, `@here` and `@room`).
        Mentions => "mentions",
        /// Nothing, except a mention by handle.
        None => "none",
    }
}

/// Why a message would notify one member, before their settings are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Mentioned by handle.
    Direct,
    /// Mentioned through `@here` or `@room`.
    Group,
    /// A message in their DM.
    Dm,
    /// A reply in their thread.
    Reply,
}

impl Reason {
    /// The notification's kind.
    pub fn kind(self) -> NotificationKind {
        match self {
            Self::Direct | Self::Group => NotificationKind::Mention,
            Self::Dm => NotificationKind::Dm,
            Self::Reply => NotificationKind::Reply,
        }
    }
}

/// Whether `reason` notifies a member whose room setting is `level`, muted until
/// `muted_until`, at `now`. A mention by handle always does; a muted room or `none` allows
/// nothing else; `mentions` allows group mentions too.
pub fn notifies(
    reason: Reason,
    level: NotifyLevel,
    muted_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    if reason == Reason::Direct {
        return true;
    }
    let muted = muted_until.is_some_and(|until| until > now);
    match (level, muted) {
        (NotifyLevel::None, _) | (_, true) => false,
        (NotifyLevel::Mentions, false) => reason == Reason::Group,
        (NotifyLevel::All, false) => true,
    }
}

/// Validates a local time of day `HH:MM` (quiet hours).
pub fn parse_clock(raw: &str) -> Result<String, &'static str> {
    let valid = raw.len() == 5
        && raw.as_bytes()[2] == b':'
        && raw[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && raw[3..].parse::<u8>().is_ok_and(|m| m < 60)
        && raw
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 2 || b.is_ascii_digit());
    if valid {
        Ok(raw.to_owned())
    } else {
        Err("must be a time of day HH:MM")
    }
}

/// Validates a time zone name: `UTC`, or an IANA-style `Area/Location` of letters, digits,
/// `_`, `-`, `+` and `/` (the browser's `Intl` name; the server stores it for display and
/// quiet hours).
pub fn parse_timezone(raw: &str) -> Result<String, &'static str> {
    let tz = raw.trim();
    let valid = (1..=64).contains(&tz.len())
        && (tz == "UTC"
            || (tz.contains('/')
                && !tz.starts_with('/')
                && !tz.ends_with('/')
                && !tz.contains("//")
                && !tz.contains("..")
                && tz
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-+/".contains(&b))));
    if valid {
        Ok(tz.to_owned())
    } else {
        Err("must be a time zone name such as Europe/Berlin or UTC")
    }
}

/// Whether `now` falls in a person's quiet hours (`HH:MM` to `HH:MM`), read in their time zone
/// (IANA names through `chrono-tz`; a name it does not know counts as UTC). Hours that wrap
/// midnight (22:00 to 07:00) are understood; no hours set means never quiet. E-mail digests
/// wait for the end of quiet hours; Web Push and desktop notifications are not shown in them.
pub fn in_quiet_hours(
    start: Option<&str>,
    end: Option<&str>,
    timezone: &str,
    now: DateTime<Utc>,
) -> bool {
    let clock = |text: &str| NaiveTime::parse_from_str(text, "%H:%M").ok();
    let (Some(start), Some(end)) = (start.and_then(clock), end.and_then(clock)) else {
        return false;
    };
    let local = match timezone.parse::<chrono_tz::Tz>() {
        Ok(tz) => now.with_timezone(&tz).time(),
        Err(_) => now.time(),
    };
    if start <= end {
        start <= local && local < end
    } else {
        local >= start || local < end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_by_handle_always_notifies() {
        let now = Utc::now();
        let muted = Some(now + chrono::Duration::hours(1));
        for level in NotifyLevel::ALL {
            assert!(notifies(Reason::Direct, *level, muted, now));
        }
    }

    #[test]
    fn muted_rooms_and_none_allow_nothing_else() {
        let now = Utc::now();
        let muted = Some(now + chrono::Duration::hours(1));
        for reason in [Reason::Group, Reason::Dm, Reason::Reply] {
            assert!(!notifies(reason, NotifyLevel::All, muted, now));
            assert!(!notifies(reason, NotifyLevel::None, None, now));
        }
        // A mute that ended is no mute.
        let ended = Some(now - chrono::Duration::minutes(1));
        assert!(notifies(Reason::Reply, NotifyLevel::All, ended, now));
    }

    #[test]
    fn mentions_only_allows_group_mentions() {
        let now = Utc::now();
        assert!(notifies(Reason::Group, NotifyLevel::Mentions, None, now));
        assert!(!notifies(Reason::Reply, NotifyLevel::Mentions, None, now));
        assert!(!notifies(Reason::Dm, NotifyLevel::Mentions, None, now));
        assert!(notifies(Reason::Dm, NotifyLevel::All, None, now));
    }

    #[test]
    fn clocks_and_time_zones_are_checked() {
        assert!(parse_clock("22:30").is_ok());
        assert!(parse_clock("24:00").is_err());
        assert!(parse_clock("7:30").is_err());
        assert!(parse_clock("07-30").is_err());
        assert!(parse_clock("+1:30").is_err());
        assert!(parse_timezone("Europe/Berlin").is_ok());
        assert!(parse_timezone("America/Argentina/Buenos_Aires").is_ok());
        assert!(parse_timezone("UTC").is_ok());
        assert!(parse_timezone("../etc/passwd").is_err());
        assert!(parse_timezone("Berlin").is_err());
        assert!(parse_timezone("<script>/x").is_err());
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn quiet_hours_wrap_midnight_in_the_persons_time_zone() {
        let quiet = |start, end, tz, now| in_quiet_hours(Some(start), Some(end), tz, at(now));
        assert!(quiet("22:00", "07:00", "UTC", "2026-01-10T23:30:00Z"));
        assert!(quiet("22:00", "07:00", "UTC", "2026-01-10T06:59:00Z"));
        assert!(!quiet("22:00", "07:00", "UTC", "2026-01-10T07:00:00Z"));
        assert!(!quiet("22:00", "07:00", "UTC", "2026-01-10T12:00:00Z"));
        // 21:30 UTC is 22:30 in Berlin in winter, 23:30 in summer.
        assert!(quiet(
            "22:00",
            "07:00",
            "Europe/Berlin",
            "2026-01-10T21:30:00Z"
        ));
        assert!(quiet(
            "22:00",
            "07:00",
            "Europe/Berlin",
            "2026-07-10T21:30:00Z"
        ));
        assert!(!quiet(
            "22:00",
            "07:00",
            "Europe/Berlin",
            "2026-01-10T20:30:00Z"
        ));
        assert!(quiet(
            "09:00",
            "17:00",
            "America/New_York",
            "2026-01-10T15:00:00Z"
        ));
        assert!(!quiet(
            "09:00",
            "17:00",
            "America/New_York",
            "2026-01-10T23:00:00Z"
        ));
        // No hours, or half of them: never quiet.
        assert!(!in_quiet_hours(
            None,
            None,
            "UTC",
            at("2026-01-10T23:30:00Z")
        ));
        assert!(!in_quiet_hours(
            Some("22:00"),
            None,
            "UTC",
            at("2026-01-10T23:30:00Z")
        ));
    }
}
