//! Verifying the audit chain and writing checkpoints.

use trygg_domain::audit::{ChainBreak, Checkpoint, Verifier};
use trygg_domain::policy::Action;
use trygg_store::Store;

use crate::{Caller, Result, Trygg};

/// Entries read per round trip while verifying.
const PAGE: i64 = 5_000;

impl Trygg {
    /// Walks the whole chain in order. `Ok(Err(..))` names the first bad entry;
    /// the outer error is for failures to read at all.
    pub async fn verify_audit(
        &self,
        caller: &Caller,
        key: &trygg_domain::audit::AuditKey,
        checkpoint: Option<Checkpoint>,
        mut progress: impl FnMut(i64),
    ) -> Result<Result<Checkpoint, ChainBreak>> {
        caller.require(Action::VerifyAudit)?;
        let mut verifier = Verifier::new(key, checkpoint);
        let mut after = 0;
        loop {
            let page = self.db.audit_entries(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for e in &page {
                if let Err(b) = verifier.push(e) {
                    return Ok(Err(b));
                }
            }
            progress(after);
        }
        Ok(verifier.finish())
    }
}
