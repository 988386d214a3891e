//! The SQL of accounts, invites and sessions. Reads run here; changes are statements as data
//! (free functions returning [`Sql`]), which their handlers commit with their events.

use serde::Deserialize;

use crate::rules::attempts::Limits;
use crate::rules::error::ApiResult;
use crate::rules::staff::{Role, Staff};
use crate::store::attempts::Guess;
use crate::store::sql::{n, opt, t, Sql};
use crate::store::{flag, num, text, Db};

/// An account row, with what sign-in checks.
#[derive(Debug, Deserialize)]
pub struct AccountRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub salt: String,
    pub argon2: String,
    pub login_hash: String,
    pub public_key: String,
    pub wrapped_sk: String,
    pub created_at: u64,
    pub disabled_at: Option<u64>,
    /// None until a v1 account adopts its vault key as K (unlock-factors.md).
    pub key_generation: Option<u32>,
    pub wrapped_sk128: Option<String>,
}

const ACCOUNT_COLUMNS: &str = "id, email, name, role, salt, argon2, login_hash, public_key, wrapped_sk, created_at, disabled_at, key_generation, wrapped_sk128";

/// An account to record, from its invite and what the browser made.
pub struct NewAccount {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub salt: String,
    pub argon2: String,
    pub login_hash: String,
    pub public_key: String,
    pub wrapped_sk: String,
    pub wrapped_sk128: String,
    pub created_at: u64,
}

