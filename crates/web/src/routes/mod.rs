//! The request handlers, by channel.

pub mod api;
pub mod feedback;
pub mod feeds;
pub mod media;
pub mod ops;
pub mod portal;
