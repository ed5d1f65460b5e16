//! The session store: what `POST /v1/sessions` created, for `GET /v1/sessions/{id}/decision`.

use std::collections::HashMap;
use std::sync::Mutex;

use sessionkit::model::CreatedVerification;
use sessionkit::model::SessionCreated;
use sessionkit::model::Verification;

#[derive(Default)]
pub(crate) struct Sessions(Mutex<HashMap<String, (String, CreatedVerification)>>);

impl Sessions {
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
        if let Ok(mut sessions) = self.0.lock() {
            sessions.insert(created.id.clone(), (api_key.to_owned(), created.clone()));
        }
        SessionCreated {
            status: "success".into(),
            verification: created,
        }
    }

    /// The session `id`, when `api_key` created it.
    pub(crate) fn get(&self, id: &str, api_key: &str) -> Option<CreatedVerification> {
        let sessions = self.0.lock().ok()?;
        let (owner, session) = sessions.get(id)?;
        (owner == api_key).then(|| session.clone())
    }

    pub(crate) fn len(&self) -> usize {
        self.0.lock().map_or(0, |s| s.len())
    }
}
