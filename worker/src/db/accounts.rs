//! The SQL of accounts, invites, sessions and sign-in failures.

use serde::Deserialize;

use super::{changes, num, text, Db};
use crate::auth::Staff;
use crate::error::ApiResult;

/// An account row, with what sign-in checks.
#[derive(Debug, Deserialize)]
pub struct AccountRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub salt: String,
    pub argon2: String,
    pub login_hash: String,
    pub public_key: String,
    pub wrapped_sk: String,
    pub created_at: u64,
    pub disabled_at: Option<u64>,
}

const ACCOUNT_COLUMNS: &str = "id, email, name, role, salt, argon2, login_hash, public_key, wrapped_sk, created_at, disabled_at";

#[derive(Debug, Deserialize)]
pub struct InviteRow {
    pub id: String,
    pub email: Option<String>,
    pub role: String,
    pub setup: u8,
    pub account_id: String,
    pub salt: String,
    pub created_at: u64,
    pub expires_at: u64,
}

/// How creating an account from an invite ended.
pub enum Created {
    Done,
    /// The invite is unknown, used, cancelled or expired (or a setup link after the first account).
    InviteGone,
    EmailTaken,
}

impl Db {
    /// The account of a live session, if it is enabled.
    pub async fn session_account(&self, token_hash: &str, now: u64) -> ApiResult<Option<Staff>> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
            role: String,
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

