//! The categories a ticket falls into: its topic, and the kind of department that handles it.

/// A ticket topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Topic {
    /// Breaches, hacked accounts, phishing, fraud.
    Security,
    /// The service is down or unreachable.
    Outage,
    /// Invoices, charges, refunds, subscriptions.
    Billing,
    /// Logging in, passwords, two-factor authentication.
    Account,
    /// Errors, crashes, bugs, slowness.
    Technical,
    /// Ideas and requests for new features.
    FeatureRequest,
    /// Anything else.
    General,
}

/// Topics that keywords can select, in tie-breaking order (most serious first).
pub(super) const SCORED: [Topic; 6] = [
    Topic::Security,
    Topic::Outage,
    Topic::Billing,
    Topic::Account,
    Topic::Technical,
    Topic::FeatureRequest,
];

impl Topic {
    /// The label stored in [`crate::assistant::model::Insights::topic`].
    pub const fn label(self) -> &'static str {
        match self {
            Topic::Security => "security",
            Topic::Outage => "outage",
            Topic::Billing => "billing",
            Topic::Account => "account",
            Topic::Technical => "technical",
            Topic::FeatureRequest => "feature_request",
            Topic::General => "general",
        }
    }

    /// The kind of department that handles this topic.
    pub fn department(self) -> Department {
        match self {
            Topic::Billing => Department::Billing,
            Topic::Security | Topic::Outage | Topic::Technical => Department::Engineering,
            Topic::Account | Topic::General => Department::Support,
            Topic::FeatureRequest => Department::Product,
        }
    }

    /// Position in [`SCORED`], if keywords can select this topic.
    pub(super) fn slot(self) -> Option<usize> {
        SCORED.iter().position(|t| *t == self)
    }
}

/// A kind of department, known by a few common names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Department {
    /// Money matters.
    Billing,
    /// The people who can fix the product.
    Engineering,
    /// The front line.
    Support,
    /// The people who decide what gets built.
    Product,
}

impl Department {
    /// Names this department commonly goes by, preferred first.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Department::Billing => &["billing", "finance", "payments", "accounts"],
            Department::Engineering => &[
                "engineering",
                "technical",
                "tech",
                "development",
                "dev",
                "it",
            ],
            Department::Support => &[
                "support",
                "customer support",
                "helpdesk",
                "help desk",
                "customer success",
            ],
            Department::Product => &["product", "product management"],
        }
    }

    /// The configured department of this kind, as spelled in `departments`, if any
    /// (case, `-` and `_` are ignored).
    pub fn find_in(self, departments: &[String]) -> Option<String> {
        self.aliases().iter().find_map(|alias| {
            departments
                .iter()
                .find(|name| normalise(name) == *alias)
                .cloned()
        })
    }
}

/// Lower-case, trimmed, `-` and `_` as spaces.
fn normalise(name: &str) -> String {
    name.trim().to_lowercase().replace(['-', '_'], " ")
}
