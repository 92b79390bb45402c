//! The texts of the user interface in each variant.
//!
//! Content comes from the content platform; this is the frame around it: navigation,
//! labels, buttons and messages. Each variant has one TOML file in `crates/web/i18n/`
//! mapping a key to a text; `{name}` in a text is replaced by a value. A test makes sure
//! every file has exactly the keys German has and every key the templates use exists.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::value::{Object, Value};
use rathaus_content::model::Variant;

const GERMAN: &str = include_str!("../i18n/de.toml");
const ENGLISH: &str = include_str!("../i18n/en.toml");
const EASY_GERMAN: &str = include_str!("../i18n/ls.toml");

/// The interface texts of one variant.
#[derive(Debug)]
pub struct MessageTable {
    texts: BTreeMap<String, String>,
}

impl MessageTable {
    /// The text for `key`, or the key itself where it is missing (which a test prevents).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.texts.get(key).map_or(key, String::as_str)
    }

    /// The text for `key` with each `{name}` replaced by its value.
    pub fn format(&self, key: &str, values: &[(&str, &str)]) -> String {
        values
            .iter()
            .fold(self.get(key).to_owned(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    }

    /// All keys, for tests.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.texts.keys()
    }
}

impl Object for MessageTable {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(Value::from(self.get(key.as_str()?)))
    }
}

/// The texts of all variants.
#[derive(Debug, Clone)]
pub struct Messages {
    german: Arc<MessageTable>,
    english: Arc<MessageTable>,
    easy_german: Arc<MessageTable>,
}

impl Messages {
    /// Parses the built-in files.
    pub fn load() -> Result<Messages, String> {
        let parse = |name: &str, text: &str| -> Result<Arc<MessageTable>, String> {
            let texts: BTreeMap<String, String> =
                toml::from_str(text).map_err(|error| format!("i18n/{name}.toml: {error}"))?;
            Ok(Arc::new(MessageTable { texts }))
        };
        Ok(Messages {
            german: parse("de", GERMAN)?,
            english: parse("en", ENGLISH)?,
            easy_german: parse("ls", EASY_GERMAN)?,
        })
    }

    /// The texts of a variant.
    pub fn table(&self, variant: Variant) -> &Arc<MessageTable> {
        match variant {
            Variant::German => &self.german,
            Variant::English => &self.english,
            Variant::EasyGerman => &self.easy_german,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_variant_has_exactly_the_german_keys() {
        let messages = Messages::load().unwrap();
        let german: BTreeSet<&String> = messages.german.keys().collect();
        for variant in [Variant::English, Variant::EasyGerman] {
            let keys: BTreeSet<&String> = messages.table(variant).keys().collect();
            let missing: Vec<_> = german.difference(&keys).collect();
            let extra: Vec<_> = keys.difference(&german).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{variant}: missing {missing:?}, extra {extra:?}"
            );
        }
    }

    #[test]
    fn every_key_the_templates_use_exists() {
        let messages = Messages::load().unwrap();
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut missing = Vec::new();
        let mut files = Vec::new();
        let mut folders = vec![folder];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            for (index, _) in text.match_indices("t.") {
                let before = text[..index].chars().last();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let key: String = text[index + 2..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !key.is_empty() && !messages.german.texts.contains_key(&key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys used in templates but not in i18n/de.toml: {missing:#?}"
        );
    }

    #[test]
    fn placeholders_are_replaced() {
        let table = MessageTable {
            texts: BTreeMap::from([("k".into(), "{n} Treffer".into())]),
        };
        assert_eq!(table.format("k", &[("n", "3")]), "3 Treffer");
    }
}
