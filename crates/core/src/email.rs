//! Email addresses: a light shape check. Delivery is the real test, so this only refuses what
//! can never be an address and keeps header injection out.

/// Why an email address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailProblem {
    /// Not of the form `name@domain.tld`, or contains spaces or control characters.
    #[error("Enter an email address like name@example.com.")]
    Invalid,
}

/// Checks an address and returns it trimmed.
pub fn parse(typed: &str) -> Result<String, EmailProblem> {
    let email = typed.trim();
    let valid = email.len() <= 254
        && !email.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
        })
        && match email.rsplit_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            }
            None => false,
        };
    if valid {
        Ok(email.to_string())
    } else {
        Err(EmailProblem::Invalid)
    }
}

/// The address with most of the local part hidden, for pages that confirm where mail went.
pub fn mask(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert_eq!(parse(" jan@example.nl ").unwrap(), "jan@example.nl");
        for bad in [
            "",
            "jan",
            "jan@",
            "@example.nl",
            "jan@example",
            "a b@example.nl",
            "jan@example.nl\r\nBcc: x@y.z",
        ] {
            assert_eq!(parse(bad), Err(EmailProblem::Invalid), "{bad:?}");
        }
    }

    #[test]
    fn masking_hides_the_local_part() {
        assert_eq!(mask("jan.devries@example.nl"), "j•••@example.nl");
    }
}
