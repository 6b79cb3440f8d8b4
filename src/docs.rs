//! Reference text made from the declarations: docs/diagnostics.md from the code registry and
//! the builtin table of docs/language.md. Tests compare these with the committed files.

use std::fmt::Write as _;

use crate::check::example::check_example;
use crate::diag::codes::{CODES, DOC_SCHEMA};
use crate::diag::render::to_plain_string;
use crate::names::builtins::BUILTINS;

/// docs/diagnostics.md.
#[must_use]
pub fn diagnostics_markdown() -> String {
    let mut out = String::from(
        "# Diagnostics\n\n\
         Every diagnostic seg reports, by code. Codes are stable: a released code is never \
         reused. E00xx are syntax, E01xx names, imports and the schema, E02xx types and forms, \
         W00xx warnings (`seg check --deny-warnings` makes them fail the check).\n\n\
         Each entry shows a wrong example, what `seg check` prints for it, and the corrected \
         example. Unless an example brings its own `schema.toml`, it is checked against this \
         schema:\n\n```toml\n",
    );
    out.push_str(DOC_SCHEMA);
    out.push_str("```\n\nThis file is generated from `src/diag/codes.rs` by `SEG_BLESS=1 cargo test --test all diagnostics::`.\n\n");
    out.push_str("| code | severity | meaning |\n| --- | --- | --- |\n");
    for info in CODES {
        let severity = format!("{:?}", info.severity).to_lowercase();
        let _ = writeln!(
            out,
            "| [{}](#{}) | {severity} | {} |",
            info.id,
            info.id.to_lowercase(),
            info.title
        );
    }
    for info in CODES {
        let _ = write!(
            out,
            "\n## {}\n\n{}.\n\nWrong:\n\n{}\n",
            info.id,
            capitalize(info.title),
            example_block(info.wrong)
        );
        let (sources, checked) = check_example(info.wrong);
        let _ = write!(
            out,
            "```text\n{}```\n\nCorrected:\n\n{}\n",
            to_plain_string(&sources, &checked.diagnostics),
            example_block(info.right)
        );
    }
    out
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

fn example_block(example: &str) -> String {
    let (files, schema) = crate::check::example::files(example);
    let mut out = String::new();
    let single = files.len() == 1 && schema == DOC_SCHEMA;
    for (path, text) in &files {
        if !single {
            let _ = write!(out, "`{}`:\n\n", path.display());
        }
        let language = match path.extension().and_then(|e| e.to_str()) {
            Some("seg") => "seg",
            Some("csv") => "csv",
            _ => "text",
        };
        let _ = write!(out, "```{language}\n{text}```\n");
    }
    if schema != DOC_SCHEMA {
        let _ = write!(out, "`schema.toml`:\n\n```toml\n{schema}```\n");
    }
    out
}

/// The builtin table of docs/language.md (between its `builtins` markers).
#[must_use]
pub fn builtins_markdown() -> String {
    let mut out =
        String::from("| function | result | meaning | example |\n| --- | --- | --- | --- |\n");
    for b in BUILTINS {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | `{}` |",
            b.signature.replace('|', "\\|"),
            b.returns.replace('|', "\\|"),
            b.summary,
            b.example.replace('|', "\\|")
        );
    }
    out
}
