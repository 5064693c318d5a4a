//! Per-test configuration overrides, given by the configuration key names of `playgram_core::config::KEYS`.

use std::collections::BTreeMap;

use playgram_core::config::KEYS;

/// Configuration overrides for one test app, such as `Settings::new().set("signup_open", true)`.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Environment variable name → value, as `Layers::load` looks them up.
    values: BTreeMap<&'static str, String>,
}

impl Settings {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a configuration key (its TOML name, such as `session_idle_minutes`).
    ///
    /// # Panics
    /// When no configuration key has that name, so a typo cannot silently test the default.
    pub fn set(mut self, key: &str, value: impl ToString) -> Self {
        let Some(known) = KEYS.iter().find(|k| k.name == key) else {
            panic!("Settings::set: no configuration key is named {key:?}");
        };
        self.values.insert(known.env, value.to_string());
        self
    }

    /// The overrides layered over `base`, as the environment lookup the config loader takes.
    pub(crate) fn environment(
        &self,
        base: BTreeMap<&'static str, String>,
    ) -> BTreeMap<&'static str, String> {
        let mut env = base;
        env.extend(self.values.iter().map(|(k, v)| (*k, v.clone())));
        env
    }
}
