//! Staff accounts as the rules see them: a signed-in account and its role.

use serde::Deserialize;

/// What an account may do: every account is staff; admins also manage accounts, invites, the
/// policy and the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Staff,
    Admin,
}

impl Role {
    /// The role as stored and as the API spells it.
    pub fn name(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "staff" => Some(Role::Staff),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A signed-in, active account.
#[derive(Clone, Debug)]
pub struct Staff {
    pub id: String,
    pub role: Role,
}

impl Staff {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}
