//! Test support for sessionkit: the corpus loader, proptest strategies and test keys.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support panics with the reason

pub mod corpus;
pub mod strategies;
