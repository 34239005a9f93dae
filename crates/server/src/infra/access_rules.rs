//! The forward-auth rules file (`--access-rules FILE`): TOML, read and checked at start-up and
//! read again on SIGHUP. The rules themselves (what matches, what they ask) are
//! `portcullis_core::forward_auth`.
//!
//! ```toml
//! [[rule]]
//! hosts = ["wiki.example.com"]
//! policy = "one_factor"
//!
//! [[rule]]
//! hosts = ["*.tools.example.com"]
//! paths = ["/admin"]
//! policy = "two_factor"
//! kinds = ["administrator"]
//! ```

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use portcullis_core::forward_auth::{HostPattern, PathPrefix, Policy, Rule};
use portcullis_core::user::UserKind;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    rule: Vec<RuleEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    hosts: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    policy: String,
    #[serde(default)]
    accounts: Vec<String>,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    administrations: Vec<String>,
}

/// Reads rules from TOML text; the error names the rule (counted from 1) and what to write.
pub fn parse(text: &str) -> Result<Vec<Rule>, String> {
    let file: RulesFile = toml::from_str(text).map_err(|e| e.to_string())?;
    file.rule
        .into_iter()
        .enumerate()
        .map(|(i, entry)| rule(entry).map_err(|problem| format!("rule {}: {problem}", i + 1)))
        .collect()
}

fn rule(entry: RuleEntry) -> Result<Rule, String> {
    if entry.hosts.is_empty() {
        return Err("hosts is empty: name at least one host".into());
    }
    let policy = Policy::parse(&entry.policy).ok_or_else(|| {
        format!(
            "policy '{}' is not one of deny, one_factor, two_factor, passkey",
            entry.policy
        )
    })?;
    let kinds = entry
        .kinds
        .iter()
        .map(|k| {
            UserKind::parse(k).ok_or_else(|| {
                format!("kind '{k}' is not one of administrator, accountant, employee")
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Rule {
        hosts: entry
            .hosts
            .iter()
            .map(|h| HostPattern::parse(h).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?,
        paths: entry
            .paths
            .iter()
            .map(|p| PathPrefix::parse(p).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?,
        policy,
        accounts: entry.accounts,
        kinds,
        administrations: entry.administrations,
    })
}

/// Reads and checks the rules file.
pub fn load(path: &Path) -> Result<Vec<Rule>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The rules in force in this process: replaced whole on reload, read without waiting.
#[derive(Debug, Default)]
pub struct LiveRules {
    file: Option<PathBuf>,
    current: RwLock<Arc<Vec<Rule>>>,
}

impl LiveRules {
    /// Rules read from `file` (none: no rules, every request denied).
    pub fn new(file: Option<PathBuf>, rules: Vec<Rule>) -> LiveRules {
        LiveRules {
            file,
            current: RwLock::new(Arc::new(rules)),
        }
    }

    /// The rules now.
    pub fn current(&self) -> Arc<Vec<Rule>> {
        match self.current.read() {
            Ok(rules) => rules.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the file again. A file that no longer reads or checks leaves the rules in force
    /// as they were, and says why. The number of rules now in force.
    pub fn reload(&self) -> Result<usize, String> {
        let Some(file) = &self.file else {
            return Ok(0);
        };
        let fresh = Arc::new(load(file)?);
        let count = fresh.len();
        match self.current.write() {
            Ok(mut rules) => *rules = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rules_file_reads_into_rules_in_order() {
        let rules = parse(
            r#"
            [[rule]]
            hosts = ["wiki.example.com", "*.tools.example.com"]
            paths = ["/admin"]
            policy = "two_factor"
            kinds = ["administrator"]
            administrations = ["Finance"]

            [[rule]]
            hosts = ["wiki.example.com"]
            policy = "one_factor"
            accounts = ["acc-1"]
            "#,
        )
        .unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].policy, Policy::TwoFactor);
        assert_eq!(rules[0].hosts.len(), 2);
        assert_eq!(rules[0].kinds, vec![UserKind::Administrator]);
        assert_eq!(rules[1].accounts, vec!["acc-1".to_string()]);
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn a_bad_rule_is_named_with_what_to_write() {
        let cases = [
            (
                "[[rule]]\nhosts = [\"a.com\"]\npolicy = \"two-factor\"",
                "rule 1: policy 'two-factor'",
            ),
            (
                "[[rule]]\nhosts = []\npolicy = \"deny\"",
                "rule 1: hosts is empty",
            ),
            (
                "[[rule]]\nhosts = [\"a.com\"]\npolicy = \"deny\"\n[[rule]]\nhosts = [\"https://b.com\"]\npolicy = \"deny\"",
                "rule 2: 'https://b.com' is not a host name",
            ),
            (
                "[[rule]]\nhosts = [\"a.com\"]\npolicy = \"deny\"\npaths = [\"admin\"]",
                "must start with /",
            ),
            (
                "[[rule]]\nhosts = [\"a.com\"]\npolicy = \"deny\"\nkinds = [\"boss\"]",
                "kind 'boss'",
            ),
            (
                "[[rule]]\nhosts = [\"a.com\"]\npolicy = \"deny\"\nhost = \"b.com\"",
                "unknown field `host`",
            ),
            ("[[rule]]\npolicy = \"deny\"", "missing field `hosts`"),
        ];
        for (text, expected) in cases {
            let problem = parse(text).unwrap_err();
            assert!(
                problem.contains(expected),
                "{problem:?} should say {expected:?}"
            );
        }
    }

    #[test]
    fn a_reload_that_fails_keeps_the_rules_in_force() {
        let dir = std::env::temp_dir().join(format!("portcullis-rules-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("rules.toml");
        std::fs::write(&file, "[[rule]]\nhosts = [\"a.com\"]\npolicy = \"deny\"").unwrap();
        let live = LiveRules::new(Some(file.clone()), load(&file).unwrap());
        std::fs::write(&file, "[[rule]]\nhosts = [\"a.com\"]\npolicy = \"open\"").unwrap();
        assert!(live.reload().is_err());
        assert_eq!(live.current()[0].policy, Policy::Deny);
        std::fs::write(
            &file,
            "[[rule]]\nhosts = [\"a.com\"]\npolicy = \"one_factor\"",
        )
        .unwrap();
        assert_eq!(live.reload(), Ok(1));
        assert_eq!(live.current()[0].policy, Policy::OneFactor);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
