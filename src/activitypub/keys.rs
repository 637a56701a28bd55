//! Each actor's RSA-2048 key pair: made the first time the actor needs it, kept in
//! the store, and cached in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rsa::PrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};

use crate::store::Store;
use crate::store::call;

/// A new RSA-2048 key pair as (private PKCS#8 PEM, public SPKI PEM).
pub fn generate_pem() -> (String, String) {
    let key = PrivateKey::new(&mut getrandom::SysRng, 2048).expect("the system has randomness");
    let private = key.to_pkcs8_pem(LineEnding::LF).expect("a key encodes").to_string();
    let public = key.to_public_key().to_public_key_pem(LineEnding::LF).expect("a key encodes");
    (private, public)
}

/// A private key from PKCS#8 PEM.
pub fn private_key(pem: &str) -> Result<PrivateKey, String> {
    PrivateKey::from_pkcs8_pem(pem).map_err(|e| format!("a stored key does not decode: {e}"))
}

/// An actor's key pair.
pub struct ActorKey {
    /// For signing.
    pub private: PrivateKey,
    /// For the actor document.
    pub public_pem: String,
    /// When the key, and so the account, was made (Unix seconds): the actor's
    /// `published`.
    pub created_at: i64,
}

/// The actors' keys.
pub struct Keyring {
    store: Arc<Store>,
    cache: Mutex<HashMap<String, Arc<ActorKey>>>,
}

impl Keyring {
    /// Keys kept in this store.
    pub fn new(store: Arc<Store>) -> Keyring {
        Keyring { store, cache: Mutex::new(HashMap::new()) }
    }

    /// The key of an actor, made and stored on first use.
    pub async fn key(&self, actor: &str) -> Result<Arc<ActorKey>, String> {
        if let Some(key) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(actor) {
            return Ok(Arc::clone(key));
        }
        let name = actor.to_string();
        let (private_pem, public_pem, created_at) = call(&self.store, move |store| {
            if let Some(pair) = store.actor_key(&name)? {
                return Ok(pair);
            }
            let (private, public) = generate_pem();
            store.save_actor_key(&name, &private, &public, chrono::Utc::now().timestamp())
        })
        .await
        .map_err(|e| e.to_string())?;
        let key = Arc::new(ActorKey { private: private_key(&private_pem)?, public_pem, created_at });
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(actor.to_string(), Arc::clone(&key));
        Ok(key)
    }
}
