//! Every builtin function, declared once: its name, the form the checker gives it, its
//! signature, result, summary and an example. The checker, the schema's reserved names, the
//! explanations, the REPL's completion and help, docs/language.md and the tests all read this
//! table; what differs between the aggregates (the property they take) is an exhaustive match
//! on [`AggregateFn`], so a new aggregate does not compile until it is given one.

/// The aggregates over an event set (SPEC section 2), the plan's and every engine's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateFn {
    Did,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    First,
    Last,
    Top,
    Distinct,
    Days,
}

/// What an aggregate does with `EVENT.PROPERTY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyUse {
    /// Counts events: a property is an error (`did`, `count`, `days`).
    None,
    /// Over the events, or over a property's values (`first`, `last`).
    Optional,
    /// Needs a number property (`sum`, `avg`, `min`, `max`).
    Number,
    /// Needs a property of any type (`top`, `distinct`).
    Any,
}

impl AggregateFn {
    /// What the aggregate does with a property. No wildcard: a new aggregate must say.
    #[must_use]
    pub fn property(self) -> PropertyUse {
        match self {
            AggregateFn::Did | AggregateFn::Count | AggregateFn::Days => PropertyUse::None,
            AggregateFn::First | AggregateFn::Last => PropertyUse::Optional,
            AggregateFn::Sum | AggregateFn::Avg | AggregateFn::Min | AggregateFn::Max => {
                PropertyUse::Number
            }
            AggregateFn::Top | AggregateFn::Distinct => PropertyUse::Any,
        }
    }

    /// The name the language spells it with, from its row of [`BUILTINS`].
    #[must_use]
    pub fn name(self) -> &'static str {
        BUILTINS
            .iter()
            .find(|b| b.form == Form::Aggregate(self))
            .map_or("an aggregate", |b| b.name)
    }
}

/// How the checker treats a builtin's arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Over an event set (`did`, `count`, `sum`, ...).
    Aggregate(AggregateFn),
    Steps,
    Changed,
    /// `any(users where ...)`.
    AnyUsers,
    /// `all(users where ...)`.
    AllUsers,
    Lower,
    Len,
    Bucket,
    Listed,
}

#[derive(Debug)]
pub struct Builtin {
    pub name: &'static str,
    pub form: Form,
    pub signature: &'static str,
    pub returns: &'static str,
    pub summary: &'static str,
    pub example: &'static str,
}

pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "did",
        form: Form::Aggregate(AggregateFn::Did),
        signature: "did(EVENT [where COND] [WINDOW])",
        returns: "bool",
        summary: "at least one event of the set",
        example: "did(add_to_cart today)",
    },
    Builtin {
        name: "count",
        form: Form::Aggregate(AggregateFn::Count),
        signature: "count(EVENT [where COND] [WINDOW]) | count(users [where COND])",
        returns: "number",
        summary: "how many events of the set (0 if none); in account segments, how many of the account's users",
        example: "count(login within 7d) >= 3",
    },
    Builtin {
        name: "sum",
        form: Form::Aggregate(AggregateFn::Sum),
        signature: "sum(EVENT.PROPERTY [where COND] [WINDOW])",
        returns: "number",
        summary: "the sum of a number property over the events that have it (0 if none)",
        example: "sum(purchase.value) > 500",
    },
    Builtin {
        name: "avg",
        form: Form::Aggregate(AggregateFn::Avg),
        signature: "avg(EVENT.PROPERTY [where COND] [WINDOW])",
        returns: "number",
        summary: "the mean of a number property (missing if no event has it)",
        example: "avg(purchase.value within 90d) > 80",
    },
    Builtin {
        name: "min",
        form: Form::Aggregate(AggregateFn::Min),
        signature: "min(EVENT.PROPERTY [where COND] [WINDOW])",
        returns: "number",
        summary: "the smallest value of a number property (missing if none)",
        example: "min(purchase.value) >= 20",
    },
    Builtin {
        name: "max",
        form: Form::Aggregate(AggregateFn::Max),
        signature: "max(EVENT.PROPERTY [where COND] [WINDOW])",
        returns: "number",
        summary: "the largest value of a number property (missing if none)",
        example: "max(purchase.value within 365d) > 1000",
    },
    Builtin {
        name: "first",
        form: Form::Aggregate(AggregateFn::First),
        signature: "first(EVENT [where COND] [WINDOW]) | first(EVENT.PROPERTY ...)",
        returns: "timestamp | the property's type",
        summary: "the earliest event's timestamp, or its value of the property (missing if none)",
        example: "first(login) > 14d ago",
    },
    Builtin {
        name: "last",
        form: Form::Aggregate(AggregateFn::Last),
        signature: "last(EVENT [where COND] [WINDOW]) | last(EVENT.PROPERTY ...)",
        returns: "timestamp | the property's type",
        summary: "the latest event's timestamp, or its value of the property (missing if none)",
        example: "last(login) < 7d ago",
    },
    Builtin {
        name: "top",
        form: Form::Aggregate(AggregateFn::Top),
        signature: "top(EVENT.PROPERTY [where COND] [WINDOW])",
        returns: "the property's type",
        summary: "the most frequent value; ties go to the smallest value (missing if none)",
        example: "top(product_view.category) == \"shoes\"",
    },
    Builtin {
        name: "distinct",
        form: Form::Aggregate(AggregateFn::Distinct),
        signature: "distinct(EVENT.PROPERTY [where COND] [WINDOW])",
        returns: "number",
        summary: "how many different values the property takes (0 if none)",
        example: "distinct(purchase.category) >= 3",
    },
    Builtin {
        name: "days",
        form: Form::Aggregate(AggregateFn::Days),
        signature: "days(EVENT [where COND] [WINDOW])",
        returns: "number",
        summary: "how many different UTC days have an event of the set",
        example: "days(page_view within 30d) >= 3",
    },
    Builtin {
        name: "steps",
        form: Form::Steps,
        signature: "steps(P1, P2, ...)",
        returns: "number",
        summary: "how many steps of the funnel are done in order (each the earliest event after the previous step)",
        example: "steps(visited(\"/pricing\"), did(trial_start), did(purchase)) >= 2",
    },
    Builtin {
        name: "changed",
        form: Form::Changed,
        signature: "changed(profile.ATTR | account.ATTR [from V] [to V] [WINDOW])",
        returns: "bool",
        summary: "the attribute's history has such a change",
        example: "changed(account.stage from \"trial\" to \"customer\" within 30d)",
    },
    Builtin {
        name: "any",
        form: Form::AnyUsers,
        signature: "any(users where COND)",
        returns: "bool",
        summary: "in account segments: some user of the account meets the condition",
        example: "any(users where did(support_ticket within 7d))",
    },
    Builtin {
        name: "all",
        form: Form::AllUsers,
        signature: "all(users where COND)",
        returns: "bool",
        summary: "in account segments: every user of the account meets the condition (true for no users)",
        example: "all(users where not did(login within 14d))",
    },
    Builtin {
        name: "lower",
        form: Form::Lower,
        signature: "lower(STRING)",
        returns: "string",
        summary: "the string in lower case",
        example: "lower(profile.country) == \"de\"",
    },
    Builtin {
        name: "len",
        form: Form::Len,
        signature: "len(STRING)",
        returns: "number",
        summary: "the number of characters",
        example: "len(profile.email_domain) > 0",
    },
    Builtin {
        name: "bucket",
        form: Form::Bucket,
        signature: "bucket(SALT)",
        returns: "number",
        summary: "the stable A/B bucket 0-99: first 8 hex digits of md5(salt + \":\" + id) mod 100",
        example: "bucket(\"spring-test\") < 10",
    },
    Builtin {
        name: "listed",
        form: Form::Listed,
        signature: "listed(\"FILE\")",
        returns: "bool",
        summary: "the entity's id is in a list someone provided: a file of one id per line, or a CSV with a `user_id` (or `account_id`) column; the path is relative to the .seg file, read at check time",
        example: "listed(\"lists/crm_leads.csv\")",
    },
];

#[must_use]
pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

#[cfg(test)]
mod tests {
    use super::{AggregateFn, Form, BUILTINS};

    /// Every aggregate. A new variant is caught first by [`AggregateFn::property`], whose
    /// match has no wildcard, a few lines above the table it must join.
    fn every_aggregate() -> [AggregateFn; 11] {
        [
            AggregateFn::Did,
            AggregateFn::Count,
            AggregateFn::Sum,
            AggregateFn::Avg,
            AggregateFn::Min,
            AggregateFn::Max,
            AggregateFn::First,
            AggregateFn::Last,
            AggregateFn::Top,
            AggregateFn::Distinct,
            AggregateFn::Days,
        ]
    }

    #[test]
    fn every_aggregate_is_declared_once_in_the_table() {
        for function in every_aggregate() {
            let rows = BUILTINS
                .iter()
                .filter(|b| b.form == Form::Aggregate(function))
                .count();
            assert_eq!(rows, 1, "{function:?} has {rows} rows in BUILTINS");
            assert_ne!(function.name(), "an aggregate");
        }
    }

    #[test]
    fn builtin_names_are_unique_names_and_not_keywords() {
        for (i, b) in BUILTINS.iter().enumerate() {
            assert!(
                BUILTINS[..i].iter().all(|other| other.name != b.name),
                "`{}` is declared twice",
                b.name
            );
            assert!(
                !crate::names::is_keyword(b.name),
                "`{}` is a keyword",
                b.name
            );
            assert!(b.signature.starts_with(b.name) && b.example.contains(b.name));
        }
    }
}
