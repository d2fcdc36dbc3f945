//! Random tokens and password hashing.
//!
//! Tokens are 32 random bytes from the operating system, hex encoded; only their SHA-256
//! is stored, so a copy of the database does not hold usable session cookies. Passwords
//! are hashed with argon2id on the blocking pool: a hash takes tens of milliseconds of
//! CPU and must not stall the async workers.

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// 32 random bytes as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    trygg_domain::audit::to_hex(&bytes)
}

/// A random password that meets the rules, for demo users and password resets:
/// 20 characters from an alphabet without look-alikes (no 0/O, 1/l/I).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    // Groups of five are easier to read aloud and type.
    chars
        .as_bytes()
        .chunks(5)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// SHA-256 of a token, hex; what the database stores in place of the token.
pub fn token_hash(token: &str) -> String {
    trygg_domain::audit::to_hex(&Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison, for CSRF tokens.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut salt_bytes = [0u8; 16];
        OsRng.fill_bytes(&mut salt_bytes);
        let salt =
            SaltString::encode_b64(&salt_bytes).map_err(|e| Error::Internal(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(e.to_string()))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

/// Whether `password` matches the stored hash. With no stored hash (unknown e-mail) a
/// fixed hash is checked instead, so the answer takes as long either way.
pub async fn verify_password(password: String, stored: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let parsed = PasswordHash::new(&phc).map_err(|e| Error::Internal(e.to_string()))?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && known)
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

/// An argon2id hash (default parameters) of a random string nobody knows.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$N2WqIYyg+5V1cb8QAmX1eZQDuQwZ8nUwxhHc9pFq1Jk";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let a = hash_password("korrekt häst batteri".into()).await.unwrap();
        let b = hash_password("korrekt häst batteri".into()).await.unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(
            verify_password("korrekt häst batteri".into(), Some(a.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("fel lösenord här".into(), Some(a))
                .await
                .unwrap()
        );
        assert!(!verify_password("vad som helst".into(), None).await.unwrap());
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token());
        assert_eq!(token_hash(&t).len(), 64);
        assert_ne!(token_hash(&t), t);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
        let p = random_password();
        assert!(trygg_domain::account::NewPassword::parse(&p).is_ok(), "{p}");
    }
}
