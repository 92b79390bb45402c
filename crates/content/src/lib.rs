//! The content platform of Rathaus: what the city does, described once and delivered to
//! every channel.
//!
//! Content items ([`model`]) enter through import files ([`import`]) or the staff portal's
//! editor, and are kept with all their revisions in the database ([`store`]); the images and
//! documents they show are kept beside them ([`media`]), and the editorial workflow
//! ([`workflow`]) takes a draft through review to publication. Each node holds the
//! published content in memory as a [`catalog::Catalog`] with its search index
//! ([`search`]), and answers every read from it; opening hours ([`hours`]) and distances
//! ([`location`]) are computed from the catalog. For editors, [`editor`] describes the
//! editing forms, [`readability`] scores texts and checks Leichte Sprache, and [`diff`]
//! compares two revisions of an item.

pub mod catalog;
pub mod diff;
pub mod editor;
pub mod error;
pub mod feedback;
pub mod hours;
pub mod import;
pub mod location;
pub mod markdown;
pub mod media;
pub mod model;
pub mod readability;
pub mod search;
pub mod store;
pub mod validate;
pub mod workflow;

pub use catalog::Catalog;
pub use error::ContentError;
pub use media::{MediaError, MediaStore};
pub use store::ContentStore;
pub use workflow::WorkflowError;
