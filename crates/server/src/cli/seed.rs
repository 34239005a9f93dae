//! `portcullis dev seed`: many accounts, users and IP records at once, for benchmarks and for
//! trying the pages with realistic volumes. Development data only: every seeded user shares one
//! password hash (one argon2 run instead of a million) and every seeded account one security code.

use std::net::IpAddr;
use std::time::Instant;

use portcullis_core::Timestamp;
use portcullis_core::ids::new_id;
use portcullis_core::password;
use portcullis_core::secret_box::Keyring;
use portcullis_core::security_code;
use portcullis_core::user::UserKind;
use portcullis_store::{NewAccount, NewUser, SeedIp, Store, StoreError};
use secrecy::{ExposeSecret, SecretString};

use crate::flows::people::accounts::security_code_context;
use crate::flows::people::accounts::security_code_index;

/// Users per transaction.
const USERS_PER_BATCH: u64 = 10_000;

/// Most IP records one seeded user can have (their addresses are `10.<n>.x.y`, n < 250).
pub const MAX_IPS_PER_USER: u64 = 250;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

const USER_AGENTS: [&str; 3] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
];

/// What to seed.
#[derive(Debug)]
pub struct SeedPlan {
    /// Users in all.
    pub users: u64,
    /// IP records in all, spread evenly over the users.
    pub ip_records: u64,
    /// Users per account; the first of each is its administrator.
    pub account_size: u64,
    /// Usernames are `<prefix><n>`, n from 1.
    pub prefix: String,
    /// An address every seeded user has validated (their first IP record), so that logins from
    /// it start a session at once — the benchmark logs in from 127.0.0.1.
    pub validated_ip: Option<IpAddr>,
    /// Every seeded user's password.
    pub password: SecretString,
    /// Every seeded account's security code.
    pub security_code: String,
}

/// A plan that cannot be carried out.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The numbers do not fit together.
    #[error("{0}")]
    Invalid(String),
    /// The database refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What was made.
#[derive(Debug)]
pub struct SeedReport {
    /// Accounts created.
    pub accounts: u64,
    /// The first account's id (its administrator is `<prefix>1`).
    pub first_account_id: String,
    /// Seconds taken.
    pub seconds: f64,
}

impl SeedPlan {
    fn check(&self) -> Result<(), SeedError> {
        if self.users == 0 || self.account_size == 0 {
            return Err(SeedError::Invalid(
                "--users and --account-size must be at least 1".into(),
            ));
        }
        if self.ip_records.div_ceil(self.users) > MAX_IPS_PER_USER {
            return Err(SeedError::Invalid(format!(
                "at most {MAX_IPS_PER_USER} IP records per user: raise --users or lower --ip-records"
            )));
        }
        if self.validated_ip.is_some() && self.ip_records < self.users {
            return Err(SeedError::Invalid(
                "--validated-ip needs at least one IP record per user (--ip-records ≥ --users)"
                    .into(),
            ));
        }
        if !self
            .prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            || self.prefix.is_empty()
        {
            return Err(SeedError::Invalid(
                "--prefix takes letters, digits, '-' and '_'".into(),
            ));
        }
        Ok(())
    }

    /// How many IP records user `n` (0-based) gets.
    fn ips_of(&self, n: u64) -> u64 {
        self.ip_records / self.users + u64::from(n < self.ip_records % self.users)
    }
}

/// The `i`-th address of user `n`: `10.i.hi.lo` (distinct per user, which is all the key needs).
fn seeded_address(n: u64, i: u64) -> String {
    format!("10.{}.{}.{}", i % 250, (n >> 8) & 255, n & 255)
}

/// A spread of states like a real account's: mostly validated, some waiting, a few blocked.
fn seeded_status(n: u64, i: u64) -> &'static str {
    match (n + i) % 10 {
        0 => "blocked",
        1..=3 => "pending",
        _ => "validated",
    }
}

