//! The command line's work: administration commands, seeding data for benchmarks, the demo
//! account.

pub mod commands;
pub mod demo;
pub mod seed;
