//! Administrations (sets of books): created and renamed by those who administer the account,
//! each change audited in the same transaction.

use portcullis_core::ids;
use portcullis_store::StoreError;

use crate::flows::context::Acting;

/// Creates an administration named `name` (checked by the domain); returns its id.
pub async fn create(acting: &Acting<'_>, name: &str) -> Result<String, StoreError> {
    let id = ids::new_id();
    let mut tx = acting.state.store.begin().await?;
    tx.create_administration(&id, acting.account_id, name, acting.now)
        .await?;
    acting
        .audit(
            &mut tx,
            None,
            "administration.created",
            &format!("id={id} name={name}"),
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Renames administration `id` from `from` to `name`; `NotFound` when it is not the account's.
pub async fn rename(
    acting: &Acting<'_>,
    id: &str,
    from: &str,
    name: &str,
) -> Result<(), StoreError> {
    let mut tx = acting.state.store.begin().await?;
    tx.rename_administration(acting.account_id, id, name)
        .await?;
    acting
        .audit(
            &mut tx,
            None,
            "administration.renamed",
            &format!("id={id} from={from} to={name}"),
        )
        .await?;
    tx.commit().await
}
