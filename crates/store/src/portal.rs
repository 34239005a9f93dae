//! The accountancy portal: firms' link codes, the links between firms and clients, which of a
//! firm's accountants work for which client, and the client a session works in.

use portcullis_core::Timestamp;
use portcullis_core::portal::{LinkState, Reach};
use portcullis_core::user::Factors;

use crate::{Store, StoreError, flag};

/// A link between a firm and a client, as either side lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientLink {
    /// Its id.
    pub id: String,
    /// The firm.
    pub firm_account_id: String,
    /// The firm's name.
    pub firm_name: String,
    /// The client.
    pub client_account_id: String,
    /// The client's name.
    pub client_name: String,
    /// Where it stands.
    pub state: LinkState,
    /// The firm may reach every administration of the client (else only those listed).
    pub all_administrations: bool,
    /// When the client asked, and who (their audit name).
    pub requested_at: Timestamp,
    /// Who asked (an audit name).
    pub requested_by: String,
    /// When the firm accepted.
    pub accepted_at: Option<Timestamp>,
    /// When it ended (declined or ended), and by whom.
    pub ended_at: Option<Timestamp>,
    /// Who ended it (an audit name).
    pub ended_by: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ClientLinkRecord {
    id: String,
    firm_account_id: String,
    firm_name: String,
    client_account_id: String,
    client_name: String,
    state: String,
    all_administrations: i64,
    requested_at: i64,
    requested_by: String,
    accepted_at: Option<i64>,
    ended_at: Option<i64>,
    ended_by: Option<String>,
}

impl From<ClientLinkRecord> for ClientLink {
    fn from(r: ClientLinkRecord) -> ClientLink {
        ClientLink {
            id: r.id,
            firm_account_id: r.firm_account_id,
            firm_name: r.firm_name,
            client_account_id: r.client_account_id,
            client_name: r.client_name,
            state: LinkState::parse(&r.state).unwrap_or(LinkState::Ended),
            all_administrations: flag(r.all_administrations),
            requested_at: Timestamp(r.requested_at),
            requested_by: r.requested_by,
            accepted_at: r.accepted_at.map(Timestamp),
            ended_at: r.ended_at.map(Timestamp),
            ended_by: r.ended_by,
        }
    }
}

const LINK_COLUMNS: &str = "SELECT l.id, l.firm_account_id, f.name AS firm_name, l.client_account_id, \
       c.name AS client_name, l.state, l.all_administrations, l.requested_at, l.requested_by, \
       l.accepted_at, l.ended_at, l.ended_by \
     FROM client_links l JOIN accounts f ON f.id = l.firm_account_id \
     JOIN accounts c ON c.id = l.client_account_id";

/// A client an accountant may open, with the client's rules for people from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignedClient {
    /// The link it is reached through.
    pub link_id: String,
    /// The client.
    pub client_account_id: String,
    /// Its name.
    pub client_name: String,
    /// The client requires two-factor authentication.
    pub enforce_two_factor: bool,
    /// The client blocks new IP addresses.
    pub block_new_ips: bool,
    /// The link allows every administration.
    pub link_all: bool,
    /// The assignment allows every administration the link allows.
    pub assignment_all: bool,
}

#[derive(sqlx::FromRow)]
struct AssignedClientRecord {
    link_id: String,
    client_account_id: String,
    client_name: String,
    enforce_two_factor: i64,
    block_new_ips: i64,
    link_all: i64,
    assignment_all: i64,
}

impl From<AssignedClientRecord> for AssignedClient {
    fn from(r: AssignedClientRecord) -> AssignedClient {
        AssignedClient {
            link_id: r.link_id,
            client_account_id: r.client_account_id,
            client_name: r.client_name,
            enforce_two_factor: flag(r.enforce_two_factor),
            block_new_ips: flag(r.block_new_ips),
            link_all: flag(r.link_all),
            assignment_all: flag(r.assignment_all),
        }
    }
}

const ASSIGNED_COLUMNS: &str = "SELECT l.id AS link_id, c.id AS client_account_id, c.name AS client_name, \
       c.enforce_two_factor, c.block_new_ips, l.all_administrations AS link_all, \
       ca.all_administrations AS assignment_all \
     FROM client_assignments ca \
     JOIN client_links l ON l.id = ca.link_id AND l.state = 'active' \
     JOIN accounts c ON c.id = l.client_account_id";

