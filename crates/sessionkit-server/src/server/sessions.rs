//! The session store: what `POST /v1/sessions` created, for `GET /v1/sessions/{id}/decision`.
//! Capped: past `max` sessions the oldest is evicted first, so a server that lives through a
//! long CI job, a soak test or a load test keeps a bounded memory (its decision endpoint then
//! answers 404 for an evicted session, as for one it never made).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use serde::Serialize;
use sessionkit::model::CreatedVerification;
use sessionkit::model::SessionCreated;
use sessionkit::model::Verification;

/// Sessions kept by default: about 64 MiB of them (one takes about 1 KiB: its ids, token, URLs
/// and echoes, measured with `benches/src/bin/server_load.rs`).
pub const DEFAULT_MAX_SESSIONS: usize = 65_536;

pub(crate) struct Sessions(Mutex<Store>);

struct Store {
    by_id: HashMap<String, (String, CreatedVerification)>,
    /// Decisions made through `POST /__sessionkit/decide`, by session id.
    decided: HashMap<String, serde_json::Value>,
    /// Ids, oldest first.
    order: VecDeque<String>,
    max: usize,
    evicted: u64,
}

/// The store's size, as `GET /__sessionkit/health` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SessionStats {
    /// Sessions kept now.
    pub stored: usize,
    /// The cap.
    pub max: usize,
    /// Sessions evicted to stay under it, since the server started.
    pub evicted: u64,
}

impl Sessions {
    /// An empty store keeping at most `max` sessions (at least one).
    pub(crate) fn new(max: usize) -> Self {
        Self(Mutex::new(Store {
            by_id: HashMap::new(),
            decided: HashMap::new(),
            order: VecDeque::new(),
            max: max.max(1),
            evicted: 0,
        }))
    }

    /// Creates a session for `api_key`, echoing `endUserId` and `vendorData`.
    pub(crate) fn create(
        &self,
        base_url: &str,
        api_key: &str,
        verification: Option<&Verification>,
    ) -> SessionCreated {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let created = CreatedVerification {
            id: uuid::Uuid::new_v4().to_string(),
            url: format!("{base_url}/v/{token}"),
            session_token: token,
            base_url: base_url.to_owned(),
            status: "created".into(),
            end_user_id: verification.and_then(|v| v.end_user_id.clone()),
            vendor_data: verification.and_then(|v| v.vendor_data.clone()),
        };
        if let Ok(mut store) = self.0.lock() {
            store.insert(api_key, &created);
        }
        SessionCreated {
            status: "success".into(),
            verification: created,
            diagnostics: Vec::new(),
        }
    }

    /// The session `id`, when `api_key` created it and it was not evicted.
    pub(crate) fn get(&self, id: &str, api_key: &str) -> Option<CreatedVerification> {
        let store = self.0.lock().ok()?;
        let (owner, session) = store.by_id.get(id)?;
        (owner == api_key).then(|| session.clone())
    }

    /// Records decision `status` (`code`) for session `id`: the decision payload, and the API key
    /// that created the session (the webhook carries it). `None` for a session it does not have.
    pub(crate) fn decide(
        &self,
        id: &str,
        status: &str,
        code: u16,
    ) -> Option<(String, serde_json::Value)> {
        let mut store = self.0.lock().ok()?;
        let (owner, session) = store.by_id.get(id)?.clone();
        // The echo as the 201 made it: the same serialization of the same value.
        let vendor = serde_json::to_value(&session.vendor_data).unwrap_or_default();
        let end_user = session
            .end_user_id
            .clone()
            .map_or(serde_json::Value::Null, serde_json::Value::String);
        let payload = crate::decision::payload(id, status, code, &vendor, &end_user);
        store.decided.insert(id.to_owned(), payload.clone());
        Some((owner, payload))
    }

    /// The decision made for session `id`, if any.
    pub(crate) fn decision(&self, id: &str) -> Option<serde_json::Value> {
        self.0.lock().ok()?.decided.get(id).cloned()
    }

    pub(crate) fn stats(&self) -> SessionStats {
        self.0.lock().map_or(
            SessionStats {
                stored: 0,
                max: 0,
                evicted: 0,
            },
            |s| SessionStats {
                stored: s.by_id.len(),
                max: s.max,
                evicted: s.evicted,
            },
        )
    }
}

impl Store {
    fn insert(&mut self, api_key: &str, created: &CreatedVerification) {
        self.by_id
            .insert(created.id.clone(), (api_key.to_owned(), created.clone()));
        self.order.push_back(created.id.clone());
        while self.by_id.len() > self.max {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            self.by_id.remove(&oldest);
            self.decided.remove(&oldest);
            self.evicted += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_session_is_evicted_first() {
        let sessions = Sessions::new(3);
        let ids: Vec<String> = (0..5)
            .map(|_| sessions.create("http://x", "k", None).verification.id)
            .collect();
        let stats = sessions.stats();
        assert_eq!((stats.stored, stats.max, stats.evicted), (3, 3, 2));
        assert!(sessions.get(&ids[0], "k").is_none());
        assert!(sessions.get(&ids[1], "k").is_none());
        for id in &ids[2..] {
            assert!(sessions.get(id, "k").is_some());
        }
        assert!(sessions.get(&ids[4], "another key").is_none());
    }
}