    pub async fn delete_session(&self, token_hash: &str) -> ApiResult<()> {
        self.run(
            "DELETE FROM sessions WHERE token_hash = ?1",
            &[text(token_hash)],
        )
        .await
        .map(drop)
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

    /// Uses the invite, creates the account and its first session, in one transaction; nothing
    /// if the invite was used meanwhile or the email is taken.
    pub async fn create_account(
        &self,
        invite_id: &str,
        account: &AccountRow,
        session_hash: &str,
        session_expires: u64,
    ) -> ApiResult<Created> {
        let now = account.created_at;
        let results = self
            .batch(vec![
                self.statement(
                    "UPDATE invites SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > ?2
                       AND (setup = 0 OR NOT EXISTS (SELECT 1 FROM accounts))
                       AND NOT EXISTS (SELECT 1 FROM accounts WHERE email = ?3)",
                    &[text(invite_id), num(now), text(&account.email)],
                )?,
                self.statement(
                    "INSERT INTO accounts (id, email, name, role, salt, argon2, login_hash, public_key, wrapped_sk, created_at)
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 WHERE changes() = 1",
                    &[
                        text(&account.id),
                        text(&account.email),
                        text(&account.name),
                        text(&account.role),
                        text(&account.salt),
                        text(&account.argon2),
                        text(&account.login_hash),
                        text(&account.public_key),
                        text(&account.wrapped_sk),
                        num(now),
                    ],
                )?,
                self.statement(
                    "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) SELECT ?1, ?2, ?3, ?4 WHERE changes() = 1",
                    &[text(session_hash), text(&account.id), num(now), num(session_expires)],
                )?,
            ])
            .await?;
        if results.get(1).is_some_and(|r| changes(r) == 1) {
            return Ok(Created::Done);
        }
        Ok(match self.account_by_email(&account.email).await? {
            Some(_) => Created::EmailTaken,
            None => Created::InviteGone,
        })
    }

    pub async fn insert_invite(
        &self,
        invite: &InviteRow,
        token_hash: &str,
        invited_by: &str,
    ) -> ApiResult<()> {
        self.run(
            "INSERT INTO invites (id, token_hash, email, role, setup, account_id, salt, invited_by, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9)",
            &[
                text(&invite.id),
                text(token_hash),
                invite.email.as_deref().map_or(wasm_bindgen::JsValue::NULL, text),
                text(&invite.role),
                text(&invite.account_id),
                text(&invite.salt),
                text(invited_by),
                num(invite.created_at),
                num(invite.expires_at),
            ],
        )
        .await
        .map(drop)
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

    /// False when the invite was not pending.
    pub async fn cancel_invite(&self, id: &str, now: u64) -> ApiResult<bool> {
        let changed = self
            .run(
                "UPDATE invites SET cancelled_at = ?2 WHERE id = ?1 AND setup = 0 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > ?2",
                &[text(id), num(now)],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Replaces the login key's hash, the wrapped private key and every request's wrapped secret
    /// in one transaction, and ends the account's other sessions. Only if the current login key
    /// still matches and the account has exactly `requests.len()` requests (all of them listed,
    /// which the caller checked by id); false otherwise.
    #[allow(clippy::too_many_arguments)]
    pub async fn change_password(
        &self,
        account_id: &str,
        old_hash: &str,
        new_salt: &str,
        new_hash: &str,
        wrapped_sk: &str,
        requests: &[(String, String)],
        keep_session: &str,
    ) -> ApiResult<bool> {
        let mut statements = vec![self.statement(
            "UPDATE accounts SET salt = ?3, login_hash = ?4, wrapped_sk = ?5
             WHERE id = ?1 AND login_hash = ?2 AND disabled_at IS NULL
               AND (SELECT COUNT(*) FROM requests WHERE owner_account = ?1) = ?6",
            &[
                text(account_id),
                text(old_hash),
                text(new_salt),
                text(new_hash),
                text(wrapped_sk),
                num(requests.len() as u64),
            ],
        )?];
        // Each later statement runs only if the first changed the hash.
        let guard = "(SELECT login_hash FROM accounts WHERE id = ?1) = ?2";
        for (id, wrapped) in requests {
            statements.push(self.statement(
                &format!("UPDATE requests SET wrapped_rs = ?4 WHERE id = ?3 AND owner_account = ?1 AND {guard}"),
                &[text(account_id), text(new_hash), text(id), text(wrapped)],
            )?);
        }
        statements.push(self.statement(
            &format!("DELETE FROM sessions WHERE account_id = ?1 AND token_hash != ?3 AND {guard}"),
            &[text(account_id), text(new_hash), text(keep_session)],
        )?);
        let results = self.batch(statements).await?;
        Ok(results.first().is_some_and(|r| changes(r) == 1))
    }

    /// Sets an account's role; false if that would leave no enabled admin.
    pub async fn set_role(&self, id: &str, role: &str) -> ApiResult<bool> {
        let changed = self
            .run(
                "UPDATE accounts SET role = ?2 WHERE id = ?1
                   AND (?2 = 'admin' OR EXISTS (SELECT 1 FROM accounts WHERE role = 'admin' AND disabled_at IS NULL AND id != ?1))",
                &[text(id), text(role)],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Disables an account and ends its sessions at once, or enables it again; disabling is
    /// refused (false) if it would leave no enabled admin.
    pub async fn set_disabled(&self, id: &str, disabled: bool, now: u64) -> ApiResult<bool> {
        if !disabled {
            self.run(
                "UPDATE accounts SET disabled_at = NULL WHERE id = ?1",
                &[text(id)],
            )
            .await?;
            return Ok(true);
        }
        let results = self
            .batch(vec![
                self.statement(
                    "UPDATE accounts SET disabled_at = ?2 WHERE id = ?1 AND disabled_at IS NULL
                       AND (role != 'admin' OR EXISTS (SELECT 1 FROM accounts WHERE role = 'admin' AND disabled_at IS NULL AND id != ?1))",
                    &[text(id), num(now)],
                )?,
                self.statement(
                    "DELETE FROM sessions WHERE account_id = ?1 AND (SELECT disabled_at FROM accounts WHERE id = ?1) IS NOT NULL",
                    &[text(id)],
                )?,
            ])
            .await?;
        Ok(results.first().is_some_and(|r| changes(r) == 1))
    }
}
