//! Syntax: the logos token stream, the pest grammar binding and the AST.

pub mod ast;
pub mod erase;
mod errors;
mod hints;
pub mod lexer;
pub mod parser;

pub use parser::{parse_file, Parsed};

#[cfg(test)]
mod tests;