/// An administration of a client, with whether the link's and the assignment's lists name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAdministration {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Listed in the link's limit.
    pub in_link: bool,
    /// Listed in the assignment's limit.
    pub in_assignment: bool,
}

/// An accountant of a firm with access to a client, as both sides list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The link.
    pub link_id: String,
    /// The firm's name.
    pub firm_name: String,
    /// The accountant.
    pub user_id: String,
    /// Their username.
    pub username: String,
    /// Their name.
    pub name: String,
    /// Their second factors.
    pub factors: Factors,
    /// Every administration the link allows (else only those listed).
    pub all_administrations: bool,
}

#[derive(sqlx::FromRow)]
struct AssignmentRecord {
    link_id: String,
    firm_name: String,
    user_id: String,
    username: String,
    name: String,
    totp_confirmed: i64,
    passkeys: i64,
    all_administrations: i64,
}

impl From<AssignmentRecord> for Assignment {
    fn from(r: AssignmentRecord) -> Assignment {
        Assignment {
            link_id: r.link_id,
            firm_name: r.firm_name,
            user_id: r.user_id,
            username: r.username,
            name: r.name,
            factors: crate::users::factors(r.totp_confirmed, r.passkeys),
            all_administrations: flag(r.all_administrations),
        }
    }
}

const ASSIGNMENT_COLUMNS: &str = "SELECT ca.link_id, f.name AS firm_name, u.id AS user_id, u.username, u.name, \
       (SELECT COUNT(*) FROM totp_credentials t WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL) AS totp_confirmed, \
       (SELECT COUNT(*) FROM passkeys p WHERE p.user_id = u.id) AS passkeys, \
       ca.all_administrations \
     FROM client_assignments ca JOIN users u ON u.id = ca.user_id \
     JOIN client_links l ON l.id = ca.link_id JOIN accounts f ON f.id = l.firm_account_id";

