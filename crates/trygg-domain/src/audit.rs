//! The audit log's tamper evidence: a keyed hash chain over every entry.
//!
//! Each entry's hash is HMAC-SHA256(key, previous hash ‖ the entry's fields), so changing,
//! removing, reordering or inserting an entry breaks the chain from that point on, and
//! nobody without the key (which lives in configuration, never in the database) can
//! recompute it. Cutting off the newest entries leaves a valid shorter chain; a checkpoint
//! (sequence number and hash written elsewhere) catches that.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::time::Instant;

type HmacSha256 = Hmac<Sha256>;

/// The secret key of the audit chain. Debug output never shows it.
#[derive(Clone)]
pub struct AuditKey(Vec<u8>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(***)")
    }
}

impl AuditKey {
    /// At least 32 bytes, so the key is not the weak link of HMAC-SHA256.
    pub fn new(bytes: Vec<u8>) -> Result<Self, crate::Invalid> {
        if bytes.len() < 32 {
            return Err(crate::Invalid::new("audit_key", "audit_key_too_short"));
        }
        Ok(Self(bytes))
    }
}

/// The hash of the (non-existent) entry before the first: 32 zero bytes.
pub const GENESIS: [u8; 32] = [0; 32];

/// What a use case says about a change; the store adds sequence number and hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditDraft {
    pub at: Instant,
    pub actor_user_id: Option<i64>,
    pub actor_org_id: Option<i64>,
    /// A stable snake_case verb, e.g. `user_created`, `login_failed`.
    pub action: String,
    /// What kind of object was touched, e.g. `user`, `session`, `organisation`.
    pub object_type: String,
    /// Its id; the store fills it in for objects it creates.
    pub object_id: Option<String>,
    pub request_id: Option<String>,
    /// Facts worth keeping as a compact JSON object (never passwords or free text).
    pub detail: String,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(flatten)]
    pub draft: AuditDraft,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

fn put(mac: &mut HmacSha256, field: &[u8]) {
    // Length-prefixing makes the encoding unambiguous: ("ab","c") ≠ ("a","bc").
    mac.update(&(field.len() as u64).to_be_bytes());
    mac.update(field);
}

fn put_opt(mac: &mut HmacSha256, field: Option<&[u8]>) {
    match field {
        None => mac.update(&[0]),
        Some(f) => {
            mac.update(&[1]);
            put(mac, f);
        }
    }
}

