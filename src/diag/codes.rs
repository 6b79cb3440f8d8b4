//! The registry of diagnostic codes: one declaration per code, grouped by phase, each with a
//! title and a wrong and a corrected example. docs/diagnostics.md and the snapshot tests
//! (tests/diagnostics.rs) are made from this table. A released code is never reused.
//!
//! Ranges: E00xx syntax, E01xx names, imports and schema, E02xx types, E03xx data (loaders),
//! E04xx engines, W00xx warnings.
//!
//! An example is the text of one `.seg` file, checked against [`DOC_SCHEMA`]. An example that
//! needs several files writes each after a line `--- NAME`; a file named `schema.toml` among
//! them replaces the schema.

use super::Severity;

/// The schema every example is checked against unless it brings its own.
pub const DOC_SCHEMA: &str = r#"[events.purchase]
value = "number"
category = "string"

[events.page_view]
url = "string"

[events.login]
method = "string"

[events.video_view]
content = "string"

[events.demo_request]
source = "string"

[verbs]
visited = { event = "page_view", key = "url" }

[profile]
country = "string"
email_opt_in = "bool"
account_id = "string"
signup_at = "timestamp"

[account]
stage = "string"
seats = "number"
"#;

/// One registry entry.
#[derive(Debug)]
pub struct CodeInfo {
    pub code: Code,
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub wrong: &'static str,
    pub right: &'static str,
}

macro_rules! codes {
    ($($variant:ident = $id:literal, $severity:ident, $title:literal,
        wrong: $wrong:expr, right: $right:expr;)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant),* }

        /// Every code, in registry order.
        pub const CODES: &[CodeInfo] = &[
            $(CodeInfo {
                code: Code::$variant,
                id: $id,
                severity: Severity::$severity,
                title: $title,
                wrong: $wrong,
                right: $right,
            }),*
        ];
    };
}

