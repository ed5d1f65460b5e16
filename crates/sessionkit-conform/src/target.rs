//! The server a run is sent to, as `Conform` and `Fuzz` both take it: a URL or the reference
//! server started in-process, the API key and secret it accepts, the profile it validates in.

use sessionkit::{Config, EXAMPLE_API_KEY, EXAMPLE_SHARED_SECRET, Profile};
use sessionkit_server::Background;

use crate::Error;
use crate::client;

/// The server under test and what it accepts.
#[derive(Debug, Clone)]
pub struct Target {
    /// URL of `POST /v1/sessions` on the server under test; `None` runs against the reference
    /// server, started in-process on `127.0.0.1:0` with these credentials.
    pub url: Option<String>,
    /// API key the target accepts.
    pub api_key: String,
    /// The target's shared secret: every request is signed with it.
    pub secret: String,
    /// Profile the target validates in.
    pub profile: Profile,
}

impl Default for Target {
    fn default() -> Self {
        Self::embedded()
    }
}

impl Target {
    /// The reference server, with the documentation's credentials, in the documented profile.
    pub fn embedded() -> Self {
        Self {
            url: None,
            api_key: EXAMPLE_API_KEY.into(),
            secret: EXAMPLE_SHARED_SECRET.into(),
            profile: Profile::Documented,
        }
    }

    /// The server at `url`, with the documentation's credentials until they are set.
    pub fn at(url: impl Into<String>) -> Self {
        Self {
            url: Some(url.into()),
            ..Self::embedded()
        }
    }

    /// The keys an answer of this target is signed with and carries.
    pub fn keys(&self) -> crate::judge::Keys<'_> {
        crate::judge::Keys {
            api_key: &self.api_key,
            secret: &self.secret,
        }
    }

    /// The same target with this API key and shared secret.
    pub fn credentials(mut self, api_key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.api_key = api_key.into();
        self.secret = secret.into();
        self
    }

    /// The URL, or `embedded reference server`, as reports name the target.
    pub fn describe(&self) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| "embedded reference server".into())
    }

    /// What the contract decides for a server with these credentials, in `profile`: the oracle
    /// every answer is judged by.
    pub(crate) fn config(&self, profile: Profile) -> Config {
        Config {
            profile,
            api_keys: vec![self.api_key.clone()],
            secrets: vec![self.secret.as_bytes().to_vec()],
            ..Config::default()
        }
    }

    /// The servers to send to: the URL (in its own profile; checked for its form, not that
    /// anything answers there: each run checks that its own way), or the reference server
    /// started in each of `embedded_profiles`.
    pub(crate) fn servers(&self, embedded_profiles: &[Profile]) -> Result<Servers, Error> {
        if let Some(url) = &self.url {
            client::split_url(url).map_err(Error)?;
            return Ok(Servers {
                urls: vec![(self.profile, url.clone())],
                _running: Vec::new(),
            });
        }
        let mut servers = Servers {
            urls: Vec::new(),
            _running: Vec::new(),
        };
        for &profile in embedded_profiles {
            let server = reference_server(profile, &self.api_key, &self.secret)
                .map_err(|e| Error(format!("cannot start the reference server: {e}")))?;
            servers.urls.push((profile, server.sessions_url()));
            servers._running.push(server);
        }
        Ok(servers)
    }
}

/// The URLs a run sends to, by profile, and the reference servers it started for them (each a
/// [`Background`], a thread and runtime of its own, so that a run works from synchronous and
/// asynchronous callers alike; stopped on drop).
pub(crate) struct Servers {
    pub(crate) urls: Vec<(Profile, String)>,
    _running: Vec<Background>,
}

/// The reference server for a run: in `profile`, knowing one API key and secret.
fn reference_server(profile: Profile, api_key: &str, secret: &str) -> std::io::Result<Background> {
    let mut settings = sessionkit_server::Settings::default();
    settings.receive.profile = profile;
    settings.receive.api_keys = vec![api_key.to_owned()];
    settings.receive.secrets = vec![secret.as_bytes().to_vec()];
    Background::start(settings)
}