/// The chain hash of the entry with sequence number `seq` after `prev`.
pub fn chain_hash(key: &AuditKey, prev: &[u8; 32], seq: i64, d: &AuditDraft) -> [u8; 32] {
    // `new_from_slice` accepts any key length for HMAC, so this cannot fail; fall back to
    // an empty-key MAC rather than panic to satisfy the type.
    let mut mac = match HmacSha256::new_from_slice(&key.0) {
        Ok(m) => m,
        Err(_) => return GENESIS,
    };
    mac.update(b"trygg-audit-v1");
    mac.update(prev);
    mac.update(&seq.to_be_bytes());
    mac.update(&d.at.micros().to_be_bytes());
    put_opt(
        &mut mac,
        d.actor_user_id
            .map(i64::to_be_bytes)
            .as_ref()
            .map(|b| &b[..]),
    );
    put_opt(
        &mut mac,
        d.actor_org_id
            .map(i64::to_be_bytes)
            .as_ref()
            .map(|b| &b[..]),
    );
    put(&mut mac, d.action.as_bytes());
    put(&mut mac, d.object_type.as_bytes());
    put_opt(&mut mac, d.object_id.as_deref().map(str::as_bytes));
    put_opt(&mut mac, d.request_id.as_deref().map(str::as_bytes));
    put(&mut mac, d.detail.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The newest verified point of the chain, as written by `trygg audit checkpoint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    #[serde(with = "hex32")]
    pub hash: [u8; 32],
}

/// Why verification stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// A sequence number is missing or out of order (an entry removed, inserted or moved).
    #[error("entry {found} follows entry {after}: expected {}", after + 1)]
    Gap { after: i64, found: i64 },
    /// The stored previous hash does not match the hash of the entry before.
    #[error("entry {seq} does not link to the entry before it")]
    BrokenLink { seq: i64 },
    /// The entry's contents do not match its hash (a field was changed).
    #[error("entry {seq} has been altered: its hash does not match its contents")]
    Altered { seq: i64 },
    /// The log ends before the checkpoint (entries were cut off).
    #[error("the log ends at entry {last} but the checkpoint names entry {checkpoint}")]
    Truncated { last: i64, checkpoint: i64 },
    /// The entry at the checkpoint's position is not the one the checkpoint saw.
    #[error("entry {seq} differs from the checkpoint")]
    CheckpointMismatch { seq: i64 },
}

impl ChainBreak {
    /// The sequence number of the first entry that is wrong.
    pub fn first_bad_seq(&self) -> i64 {
        match self {
            Self::Gap { found, .. } => *found,
            Self::BrokenLink { seq } | Self::Altered { seq } | Self::CheckpointMismatch { seq } => {
                *seq
            }
            Self::Truncated { last, .. } => last + 1,
        }
    }
}

/// Incremental verifier: feed entries in sequence order, then `finish`.
pub struct Verifier<'k> {
    key: &'k AuditKey,
    last_seq: i64,
    last_hash: [u8; 32],
    checkpoint: Option<Checkpoint>,
    checkpoint_seen: bool,
}

impl<'k> Verifier<'k> {
    pub fn new(key: &'k AuditKey, checkpoint: Option<Checkpoint>) -> Self {
        Self {
            key,
            last_seq: 0,
            last_hash: GENESIS,
            checkpoint,
            checkpoint_seen: false,
        }
    }

    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        if e.seq != self.last_seq + 1 {
            return Err(ChainBreak::Gap {
                after: self.last_seq,
                found: e.seq,
            });
        }
        if e.prev_hash != self.last_hash {
            return Err(ChainBreak::BrokenLink { seq: e.seq });
        }
        if chain_hash(self.key, &e.prev_hash, e.seq, &e.draft) != e.hash {
            return Err(ChainBreak::Altered { seq: e.seq });
        }
        if let Some(cp) = self.checkpoint
            && cp.seq == e.seq
        {
            if cp.hash != e.hash {
                return Err(ChainBreak::CheckpointMismatch { seq: e.seq });
            }
            self.checkpoint_seen = true;
        }
        self.last_seq = e.seq;
        self.last_hash = e.hash;
        Ok(())
    }

    /// The number of verified entries and the head of the chain.
    pub fn finish(self) -> Result<Checkpoint, ChainBreak> {
        if let Some(cp) = self.checkpoint
            && !self.checkpoint_seen
        {
            return Err(ChainBreak::Truncated {
                last: self.last_seq,
                checkpoint: cp.seq,
            });
        }
        Ok(Checkpoint {
            seq: self.last_seq,
            hash: self.last_hash,
        })
    }
}

/// Lower-case hex, for hashes in files and the database.
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Parses exactly 64 hex digits.
pub fn from_hex32(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_hex(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        super::from_hex32(&s).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key() -> AuditKey {
        AuditKey::new(vec![7; 32]).unwrap()
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let k = key();
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let draft = AuditDraft {
                    at: Instant::from_micros(seq * 1000),
                    actor_user_id: Some(1),
                    actor_org_id: Some(1),
                    action: "user_created".into(),
                    object_type: "user".into(),
                    object_id: Some(seq.to_string()),
                    request_id: None,
                    detail: "{}".into(),
                };
                let hash = chain_hash(&k, &prev, seq, &draft);
                let e = AuditEntry {
                    seq,
                    draft,
                    prev_hash: prev,
                    hash,
                };
                prev = hash;
                e
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry], cp: Option<Checkpoint>) -> Result<Checkpoint, ChainBreak> {
        let k = key();
        let mut v = Verifier::new(&k, cp);
        for e in entries {
            v.push(e)?;
        }
        v.finish()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, None).unwrap().seq, 5);
        assert_eq!(verify(&[], None).unwrap().seq, 0);
    }

    #[test]
    fn every_kind_of_tampering_is_named() {
        let c = chain(5);
        let mut altered = c.clone();
        altered[2].draft.object_id = Some("99".into());
        assert_eq!(verify(&altered, None), Err(ChainBreak::Altered { seq: 3 }));

        let mut deleted = c.clone();
        deleted.remove(1);
        assert_eq!(verify(&deleted, None).unwrap_err().first_bad_seq(), 3);

        let mut swapped = c.clone();
        swapped.swap(1, 2);
        assert_eq!(verify(&swapped, None).unwrap_err().first_bad_seq(), 3);

        let head = verify(&c, None).unwrap();
        let truncated = &c[..3];
        assert_eq!(
            verify(truncated, None).unwrap().seq,
            3,
            "undetectable without checkpoint"
        );
        assert_eq!(
            verify(truncated, Some(head)),
            Err(ChainBreak::Truncated {
                last: 3,
                checkpoint: 5
            })
        );
    }

    #[test]
    fn a_different_key_fails() {
        let c = chain(2);
        let other = AuditKey::new(vec![8; 32]).unwrap();
        let mut v = Verifier::new(&other, None);
        assert_eq!(v.push(&c[0]), Err(ChainBreak::Altered { seq: 1 }));
    }

    #[test]
    fn hex_round_trip_and_short_keys() {
        let h = chain(1)[0].hash;
        assert_eq!(from_hex32(&to_hex(&h)), Some(h));
        assert_eq!(from_hex32("abc"), None);
        assert!(AuditKey::new(vec![1; 31]).is_err());
    }
}
