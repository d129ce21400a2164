//! Quotas: what each rate-limited [`Action`] may do per period, as configured
//! (`RATE_LIMIT_<ACTION>=<count>/<period>`) or by default. Values only; the limiters that
//! enforce them are in `crate::ratelimit`.

use std::{collections::HashMap, fmt, str::FromStr, time::Duration};

/// Things that are rate limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Sign-in attempts per client IP.
    LoginIp,
    /// Sign-in attempts per e-mail address.
    LoginEmail,
    /// Registrations per client IP.
    Register,
    /// Public support form submissions per client IP.
    SupportForm,
    /// Messages sent per user (REST and sockets).
    MessageSend,
    /// Reaction changes per user.
    Reaction,
    /// Pins and unpins per user.
    Pin,
    /// Saves and unsaves of messages per user.
    Save,
    /// File uploads per user (rooms and the support form's files count per sender).
    Upload,
    /// Message edits per user.
    MessageEdit,
    /// Message deletions per user.
    MessageDelete,
    /// Read-cursor updates per user.
    Read,
    /// Typing notices per user.
    Typing,
    /// `sync` calls per user.
    Sync,
    /// `room:watch` calls per user.
    RoomWatch,
    /// E-mails about an account asked for anonymously (password reset, verification), per
    /// address.
    AccountEmail,
    /// Anonymous account requests (password reset, verification, token use) per client IP.
    AccountIp,
    /// Password changes per user.
    PasswordChange,
    /// Searches per user.
    Search,
    /// AI assistant refreshes per user.
    AiRefresh,
    /// Profile and status changes per user.
    ProfileUpdate,
    /// Socket.IO connections per client IP.
    SocketConnect,
    /// Any REST request per client IP.
    RestIp,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 23] = [
        Action::LoginIp,
        Action::LoginEmail,
        Action::Register,
        Action::SupportForm,
        Action::MessageSend,
        Action::Reaction,
        Action::Pin,
        Action::Save,
        Action::Upload,
        Action::MessageEdit,
        Action::MessageDelete,
        Action::Read,
        Action::Typing,
        Action::Sync,
        Action::RoomWatch,
        Action::AccountEmail,
        Action::AccountIp,
        Action::PasswordChange,
        Action::Search,
        Action::AiRefresh,
        Action::ProfileUpdate,
        Action::SocketConnect,
        Action::RestIp,
    ];

    /// Name in metrics, keys and `RATE_LIMIT_<NAME>` (upper-cased).
    pub fn name(self) -> &'static str {
        match self {
            Action::LoginIp => "login_ip",
            Action::LoginEmail => "login_email",
            Action::Register => "register",
            Action::SupportForm => "support_form",
            Action::MessageSend => "message_send",
            Action::Reaction => "reaction",
            Action::Pin => "pin",
            Action::Save => "save",
            Action::Upload => "upload",
            Action::MessageEdit => "message_edit",
            Action::MessageDelete => "message_delete",
            Action::Read => "read",
            Action::Typing => "typing",
            Action::Sync => "sync",
            Action::RoomWatch => "room_watch",
            Action::AccountEmail => "account_email",
            Action::AccountIp => "account_ip",
            Action::PasswordChange => "password_change",
            Action::Search => "search",
            Action::AiRefresh => "ai_refresh",
            Action::ProfileUpdate => "profile_update",
            Action::SocketConnect => "socket_connect",
            Action::RestIp => "rest_ip",
        }
    }

    /// The default quota: generous enough for real use, tight enough to stop abuse.
    pub fn default_quota(self) -> Quota {
        let (count, secs) = match self {
            Action::LoginIp => (20, 60),
            Action::LoginEmail => (10, 300),
            Action::Register => (5, 3600),
            Action::SupportForm => (5, 600),
            Action::MessageSend => (30, 10),
            Action::Reaction => (60, 60),
            Action::Pin => (30, 60),
            Action::Save => (60, 60),
            Action::Upload => (30, 60),
            Action::MessageEdit => (30, 60),
            Action::MessageDelete => (30, 60),
            Action::Read => (240, 60),
            Action::Typing => (60, 60),
            Action::Sync => (60, 60),
            Action::RoomWatch => (120, 60),
            Action::AccountEmail => (3, 900),
            Action::AccountIp => (20, 900),
            Action::PasswordChange => (5, 900),
            Action::Search => (30, 60),
            Action::AiRefresh => (10, 60),
            Action::ProfileUpdate => (30, 60),
            Action::SocketConnect => (30, 60),
            Action::RestIp => (600, 60),
        };
        Quota {
            count,
            period: Duration::from_secs(secs),
        }
    }
}

