//! Users: global roles, validated e-mail addresses, names and password rules.

use super::id::text_enum;

text_enum! {
    /// A user's global role (stored, never derived).
    pub enum Role {
        /// Everything staff do, plus user, room and ticket administration.
        Admin => "admin",
        /// Agents and engineers: chat, DMs, tickets.
        Staff => "staff",
        /// Opens tickets and sees only their own.
        Customer => "customer",
        /// Reads what staff read; can never write.
        Observer => "observer",
    }
}

impl Role {
    /// Staff-side roles see the team's rooms (admins, staff and observers).
    pub fn is_team(self) -> bool {
        matches!(self, Role::Admin | Role::Staff | Role::Observer)
    }

    /// Roles that may write anything at all.
    pub fn can_write(self) -> bool {
        self != Role::Observer
    }
}

/// A normalised (trimmed, lower-cased) e-mail address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Validates and normalises an address: one `@`, a dotted domain, no spaces, at most 254
    /// characters.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("is required");
        }
        if email.len() > 254 {
            return Err("is too long");
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err("is not a valid e-mail address");
        };
        let valid = !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !email
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        if valid {
            Ok(Self(email))
        } else {
            Err("is not a valid e-mail address")
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

/// Validates a display name: 1..=80 characters after trimming, no control characters.
pub fn parse_name(raw: &str) -> Result<String, &'static str> {
    super::parse_line(raw, 80, "must be at most 80 characters")
}

/// Password rules: 10..=200 characters.
pub fn check_password_strength(password: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < 10 {
        return Err("must be at least 10 characters");
    }
    if chars > 200 {
        return Err("must be at most 200 characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").map(|e| e.as_str().to_owned()),
            Ok("ada@example.com".to_owned())
        );
        for bad in [
            "", "ada", "ada@", "@x.io", "a b@x.io", "ada@x", "a@.x.io", "<a>@x.io",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
        assert!("root".parse::<Role>().is_err());
        assert!(!Role::Customer.is_team());
        assert!(!Role::Observer.can_write());
    }

    #[test]
    fn names_and_passwords() {
        assert_eq!(parse_name("  Ada "), Ok("Ada".to_owned()));
        assert!(parse_name(" ").is_err());
        assert!(parse_name("a\u{0}b").is_err());
        assert!(check_password_strength("short").is_err());
        assert!(check_password_strength("long enough!").is_ok());
    }
}
