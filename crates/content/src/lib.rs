//! The content platform of Rathaus: what the city does, described once and delivered to
//! every channel.
//!
//! Content items ([`model`]) enter through import files ([`import`]) or, later, the editor,
//! and are kept with all their revisions in the database ([`store`]); the images and
//! documents they show are kept beside them ([`media`]). Each node holds the
//! published content in memory as a [`catalog::Catalog`] with its search index
//! ([`search`]), and answers every read from it; opening hours ([`hours`]) and distances
//! ([`location`]) are computed from the catalog.

pub mod catalog;
pub mod error;
pub mod hours;
pub mod import;
pub mod location;
pub mod markdown;
pub mod media;
pub mod model;
pub mod search;
pub mod store;
pub mod validate;

pub use catalog::Catalog;
pub use error::ContentError;
pub use media::{MediaError, MediaStore};
pub use store::ContentStore;