impl From<NewAccount> for AccountRow {
    /// The account as recorded: new, so enabled, with K at generation 0.
    fn from(a: NewAccount) -> Self {
        AccountRow {
            id: a.id,
            email: a.email,
            name: a.name,
            role: a.role,
            salt: a.salt,
            argon2: a.argon2,
            login_hash: a.login_hash,
            public_key: a.public_key,
            wrapped_sk: a.wrapped_sk,
            created_at: a.created_at,
            disabled_at: None,
            key_generation: Some(0),
            wrapped_sk128: Some(a.wrapped_sk128),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct InviteRow {
    pub id: String,
    pub email: Option<String>,
    pub role: Role,
    /// The first admin's setup link rather than an admin's invite.
    #[serde(deserialize_with = "flag")]
    pub setup: bool,
    pub account_id: String,
    pub salt: String,
    pub created_at: u64,
    pub expires_at: u64,
}

/// An invite to record; its token is the caller's, and only its hash is stored.
pub struct NewInvite {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub account_id: String,
    pub salt: String,
    pub created_at: u64,
    pub expires_at: u64,
}

impl From<NewInvite> for InviteRow {
    /// The invite as recorded: an admin's, not a setup link.
    fn from(i: NewInvite) -> Self {
        InviteRow {
            id: i.id,
            email: Some(i.email),
            role: i.role,
            setup: false,
            account_id: i.account_id,
            salt: i.salt,
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

impl Db {
    /// The account of a live session, if it is enabled.
    pub async fn session_account(&self, token_hash: &str, now: u64) -> ApiResult<Option<Staff>> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
            role: Role,
        }
        let row: Option<Row> = self
            .first(
                "SELECT a.id, a.role FROM sessions s JOIN accounts a ON a.id = s.account_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND a.disabled_at IS NULL",
                &[text(token_hash), num(now)],
            )
            .await?;
        Ok(row.map(|r| Staff {
            id: r.id,
            role: r.role,
        }))
    }

    pub async fn account(&self, id: &str) -> ApiResult<Option<AccountRow>> {
        self.first(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"),
            &[text(id)],
        )
        .await
    }

    pub async fn account_by_email(&self, email: &str) -> ApiResult<Option<AccountRow>> {
        self.first(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = ?1"),
            &[text(email)],
        )
        .await
    }

    pub async fn accounts(&self) -> ApiResult<Vec<AccountRow>> {
        self.all(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY created_at"),
            &[],
        )
        .await
    }

    /// A pending invite: unused, not cancelled, unexpired; a setup invite only while no account
    /// exists.
    pub async fn pending_invite(&self, token_hash: &str, now: u64) -> ApiResult<Option<InviteRow>> {
        self.first(
            "SELECT id, email, role, setup, account_id, salt, created_at, expires_at FROM invites
             WHERE token_hash = ?1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > ?2
               AND (setup = 0 OR NOT EXISTS (SELECT 1 FROM accounts))",
            &[text(token_hash), num(now)],
        )
        .await
    }

    /// Invites not yet used, cancelled or expired, setup links excluded.
    pub async fn pending_invites(&self, now: u64) -> ApiResult<Vec<InviteRow>> {
        self.all(
            "SELECT id, email, role, setup, account_id, salt, created_at, expires_at FROM invites
             WHERE setup = 0 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > ?1 ORDER BY created_at DESC",
            &[num(now)],
        )
        .await
    }
}

/// The condition "another enabled admin exists" for the account ?1.
const ANOTHER_ADMIN: &str =
    "EXISTS (SELECT 1 FROM accounts WHERE role = 'admin' AND disabled_at IS NULL AND id != ?1)";

/// Ends one session.
pub fn delete_session(token_hash: &str) -> Sql {
    Sql::new(
        "DELETE FROM sessions WHERE token_hash = ?1",
        vec![t(token_hash)],
    )
}

/// Uses the invite and creates the account, for a guarded change: the invite is used only if it
/// is still pending (unused, not cancelled, unexpired; a setup link only while no account exists)
/// and no account has the email; the account (the last statement) is created only if the invite
/// was used. Its password factor and first session follow the event
/// ([`crate::store::factors::insert_factor`], [`first_session`]).
pub fn create_account(invite_id: &str, account: &NewAccount) -> Vec<Sql> {
    let now = account.created_at;
    vec![
        Sql::new(
            "UPDATE invites SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > ?2
               AND (setup = 0 OR NOT EXISTS (SELECT 1 FROM accounts))
               AND NOT EXISTS (SELECT 1 FROM accounts WHERE email = ?3)",
            vec![t(invite_id), n(now), t(&account.email)],
        ),
        Sql::new(
            "INSERT INTO accounts (id, email, name, role, salt, argon2, login_hash, public_key, wrapped_sk, created_at, key_generation, wrapped_sk128)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11 WHERE changes() = 1",
            vec![
                t(&account.id),
                t(&account.email),
                t(&account.name),
                t(account.role.name()),
                t(&account.salt),
                t(&account.argon2),
                t(&account.login_hash),
                t(&account.public_key),
                t(&account.wrapped_sk),
                n(now),
                t(&account.wrapped_sk128),
            ],
        ),
    ]
}

/// A new account's first session, only if the statement before (its event) was written.
pub fn first_session(account_id: &str, token_hash: &str, now: u64, expires_at: u64) -> Sql {
    Sql::new(
        "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) SELECT ?1, ?2, ?3, ?4 WHERE changes() = 1",
        vec![t(token_hash), t(account_id), n(now), n(expires_at)],
    )
}

/// Records an invite, only while no account has its email (a guarded change).
pub fn insert_invite(invite: &NewInvite, token_hash: &str, invited_by: &str) -> Sql {
    Sql::new(
        "INSERT INTO invites (id, token_hash, email, role, setup, account_id, salt, invited_by, created_at, expires_at)
         SELECT ?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9
         WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE email = ?3)",
        vec![
            t(&invite.id),
            t(token_hash),
            t(&invite.email),
            t(invite.role.name()),
            t(&invite.account_id),
            t(&invite.salt),
            t(invited_by),
            n(invite.created_at),
            n(invite.expires_at),
        ],
    )
}

/// Cancels an invite, only while it is pending (a guarded change).
pub fn cancel_invite(id: &str, now: u64) -> Sql {
    Sql::new(
        "UPDATE invites SET cancelled_at = ?2 WHERE id = ?1 AND setup = 0 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > ?2",
        vec![t(id), n(now)],
    )
}

/// Ends the account's sessions but `keep`, only if the statement before changed a row.
pub fn end_other_sessions(account_id: &str, keep: &str) -> Sql {
    Sql::new(
        "DELETE FROM sessions WHERE account_id = ?1 AND token_hash != ?2 AND changes() = 1",
        vec![t(account_id), t(keep)],
    )
}

/// Sets an account's role and disables or enables it, in one statement for a guarded change,
/// under the same conditions as one after the other: a role other than admin only while another
/// enabled admin exists; disabling only an enabled account, and an admin (by its new role) only
/// while another enabled admin exists. Enabling has no condition.
pub fn change_account(id: &str, role: Option<Role>, disabled: Option<bool>, now: u64) -> Sql {
    let disabled = disabled.map_or(serde_json::Value::Null, |d| n(u64::from(d)));
    Sql::new(
        &format!(
            "UPDATE accounts SET role = COALESCE(?2, role),
                    disabled_at = CASE ?3 WHEN 1 THEN ?4 WHEN 0 THEN NULL ELSE disabled_at END
             WHERE id = ?1
               AND (?2 IS NULL OR ?2 = 'admin' OR {ANOTHER_ADMIN})
               AND (?3 IS NOT 1 OR (disabled_at IS NULL
                      AND (COALESCE(?2, role) != 'admin' OR {ANOTHER_ADMIN})))"
        ),
        vec![t(id), opt(role.map(Role::name)), disabled, n(now)],
    )
}

/// Ends every session of an account just disabled, only if the statement before (the change's
/// event) was written.
pub fn end_sessions(account_id: &str) -> Sql {
    Sql::new(
        "DELETE FROM sessions WHERE account_id = ?1 AND changes() = 1",
        vec![t(account_id)],
    )
}

/// Opens a session, only while this address is under the sign-in limits for this email.
pub fn open_session(
    email: &str,
    address: &str,
    now: u64,
    limits: &Limits,
    token_hash: &str,
    account_id: &str,
    expires_at: u64,
) -> Vec<Sql> {
    let mut values = Guess::values(email, address, now, limits);
    values.extend([t(token_hash), t(account_id), n(expires_at)]);
    vec![
        // Sessions that ended are dropped as new ones begin, so the table stays small.
        Sql::new(
            "DELETE FROM sessions WHERE account_id = ?1 AND expires_at <= ?2",
            vec![t(account_id), n(now)],
        ),
        Sql::new(
            &format!(
                "INSERT INTO sessions (token_hash, account_id, created_at, expires_at)
                 SELECT ?8, ?9, ?3, ?10 WHERE {}",
                Guess::SignIn.room()
            ),
            values,
        ),
    ]
}