crate::tx::both! {
    /// Stores a firm's new link code (its hash), replacing the one it had.
    pub async fn set_link_code(
        &self,
        firm_account_id: &str,
        code_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> [e] {
        sqlx::query(
            "INSERT INTO firm_link_codes (firm_account_id, code_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (firm_account_id) \
             DO UPDATE SET code_hash = $2, created_at = $3, expires_at = $4",
        )
        .bind(firm_account_id)
        .bind(code_hash)
        .bind(now.millis())
        .bind(expires_at.millis())
        .execute(e)
        .await?;
        Ok(())
    }

    /// Asks a firm for a link (the client typed its code); false when a link that is not
    /// ended exists already between the two.
    pub async fn request_link(
        &self,
        id: &str,
        firm_account_id: &str,
        client_account_id: &str,
        requested_by: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> [e] {
        let done = sqlx::query(
            "INSERT INTO client_links (id, firm_account_id, client_account_id, state, requested_at, requested_by) \
             VALUES ($1, $2, $3, 'requested', $4, $5) \
             ON CONFLICT (firm_account_id, client_account_id) WHERE state <> 'ended' DO NOTHING",
        )
        .bind(id)
        .bind(firm_account_id)
        .bind(client_account_id)
        .bind(now.millis())
        .bind(requested_by)
        .execute(e)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Moves a link from `from` to `to` (accepted: `accepted_at`; ended: `ended_at`, `by`),
    /// only if it is still in `from`: whether it moved.
    pub async fn move_link(
        &self,
        link_id: &str,
        from: LinkState,
        to: LinkState,
        by: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> [e] {
        let done = sqlx::query(
            "UPDATE client_links SET state = $1, \
               accepted_at = CASE WHEN $1 = 'active' THEN $2 ELSE accepted_at END, \
               ended_at = CASE WHEN $1 = 'ended' THEN $2 ELSE ended_at END, \
               ended_by = CASE WHEN $1 = 'ended' THEN $3 ELSE ended_by END \
             WHERE id = $4 AND state = $5",
        )
        .bind(to.as_str())
        .bind(now.millis())
        .bind(by)
        .bind(link_id)
        .bind(from.as_str())
        .execute(e)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Sets the client a session works in (`None`: back to the portal).
    pub async fn set_session_client(
        &self,
        token_hash: &str,
        client_account_id: Option<&str>,
    ) -> Result<(), StoreError> [e] {
        sqlx::query("UPDATE sessions SET client_account_id = $1 WHERE token_hash = $2")
            .bind(client_account_id)
            .bind(token_hash)
            .execute(e)
            .await?;
        Ok(())
    }

    /// Takes an accountant off a client; whether they were on it.
    pub async fn unassign(&self, link_id: &str, user_id: &str) -> Result<bool, StoreError> [e] {
        let done = sqlx::query("DELETE FROM client_assignments WHERE link_id = $1 AND user_id = $2")
            .bind(link_id)
            .bind(user_id)
            .execute(e)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

impl crate::Tx {
    /// Puts an accountant on a client (through `link_id`) with `reach`, or changes the reach
    /// of one who is on it already.
    pub async fn assign(
        &mut self,
        link_id: &str,
        user_id: &str,
        client_account_id: &str,
        reach: &Reach,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO client_assignments (link_id, user_id, client_account_id, all_administrations, assigned_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (link_id, user_id) \
             DO UPDATE SET all_administrations = $4",
        )
        .bind(link_id)
        .bind(user_id)
        .bind(client_account_id)
        .bind(i64::from(*reach == Reach::All))
        .bind(now.millis())
        .execute(&mut *self.inner)
        .await?;
        sqlx::query(
            "DELETE FROM client_assignment_administrations WHERE link_id = $1 AND user_id = $2",
        )
        .bind(link_id)
        .bind(user_id)
        .execute(&mut *self.inner)
        .await?;
        if let Reach::Only(ids) = reach {
            for id in ids {
                sqlx::query(
                    "INSERT INTO client_assignment_administrations (link_id, user_id, administration_id) \
                     SELECT $1, $2, id FROM administrations WHERE id = $3 AND account_id = $4 \
                     ON CONFLICT DO NOTHING",
                )
                .bind(link_id)
                .bind(user_id)
                .bind(id)
                .bind(client_account_id)
                .execute(&mut *self.inner)
                .await?;
            }
        }
        Ok(())
    }

    /// Sets which of the client's administrations a link allows.
    pub async fn set_link_reach(
        &mut self,
        link_id: &str,
        client_account_id: &str,
        reach: &Reach,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE client_links SET all_administrations = $1 \
             WHERE id = $2 AND client_account_id = $3 AND state <> 'ended'",
        )
        .bind(i64::from(*reach == Reach::All))
        .bind(link_id)
        .bind(client_account_id)
        .execute(&mut *self.inner)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM client_link_administrations WHERE link_id = $1")
            .bind(link_id)
            .execute(&mut *self.inner)
            .await?;
        if let Reach::Only(ids) = reach {
            for id in ids {
                sqlx::query(
                    "INSERT INTO client_link_administrations (link_id, administration_id) \
                     SELECT $1, id FROM administrations WHERE id = $2 AND account_id = $3 \
                     ON CONFLICT DO NOTHING",
                )
                .bind(link_id)
                .bind(id)
                .bind(client_account_id)
                .execute(&mut *self.inner)
                .await?;
            }
        }
        Ok(true)
    }

    /// Takes every accountant off a link (it ended).
    pub async fn unassign_all(&mut self, link_id: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM client_assignments WHERE link_id = $1")
            .bind(link_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(done.rows_affected())
    }
}

/// An accountant of a firm (a user of kind accountant who is not deactivated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmAccountant {
    /// Their id.
    pub id: String,
    /// Their username.
    pub username: String,
    /// Their name.
    pub name: String,
}

impl Store {
    /// The accountants of a firm, by username (at most 1,000).
    pub async fn accountants_of(
        &self,
        firm_account_id: &str,
    ) -> Result<Vec<FirmAccountant>, StoreError> {
        let found: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT id, username, name FROM users \
             WHERE account_id = $1 AND kind = 'accountant' AND disabled = 0 \
             ORDER BY username_key LIMIT 1000",
        )
        .bind(firm_account_id)
        .fetch_all(self.pool())
        .await?;
        Ok(found
            .into_iter()
            .map(|(id, username, name)| FirmAccountant { id, username, name })
            .collect())
    }

    /// The firm whose link code hashes to `code_hash`, if the code has not expired at `now`:
    /// its id and name.
    pub async fn firm_of_link_code(
        &self,
        code_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT a.id, a.name FROM firm_link_codes k JOIN accounts a ON a.id = k.firm_account_id \
             WHERE k.code_hash = $1 AND k.expires_at > $2",
        )
        .bind(code_hash)
        .bind(now.millis())
        .fetch_optional(self.pool())
        .await?)
    }

    /// When the firm's current link code expires, if it has one.
    pub async fn link_code_expiry(
        &self,
        firm_account_id: &str,
    ) -> Result<Option<Timestamp>, StoreError> {
        let found: Option<(i64,)> =
            sqlx::query_as("SELECT expires_at FROM firm_link_codes WHERE firm_account_id = $1")
                .bind(firm_account_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.map(|(at,)| Timestamp(at)))
    }

    /// A link, if `account_id` is one of its two sides.
    pub async fn link_of(
        &self,
        account_id: &str,
        link_id: &str,
    ) -> Result<Option<ClientLink>, StoreError> {
        let found: Option<ClientLinkRecord> = sqlx::query_as(&format!(
            "{LINK_COLUMNS} WHERE l.id = $1 AND (l.firm_account_id = $2 OR l.client_account_id = $2)"
        ))
        .bind(link_id)
        .bind(account_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.map(ClientLink::from))
    }

    /// The links a client asked for, newest first (every state: the history).
    pub async fn links_of_client(
        &self,
        client_account_id: &str,
    ) -> Result<Vec<ClientLink>, StoreError> {
        let found: Vec<ClientLinkRecord> = sqlx::query_as(&format!(
            "{LINK_COLUMNS} WHERE l.client_account_id = $1 ORDER BY l.requested_at DESC, l.id LIMIT 200"
        ))
        .bind(client_account_id)
        .fetch_all(self.pool())
        .await?;
        Ok(found.into_iter().map(ClientLink::from).collect())
    }

    /// A page of a firm's links in `state`, by client name (any case) from after `after`
    /// (`(lowercased name, link id)`), whose client's name contains `search`.
    pub async fn links_of_firm(
        &self,
        firm_account_id: &str,
        state: LinkState,
        search: &str,
        after: Option<(&str, &str)>,
        limit: i64,
    ) -> Result<Vec<ClientLink>, StoreError> {
        let (after_name, after_id) = after.unwrap_or(("", ""));
        let found: Vec<ClientLinkRecord> = sqlx::query_as(&format!(
            "{LINK_COLUMNS} WHERE l.firm_account_id = $1 AND l.state = $2 \
               AND ($3 = '%%' OR lower(c.name) LIKE $3 ESCAPE '\\') \
               AND (lower(c.name) > $4 OR (lower(c.name) = $4 AND l.id > $5)) \
             ORDER BY lower(c.name), l.id LIMIT $6"
        ))
        .bind(firm_account_id)
        .bind(state.as_str())
        .bind(crate::users::like_pattern(search.trim()))
        .bind(after_name)
        .bind(after_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(found.into_iter().map(ClientLink::from).collect())
    }

    /// The firm's links that ended, newest first (its history).
    pub async fn ended_links_of_firm(
        &self,
        firm_account_id: &str,
        limit: i64,
    ) -> Result<Vec<ClientLink>, StoreError> {
        let found: Vec<ClientLinkRecord> = sqlx::query_as(&format!(
            "{LINK_COLUMNS} WHERE l.firm_account_id = $1 AND l.state = 'ended' \
             ORDER BY l.ended_at DESC, l.id LIMIT $2"
        ))
        .bind(firm_account_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(found.into_iter().map(ClientLink::from).collect())
    }

    /// The administrations of a link's client, each with whether the link's list names it.
    pub async fn link_administrations(
        &self,
        link_id: &str,
        client_account_id: &str,
    ) -> Result<Vec<(String, String, bool)>, StoreError> {
        let found: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT a.id, a.name, \
               CASE WHEN EXISTS (SELECT 1 FROM client_link_administrations x \
                 WHERE x.link_id = $1 AND x.administration_id = a.id) THEN 1 ELSE 0 END \
             FROM administrations a WHERE a.account_id = $2 ORDER BY lower(a.name), a.id",
        )
        .bind(link_id)
        .bind(client_account_id)
        .fetch_all(self.pool())
        .await?;
        Ok(found
            .into_iter()
            .map(|(id, name, listed)| (id, name, flag(listed)))
            .collect())
    }

    /// The administrations of the client an accountant reaches through `link_id`, each with
    /// whether the link's and the assignment's lists name it.
    pub async fn client_administrations(
        &self,
        link_id: &str,
        user_id: &str,
        client_account_id: &str,
    ) -> Result<Vec<ClientAdministration>, StoreError> {
        let found: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT a.id, a.name, \
               CASE WHEN EXISTS (SELECT 1 FROM client_link_administrations x \
                 WHERE x.link_id = $1 AND x.administration_id = a.id) THEN 1 ELSE 0 END, \
               CASE WHEN EXISTS (SELECT 1 FROM client_assignment_administrations y \
                 WHERE y.link_id = $1 AND y.user_id = $2 AND y.administration_id = a.id) THEN 1 ELSE 0 END \
             FROM administrations a WHERE a.account_id = $3 ORDER BY lower(a.name), a.id",
        )
        .bind(link_id)
        .bind(user_id)
        .bind(client_account_id)
        .fetch_all(self.pool())
        .await?;
        Ok(found
            .into_iter()
            .map(|(id, name, in_link, in_assignment)| ClientAdministration {
                id,
                name,
                in_link: flag(in_link),
                in_assignment: flag(in_assignment),
            })
            .collect())
    }

    /// A page of the clients an accountant is assigned to (through active links), by name
    /// (any case) after `after` (`(lowercased name, link id)`), whose name contains `search`.
    pub async fn clients_of_accountant(
        &self,
        user_id: &str,
        search: &str,
        after: Option<(&str, &str)>,
        limit: i64,
    ) -> Result<Vec<AssignedClient>, StoreError> {
        let (after_name, after_id) = after.unwrap_or(("", ""));
        let found: Vec<AssignedClientRecord> = sqlx::query_as(&format!(
            "{ASSIGNED_COLUMNS} WHERE ca.user_id = $1 \
               AND ($2 = '%%' OR lower(c.name) LIKE $2 ESCAPE '\\') \
               AND (lower(c.name) > $3 OR (lower(c.name) = $3 AND l.id > $4)) \
             ORDER BY lower(c.name), l.id LIMIT $5"
        ))
        .bind(user_id)
        .bind(crate::users::like_pattern(search.trim()))
        .bind(after_name)
        .bind(after_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(found.into_iter().map(AssignedClient::from).collect())
    }

    /// The client `client_account_id`, if the accountant is assigned to it through an active
    /// link (else nothing: not found, whatever the id).
    pub async fn assigned_client(
        &self,
        user_id: &str,
        client_account_id: &str,
    ) -> Result<Option<AssignedClient>, StoreError> {
        let found: Option<AssignedClientRecord> = sqlx::query_as(&format!(
            "{ASSIGNED_COLUMNS} WHERE ca.user_id = $1 AND ca.client_account_id = $2"
        ))
        .bind(user_id)
        .bind(client_account_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.map(AssignedClient::from))
    }

    /// The accountants on a link (the firm's page of one client).
    pub async fn assignments_of_link(&self, link_id: &str) -> Result<Vec<Assignment>, StoreError> {
        let found: Vec<AssignmentRecord> = sqlx::query_as(&format!(
            "{ASSIGNMENT_COLUMNS} WHERE ca.link_id = $1 ORDER BY u.username_key"
        ))
        .bind(link_id)
        .fetch_all(self.pool())
        .await?;
        Ok(found.into_iter().map(Assignment::from).collect())
    }

    /// The accountants of every firm that may work in a client now (active links), by firm and
    /// username: the client's Employees page and Security center list them.
    pub async fn accountants_with_access(
        &self,
        client_account_id: &str,
    ) -> Result<Vec<Assignment>, StoreError> {
        let found: Vec<AssignmentRecord> = sqlx::query_as(&format!(
            "{ASSIGNMENT_COLUMNS} WHERE ca.client_account_id = $1 AND l.state = 'active' \
               AND u.kind = 'accountant' AND u.disabled = 0 \
             ORDER BY lower(f.name), u.username_key LIMIT 500"
        ))
        .bind(client_account_id)
        .fetch_all(self.pool())
        .await?;
        Ok(found.into_iter().map(Assignment::from).collect())
    }

    /// How a user's address came to be validated: `None` when it is not validated for them
    /// (new, pending, blocked); `Some(true)` when their own option validated it by itself.
    pub async fn address_validation(
        &self,
        user_id: &str,
        ip: &str,
    ) -> Result<Option<bool>, StoreError> {
        let found: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT status, validated_by FROM ip_addresses WHERE user_id = $1 AND ip = $2",
        )
        .bind(user_id)
        .bind(ip)
        .fetch_optional(self.pool())
        .await?;
        Ok(match found {
            Some((status, by)) if status == "validated" => Some(by.as_deref() == Some("automatic")),
            _ => None,
        })
    }
}
