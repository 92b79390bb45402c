//! Rendering pages from templates.
//!
//! Templates are minijinja files built into the binary from `crates/web/templates/`. A city
//! can replace any of them, without rebuilding, by putting a file of the same name into the
//! folder `templates.override_dir` names. All templates are compiled at start-up, so a
//! broken override stops the start with the template's name and line instead of failing
//! on the first visitor. Output is HTML-escaped unless a value is marked safe, which only
//! the Markdown renderer's output is.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::{Environment, Value};
use rust_embed::RustEmbed;
use serde::Serialize;

use crate::assets::Assets;
use crate::i18n::MessageTable;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Embedded;

/// The compiled templates.
#[derive(Debug)]
pub struct Templates {
    environment: Environment<'static>,
}

impl Templates {
    /// Loads and compiles every template, the overrides first.
    pub fn load(override_dir: Option<&Path>, assets: &Assets) -> Result<Templates, String> {
        let mut environment = Environment::new();
        let overrides: Option<PathBuf> = override_dir.map(Path::to_owned);

        environment.set_loader(move |name| {
            if let Some(folder) = &overrides {
                let path = folder.join(name);
                if path.is_file() {
                    return std::fs::read_to_string(&path).map(Some).map_err(|error| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("cannot read {}: {error}", path.display()),
                        )
                    });
                }
            }
            Ok(Embedded::get(name).map(|file| String::from_utf8_lossy(&file.data).into_owned()))
        });

        let urls = assets.urls();
        environment.add_function("asset", move |path: &str| {
            urls.get(path)
                .cloned()
                .unwrap_or_else(|| format!("/assets/{path}"))
        });
        environment.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);

        for name in Embedded::iter() {
            environment
                .get_template(&name)
                .map_err(|error| describe(&error))?;
        }
        Ok(Templates { environment })
    }

    /// Renders a template with `context` and the interface texts `t`.
    pub fn render(
        &self,
        name: &str,
        texts: &Arc<MessageTable>,
        context: impl Serialize,
    ) -> Result<String, minijinja::Error> {
        let texts = Value::from_dyn_object(Arc::clone(texts));
        let context =
            minijinja::context! { t => texts, ..Value::from(minijinja::value::Serde(context)) };
        self.environment.get_template(name)?.render(context)
    }
}

/// A template error with its template name and line.
fn describe(error: &minijinja::Error) -> String {
    match (error.name(), error.line()) {
        (Some(name), Some(line)) => format!("{name}, line {line}: {error}"),
        (Some(name), None) => format!("{name}: {error}"),
        _ => error.to_string(),
    }
}