/// A burst of `count` requests, refilled evenly over `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// Burst size (and requests per period).
    pub count: u32,
    /// Time to refill the whole burst.
    pub period: Duration,
}

impl Quota {
    /// Time to earn one request back.
    pub fn emission_interval(&self) -> Duration {
        self.period / self.count.max(1)
    }
}

impl FromStr for Quota {
    type Err = String;

    /// Parses `30/10s`, `5/m`, `100/1h`, or `off` (no limit: a huge quota).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "off" {
            return Ok(Quota {
                count: u32::MAX,
                period: Duration::from_secs(1),
            });
        }
        let bad = || format!("expected <count>/<period> like 30/10s, 5/m or 100/1h, got {s:?}");
        let (count, period) = s.split_once('/').ok_or_else(bad)?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        let period = period.trim();
        let unit_at = period.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let amount: u64 = if unit_at == 0 {
            1
        } else {
            period[..unit_at].parse().map_err(|_| bad())?
        };
        let unit = match &period[unit_at..] {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            _ => return Err(bad()),
        };
        if count == 0 || amount == 0 {
            return Err(bad());
        }
        Ok(Quota {
            count,
            period: Duration::from_secs(amount * unit),
        })
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.count, self.period.as_secs())
    }
}

/// Reads `RATE_LIMIT_<ACTION>` overrides from the environment.
/// On a bad value, the error is `(variable, problem)`.
pub fn overrides_from_env() -> Result<Quotas, (String, String)> {
    let mut overrides = Quotas::default();
    for action in Action::ALL {
        let var = format!("RATE_LIMIT_{}", action.name().to_uppercase());
        if let Ok(value) = std::env::var(&var) {
            let quota = value.parse().map_err(|e: String| (var.clone(), e))?;
            overrides.insert(action, quota);
        }
    }
    Ok(overrides)
}

/// The quotas configured per action; the others keep their defaults. `Debug` shows the quota
/// in force for every action (configured or default), as the startup line wants it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Quotas(HashMap<Action, Quota>);

impl Quotas {
    /// Sets the quota of `action`.
    pub fn insert(&mut self, action: Action, quota: Quota) {
        self.0.insert(action, quota);
    }

    /// Sets the quota of `action` unless one is configured already.
    pub fn or_insert(&mut self, action: Action, quota: Quota) {
        self.0.entry(action).or_insert(quota);
    }

    /// The quota in force for `action`.
    pub fn get(&self, action: Action) -> Quota {
        self.0
            .get(&action)
            .copied()
            .unwrap_or_else(|| action.default_quota())
    }
}

impl fmt::Debug for Quotas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for action in Action::ALL {
            let quota = self.get(action);
            let shown = if quota.count == u32::MAX {
                "off".to_owned()
            } else {
                quota.to_string()
            };
            map.entry(&action.name(), &shown);
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_parse() {
        assert_eq!(
            "30/10s".parse(),
            Ok(Quota {
                count: 30,
                period: Duration::from_secs(10)
            })
        );
        assert_eq!(
            "5/m".parse(),
            Ok(Quota {
                count: 5,
                period: Duration::from_secs(60)
            })
        );
        assert_eq!(
            "100/2h".parse(),
            Ok(Quota {
                count: 100,
                period: Duration::from_secs(7200)
            })
        );
        for bad in ["", "5", "0/s", "5/0s", "x/s", "5/d", "5/s/s"] {
            assert!(bad.parse::<Quota>().is_err(), "{bad}");
        }
    }
}