/// Loads the plan in batches; `progress` hears (users done, users in all) after each.
pub async fn seed(
    store: &Store,
    keys: &Keyring,
    plan: &SeedPlan,
    now: Timestamp,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<SeedReport, SeedError> {
    plan.check()?;
    if !store
        .users_named(&format!("{}1", plan.prefix))
        .await?
        .is_empty()
    {
        return Err(SeedError::Invalid(format!(
            "users named {}… exist already: seed into an empty database or choose another --prefix",
            plan.prefix
        )));
    }
    let started = Instant::now();
    let hash = password::hash_password(plan.password.expose_secret())
        .map_err(|e| SeedError::Invalid(e.to_string()))?;
    let mut account_id = String::new();
    let mut first_account_id = None;
    let mut accounts_made = 0;
    let mut done = 0;
    while done < plan.users {
        let end = (done + USERS_PER_BATCH).min(plan.users);
        let mut accounts = Vec::new();
        let mut users = Vec::with_capacity((end - done) as usize);
        let mut ips = Vec::new();
        for n in done..end {
            let number = n + 1;
            let position = n % plan.account_size;
            if position == 0 {
                account_id = new_id();
                accounts_made += 1;
                accounts.push(NewAccount {
                    security_code_enc: keys.encrypt(
                        &security_code_context(&account_id),
                        security_code::seeded(&plan.security_code, accounts_made).as_bytes(),
                    ),
                    security_code_index: security_code_index(
                        keys,
                        &security_code::seeded(&plan.security_code, accounts_made),
                    ),
                    id: account_id.clone(),
                    name: format!("Seed company {accounts_made}"),
                    created_at: now,
                    language: portcullis_core::language::Language::English,
                    time_zone: crate::i18n::DEFAULT_TIME_ZONE.to_string(),
                });
                first_account_id.get_or_insert_with(|| account_id.clone());
            }
            let user_id = new_id();
            for i in 0..plan.ips_of(n) {
                // Spread over 90 days, to the millisecond, as real visits are.
                let last_seen_at = now.millis()
                    - ((n * 7_919 + i * 104_729) % 90) as i64 * DAY_MS
                    - ((n * 2_654_435_761 + i * 40_503) % DAY_MS as u64) as i64;
                let (ip, status) = match (i, plan.validated_ip) {
                    (0, Some(ip)) => (ip.to_string(), "validated"),
                    _ => (seeded_address(n, i), seeded_status(n, i)),
                };
                ips.push(SeedIp {
                    account_id: account_id.clone(),
                    user_id: user_id.clone(),
                    ip,
                    status,
                    first_seen_at: last_seen_at - ((n + i) % 365) as i64 * DAY_MS,
                    last_seen_at,
                    user_agent: USER_AGENTS[((n + i) % 3) as usize],
                });
            }
            users.push(NewUser {
                id: user_id,
                account_id: account_id.clone(),
                username: format!("{}{number}", plan.prefix),
                name: format!("Seeded person {number}"),
                email: format!("{}{number}@seed.invalid", plan.prefix),
                kind: match position {
                    0 => UserKind::Administrator,
                    p if p % 50 == 49 => UserKind::Accountant,
                    _ => UserKind::Employee,
                },
                password_hash: Some(hash.clone()),
                created_at: now,
            });
        }
        store.insert_seed_batch(&accounts, &users, &ips).await?;
        done = end;
        progress(done, plan.users);
    }
    store.analyze().await?;
    Ok(SeedReport {
        accounts: accounts_made,
        first_account_id: first_account_id.unwrap_or_default(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The security code for the plan (display form), generated when none is chosen.
pub fn security_code_for(chosen: Option<&str>) -> Result<String, SeedError> {
    match chosen {
        Some(code) => {
            security_code::parse_chosen(code).map_err(|e| SeedError::Invalid(e.to_string()))
        }
        None => Ok(security_code::generate()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(users: u64, ip_records: u64) -> SeedPlan {
        SeedPlan {
            users,
            ip_records,
            account_size: 10,
            prefix: "seed".into(),
            validated_ip: None,
            password: SecretString::from("x"),
            security_code: "ABCD".into(),
        }
    }

    #[test]
    fn ip_records_are_spread_evenly_and_add_up() {
        let p = plan(7, 30);
        let per_user: Vec<u64> = (0..7).map(|n| p.ips_of(n)).collect();
        assert_eq!(per_user, vec![5, 5, 4, 4, 4, 4, 4]);
        assert_eq!(per_user.iter().sum::<u64>(), 30);
    }

    #[test]
    fn addresses_are_distinct_per_user_and_plans_that_cannot_fit_are_refused() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..MAX_IPS_PER_USER {
            assert!(seen.insert(seeded_address(1_000_000, i)));
        }
        assert!(plan(2, 2 * MAX_IPS_PER_USER).check().is_ok());
        assert!(plan(2, 2 * MAX_IPS_PER_USER + 1).check().is_err());
        assert!(plan(0, 0).check().is_err());
        let mut bad = plan(2, 2);
        bad.prefix = "a b".into();
        assert!(bad.check().is_err());
    }
}