codes! {
    // ---- syntax
    Syntax = "E0001", Error, "the text does not parse",
        wrong: "segment buyers = did(purchase within)\n",
        right: "segment buyers = did(purchase within 7d)\n";
    BadEscape = "E0002", Error, "a string has an unknown escape",
        wrong: "segment s = visited(\"/docs\\q\")\n",
        right: "segment s = visited(\"/docs\\\\q\")\n";
    BadTime = "E0003", Error, "a date or timestamp literal is not a real instant",
        wrong: "segment s = did(purchase after 2024-02-30)\n",
        right: "segment s = did(purchase after 2024-02-29)\n";
    OutOfRange = "E0004", Error, "a number or duration literal is out of range",
        wrong: "segment s = sum(purchase.value) > 1e999\n",
        right: "segment s = sum(purchase.value) > 1e9\n";
    ChainedComparison = "E0005", Error, "comparisons do not chain",
        wrong: "segment s = 1 < count(purchase) < 5\n",
        right: "segment s = count(purchase) > 1 and count(purchase) < 5\n";
    TooDeep = "E0006", Error, "an expression is nested too deeply",
        wrong: concat!(
            "segment s = ",
            "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((",
            "did(login)",
            "))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))\n"
        ),
        right: "segment s = (did(login))\n";

    // ---- names, imports and schema
    UnknownEvent = "E0101", Error, "no event type has this name",
        wrong: "segment s = did(purchse)\n",
        right: "segment s = did(purchase)\n";
    UnknownProperty = "E0102", Error, "the event type has no such property",
        wrong: "segment s = sum(purchase.valeu) > 100\n",
        right: "segment s = sum(purchase.value) > 100\n";
    UnknownProfileAttribute = "E0103", Error, "the profile has no such attribute",
        wrong: "segment s = profile.contry == \"DE\"\n",
        right: "segment s = profile.country == \"DE\"\n";
    UnknownAccountAttribute = "E0104", Error, "the account has no such attribute",
        wrong: "segment s on account = account.stag == \"trial\"\n",
        right: "segment s on account = account.stage == \"trial\"\n";
    UnknownFunction = "E0105", Error, "no function or verb has this name",
        wrong: "segment s = visted(\"/pricing\")\n",
        right: "segment s = visited(\"/pricing\")\n";
    UnknownName = "E0106", Error, "no segment or `let` has this name",
        wrong: "segment buyers = did(purchase)\nsegment s = buyer and did(login)\n",
        right: "segment buyers = did(purchase)\nsegment s = buyers and did(login)\n";
    DuplicateName = "E0107", Error, "a name is defined twice",
        wrong: "segment buyers = did(purchase)\nsegment buyers = count(purchase) > 1\n",
        right: "segment buyers = did(purchase)\nsegment repeat_buyers = count(purchase) > 1\n";
    ReferenceCycle = "E0108", Error, "segments or lets refer to each other in a cycle",
        wrong: "segment a = b or did(login)\nsegment b = c\nsegment c = a\n",
        right: "segment a = b or did(login)\nsegment b = c\nsegment c = did(purchase)\n";
    ImportCycle = "E0109", Error, "files import each other in a cycle",
        wrong: "--- main.seg\nimport \"common.seg\"\nsegment s = base\n--- common.seg\nimport \"main.seg\"\nsegment base = did(login)\n",
        right: "--- main.seg\nimport \"common.seg\"\nsegment s = base\n--- common.seg\nsegment base = did(login)\n";
    UnresolvedImport = "E0110", Error, "an imported file cannot be read",
        wrong: "--- main.seg\nimport \"comon.seg\"\nsegment s = base\n--- common.seg\nsegment base = did(login)\n",
        right: "--- main.seg\nimport \"common.seg\"\nsegment s = base\n--- common.seg\nsegment base = did(login)\n";
    ExpansionTooLarge = "E0111", Error, "lets expand into an expression too large or too deep",
        wrong: concat!(
            "let a0 = count(purchase)\n",
            "let a1 = a0 + a0\n",
            "let a2 = a1 + a1\n",
            "let a3 = a2 + a2\n",
            "let a4 = a3 + a3\n",
            "let a5 = a4 + a4\n",
            "let a6 = a5 + a5\n",
            "let a7 = a6 + a6\n",
            "let a8 = a7 + a7\n",
            "let a9 = a8 + a8\n",
            "let a10 = a9 + a9\n",
            "let a11 = a10 + a10\n",
            "let a12 = a11 + a11\n",
            "let a13 = a12 + a12\n",
            "let a14 = a13 + a13\n",
            "let a15 = a14 + a14\n",
            "let a16 = a15 + a15\n",
            "let a17 = a16 + a16\n",
            "segment s = a17 > 3\n"
        ),
        right: "let a0 = count(purchase)\nsegment s = a0 * 131072 > 3\n";
    ListUnreadable = "E0112", Error, "a `listed()` file cannot be read",
        wrong: "--- main.seg\nsegment leads = listed(\"lists/lead.csv\")\n--- lists/leads.csv\nuser_id\nu1\n",
        right: "--- main.seg\nsegment leads = listed(\"lists/leads.csv\")\n--- lists/leads.csv\nuser_id\nu1\n";
    ListMalformed = "E0113", Error, "a `listed()` file has a row without a usable id",
        wrong: "--- main.seg\nsegment leads = listed(\"leads.csv\")\n--- leads.csv\nemail,name\na@example.com,Ann\n",
        right: "--- main.seg\nsegment leads = listed(\"leads.csv\")\n--- leads.csv\nemail,user_id\na@example.com,u1\n";

    SchemaMalformed = "E0150", Error, "the schema file is not valid TOML of the schema's shape",
        wrong: "--- main.seg\nsegment s = did(login)\n--- schema.toml\n[events.login]\nmethod = 3\n",
        right: "--- main.seg\nsegment s = did(login)\n--- schema.toml\n[events.login]\nmethod = \"string\"\n";
    SchemaUnknownType = "E0151", Error, "the schema names a type that does not exist",
        wrong: "--- main.seg\nsegment s = did(login)\n--- schema.toml\n[events.login]\nduration = \"float\"\n",
        right: "--- main.seg\nsegment s = did(login)\n--- schema.toml\n[events.login]\nduration = \"number\"\n";
    SchemaVerbEvent = "E0152", Error, "a verb names an event type the schema lacks",
        wrong: "--- main.seg\nsegment s = visited(\"/\")\n--- schema.toml\n[events.page_view]\nurl = \"string\"\n\n[verbs]\nvisited = { event = \"pageview\", key = \"url\" }\n",
        right: "--- main.seg\nsegment s = visited(\"/\")\n--- schema.toml\n[events.page_view]\nurl = \"string\"\n\n[verbs]\nvisited = { event = \"page_view\", key = \"url\" }\n";
    SchemaVerbKey = "E0153", Error, "a verb's key is not a property of its event type",
        wrong: "--- main.seg\nsegment s = visited(\"/\")\n--- schema.toml\n[events.page_view]\nurl = \"string\"\n\n[verbs]\nvisited = { event = \"page_view\", key = \"path\" }\n",
        right: "--- main.seg\nsegment s = visited(\"/\")\n--- schema.toml\n[events.page_view]\nurl = \"string\"\n\n[verbs]\nvisited = { event = \"page_view\", key = \"url\" }\n";
    SchemaBadName = "E0154", Error, "the schema declares a name seg cannot use",
        wrong: "--- main.seg\nsegment s = did(login)\n--- schema.toml\n[events.login]\nts = \"timestamp\"\n",
        right: "--- main.seg\nsegment s = did(login)\n--- schema.toml\n[events.login]\nlogin_at = \"timestamp\"\n";

    // ---- types and forms
    TypeMismatch = "E0201", Error, "an operator's operands have the wrong types",
        wrong: "segment s = sum(purchase.value) >= \"100\"\n",
        right: "segment s = sum(purchase.value) >= 100\n";
    AggregateType = "E0202", Error, "an aggregate is applied to a property of the wrong type",
        wrong: "segment s = sum(purchase.category) > 3\n",
        right: "segment s = distinct(purchase.category) > 3\n";
    WhereNotBool = "E0203", Error, "a `where` clause is not a condition",
        wrong: "segment s = did(purchase where value)\n",
        right: "segment s = did(purchase where value > 0)\n";
    BodyNotBool = "E0204", Error, "a segment's body is not a condition",
        wrong: "segment s = count(purchase)\n",
        right: "segment s = count(purchase) > 0\n";
    ThenOperand = "E0205", Error, "`then` joins something that is not an event predicate",
        wrong: "segment s = did(page_view) then profile.email_opt_in\n",
        right: "segment s = did(page_view) then did(purchase)\n";
    ThenNotPosition = "E0206", Error, "`then not` is not the last step",
        wrong: "segment s = did(page_view) then not did(login) then did(purchase)\n",
        right: "segment s = did(page_view) then did(purchase) then not did(login)\n";
    AccountOnlyForm = "E0207", Error, "an account-only form is used in a user segment",
        wrong: "segment s = count(users where did(login)) > 3\n",
        right: "segment s on account = count(users where did(login)) > 3\n";
    UserOnlyForm = "E0208", Error, "a user-only form is used in an account segment",
        wrong: "segment s on account = did(login within 7d)\n",
        right: "segment s on account = any(users where did(login within 7d))\n";
    ArgumentCount = "E0209", Error, "a call has the wrong number of arguments",
        wrong: "segment s = did(purchase, login)\n",
        right: "segment s = did(purchase) and did(login)\n";
    ArgumentKind = "E0210", Error, "a call's argument is not the kind of thing it takes",
        wrong: "segment s = sum(purchase) > 100\n",
        right: "segment s = sum(purchase.value) > 100\n";
    MisplacedModifier = "E0211", Error, "`where`, `from`, `to` or a window is given where it does not apply",
        wrong: "segment s = did(login from \"sso\")\n",
        right: "segment s = did(login where method == \"sso\")\n";
    BadWindow = "E0212", Error, "a window's bounds are of the wrong type or out of range",
        wrong: "segment s = did(purchase during months(0, 12))\n",
        right: "segment s = did(purchase during months(11, 12))\n";
    BadRegex = "E0213", Error, "a `matches` pattern is not a valid regular expression",
        wrong: "segment s = did(page_view where url matches \"^/blog/(\")\n",
        right: "segment s = did(page_view where url matches \"^/blog/\\\\(\")\n";
    MixedList = "E0214", Error, "a list holds values of different types",
        wrong: "segment s = profile.country in [\"DE\", 3]\n",
        right: "segment s = profile.country in [\"DE\", \"FR\"]\n";

    ConstantOutOfRange = "E0215", Error, "arithmetic on constants overflows or divides by zero",
        wrong: "segment s = did(purchase within 100000000d * 1000000)\n",
        right: "segment s = did(purchase within 365d * 10)\n";

    // ---- warnings
    UnusedLet = "W0001", Warning, "a `let` is never used",
        wrong: "let big_order = 100\nsegment s = did(purchase)\n",
        right: "let big_order = 100\nsegment s = did(purchase where value > big_order)\n";
    EmptyWindow = "W0002", Warning, "a window can never hold an event",
        wrong: "segment s = did(purchase between 2024-03-01 and 2024-01-01)\n",
        right: "segment s = did(purchase between 2024-01-01 and 2024-03-01)\n";
    AlwaysFalse = "W0003", Warning, "a comparison is always false because of its operands' types",
        wrong: "segment s = last(purchase) < 30d\n",
        right: "segment s = last(purchase) < 30d ago\n";
}

impl Code {
    #[must_use]
    pub fn info(self) -> &'static CodeInfo {
        CODES
            .iter()
            .find(|info| info.code == self)
            .expect("every code is in the registry")
    }

    #[must_use]
    pub fn id(self) -> &'static str {
        self.info().id
    }

    #[must_use]
    pub fn severity(self) -> Severity {
        self.info().severity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_match_severity() {
        let mut ids: Vec<_> = CODES.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CODES.len());
        for info in CODES {
            let letter = if info.severity == Severity::Error {
                'E'
            } else {
                'W'
            };
            assert!(info.id.starts_with(letter), "{}", info.id);
            assert_eq!(info.code.info().id, info.id);
        }
    }
}
