//! The WebAuthn relying party, made once from the configured public URL.

use webauthn_rs::prelude::{Url, Webauthn, WebauthnBuilder};

use super::config::Config;

/// The relying party for the public URL: its host is the rp id, its origin the only origin.
/// `None` when the host cannot be one (an IP address): passkeys are then unavailable.
pub fn relying_party(config: &Config) -> Option<Webauthn> {
    let origin = Url::parse(&config.public_origin()).ok()?;
    let rp_id = origin.domain()?.to_string();
    WebauthnBuilder::new(&rp_id, &origin)
        .ok()?
        .rp_name("Portcullis")
        .build()
        .ok()
}
