//! `seg sql`: the checked plan as SQL, for DuckDB, PostgreSQL, ClickHouse and Spark SQL
//! (docs/warehouse.md).
//!
//! The SQL engine consumes the plan the interpreter and the JIT consume, and follows the
//! interpreter's rules node for node, so that every engine gives the same members:
//!
//! - Instants and durations are BIGINT microseconds (the layout's `ts` columns are converted
//!   once, in the first CTEs); numbers are DOUBLE; a missing value is NULL.
//! - Two-valued logic: every comparison is wrapped in `COALESCE(..., FALSE)`, so `not` of a
//!   comparison with a missing value is true, as SPEC says.
//! - An event set is a correlated subquery over the user's events of one type, below `now`,
//!   in its window; aggregates are its aggregate (`COALESCE(SUM, 0)`, ...); `first`, `last`
//!   and `top` order by `(ts, seq)`, `seq` being the load order that breaks ties in `ts`.
//! - `then` and `steps` are greedy chains: each step's earliest event strictly after the
//!   previous step's (the last positive step before a final `then not` takes its latest).
//! - An attribute as of `now` is the value of the owner's latest row before `now` that states
//!   it; a user's account is its profile's `account_id` as of `now`; the accounts are those
//!   with rows and those a profile names.
//! - Each segment is a CTE of member ids, in dependency order; a reference is `EXISTS`.
//!
//! ClickHouse and Spark resolve a correlated name only one level up, and ClickHouse
//! decorrelates no `LIMIT` or window: for them, what a nested subquery needs of the entity is
//! read from the rows of the subquery around it, bounds are written in place, a row's value
//! by `(ts, seq)` is `argMax` (ClickHouse), and `changed()` finds a row's previous value
//! with a subquery rather than `LAG`.
//!
//! What a dialect cannot express exactly is refused with the span of the expression, never
//! approximated.

use std::fmt::Write as _;

use crate::plan::{
    AggregateFn, ArithOp, AttrScope, CalendarUnit, Changed, CompareOp, EventSet, Expr, ExprKind,
    Plan, Quantifier, Target, Type, Value, Window,
};
use crate::schema::FieldType;
use crate::source::Span;
use crate::time::{MICROS_PER_DAY, MICROS_PER_HOUR};

/// The SQL engines seg writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    Duckdb,
    Postgres,
    Clickhouse,
    Spark,
}

impl Dialect {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Duckdb => "DuckDB",
            Dialect::Postgres => "PostgreSQL",
            Dialect::Clickhouse => "ClickHouse",
            Dialect::Spark => "Spark SQL",
        }
    }

    /// The name `--dialect` takes.
    #[must_use]
    pub fn flag(self) -> &'static str {
        match self {
            Dialect::Duckdb => "duckdb",
            Dialect::Postgres => "postgres",
            Dialect::Clickhouse => "clickhouse",
            Dialect::Spark => "spark",
        }
    }

    /// Whether a subquery may read the entity only from the query just around it, and
    /// derived tables cannot read it at all.
    fn one_level(self) -> bool {
        matches!(self, Dialect::Clickhouse | Dialect::Spark)
    }
}

/// The tables the SQL reads (docs/warehouse.md has their layout).
#[derive(Debug, Clone)]
pub struct Tables {
    pub events: String,
    pub profiles: String,
    pub accounts: String,
}

impl Default for Tables {
    fn default() -> Self {
        Tables {
            events: "events".into(),
            profiles: "profiles".into(),
            accounts: "accounts".into(),
        }
    }
}

/// What `seg sql` writes for.
#[derive(Debug, Clone)]
pub struct Options {
    pub dialect: Dialect,
    /// The evaluation instant in microseconds; None: a parameter the user binds, a UTC
    /// timestamp (`$now` in DuckDB, `:'now'` through psql's variables in PostgreSQL,
    /// `{now:String}` in ClickHouse, `:now` in Spark SQL).
    pub as_of: Option<i64>,
    pub tables: Tables,
}

/// Why a form cannot be written in a dialect, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub span: Span,
    pub message: String,
}

/// The largest double, and the smallest above zero: the bounds of PostgreSQL's float8
/// arithmetic, which raises an error past them.
const MAX: &str = "1.7976931348623157e308";
const MIN: &str = "4.9406564584124654e-324";

/// The most ids a `listed()` list may hold in the SQL text.
pub const MAX_SQL_LIST_IDS: usize = 100_000;

pub mod layout;
mod pattern;

/// The layout's events columns: one per property name, of one type across event types.
///
/// # Errors
/// When a property name has two types: one column cannot hold both.
pub fn event_columns(schema: &crate::schema::Schema) -> Result<Vec<(String, FieldType)>, String> {
    let mut columns: Vec<(String, FieldType)> = Vec::new();
    for event in &schema.events {
        for field in &event.properties {
            match columns.iter().find(|(name, _)| *name == field.name) {
                Some((_, ty)) if *ty != field.ty => {
                    return Err(format!(
                        "the property `{}` is a {} in `{}` and a {} elsewhere: the layout's \
                         one events column per property cannot hold both",
                        field.name,
                        field.ty.name(),
                        event.name,
                        ty.name()
                    ))
                }
                Some(_) => {}
                None => columns.push((field.name.clone(), field.ty)),
            }
        }
    }
    Ok(columns)
}

/// Writes the SQL for the `wanted` segments of `plan` (plan indexes; and the segments they
/// refer to, as CTEs): statements separated by `;`, the last returning `(segment, user_id)`.
///
/// # Errors
/// Every form the dialect cannot express, with its span; or a layout problem (span of the
/// first segment).
pub fn compile(plan: &Plan, wanted: &[usize], options: &Options) -> Result<String, Vec<Refusal>> {
    let columns = event_columns(&plan.schema).map_err(|message| {
        vec![Refusal {
            span: plan.segments.first().map(|s| s.span).unwrap_or_default(),
            message,
        }]
    })?;
    let mut writer = Writer {
        plan,
        dialect: options.dialect,
        now: match options.as_of {
            Some(now) => now.to_string(),
            None => match options.dialect {
                Dialect::Duckdb => "epoch_us(CAST($now AS TIMESTAMP))".into(),
                Dialect::Postgres => {
                    "CAST(EXTRACT(EPOCH FROM CAST(:'now' AS TIMESTAMP)) * 1000000 AS BIGINT)".into()
                }
                Dialect::Clickhouse => {
                    "toUnixTimestamp64Micro(parseDateTime64BestEffort({now:String}, 6, 'UTC'))"
                        .into()
                }
                // A wall-clock time without a zone, read as UTC whatever the session's zone.
                Dialect::Spark => "timestampdiff(MICROSECOND, TIMESTAMP_NTZ'1970-01-01 00:00:00', \
                                   CAST(:now AS TIMESTAMP_NTZ))"
                    .into(),
            },
        },
        aliases: 0,
        refusals: Vec::new(),
    };
    let mut ctes = writer.base(&columns, &options.tables);
    // Every wanted segment and what it refers to, in plan (dependency) order.
    let mut needed = vec![false; plan.segments.len()];
    let mut stack: Vec<usize> = wanted.to_vec();
    while let Some(s) = stack.pop() {
        if !needed[s] {
            needed[s] = true;
            stack.extend(plan.segments[s].depends_on.iter().map(|d| d.0 as usize));
        }
    }
    for (s, segment) in plan.segments.iter().enumerate() {
        if !needed[s] {
            continue;
        }
        let cte = match segment.target {
            Target::User => {
                let cond = writer.bool(&segment.body, &Ctx::user("u.user_id"));
                format!("s{s} AS (SELECT u.user_id AS id FROM seg_users u WHERE {cond})")
            }
            Target::Account => {
                let cond = writer.bool(&segment.body, &Ctx::account("a.account_id"));
                format!("s{s} AS (SELECT a.account_id AS id FROM seg_accounts a WHERE {cond})")
            }
        };
        ctes.push(cte);
    }
    if !writer.refusals.is_empty() {
        return Err(writer.refusals);
    }
    let selects: Vec<String> = wanted
        .iter()
        .map(|&s| {
            format!(
                "SELECT {} AS segment, id AS user_id FROM s{s}",
                writer.lit(&plan.segments[s].name)
            )
        })
        .collect();
    let rows = if selects.is_empty() {
        let text = writer.text();
        format!(
            "SELECT CAST(NULL AS {text}) AS segment, CAST(NULL AS {text}) AS user_id WHERE FALSE"
        )
    } else {
        selects.join("\nUNION ALL\n")
    };
    let settings = match options.dialect {
        Dialect::Clickhouse => {
            "\nSETTINGS allow_experimental_correlated_subqueries = 1, \
             query_plan_max_optimizations_to_apply = 1000000"
        }
        _ => "",
    };
    let mut out = String::new();
    // The rows are ordered outside the union: ClickHouse orders only its last part.
    let _ = write!(
        out,
        "-- seg sql --dialect {}: the members of {} segment{}\nWITH\n{}\nSELECT segment, user_id FROM (\n{rows}\n) seg_members\nORDER BY segment, user_id{settings};\n",
        options.dialect.flag(),
        wanted.len(),
        if wanted.len() == 1 { "" } else { "s" },
        ctes.join(",\n"),
    );
    Ok(out)
}

/// Where an expression is written: about a user or an account (the SQL of its id), and inside
/// `where`, the alias of the event row and its event type.
#[derive(Debug, Clone)]
struct Ctx {
    target: Target,
    id: String,
    event: Option<(String, usize)>,
}

impl Ctx {
    fn user(id: &str) -> Ctx {
        Ctx {
            target: Target::User,
            id: id.into(),
            event: None,
        }
    }

    fn account(id: &str) -> Ctx {
        Ctx {
            target: Target::Account,
            id: id.into(),
            event: None,
        }
    }

    fn plain(&self) -> Ctx {
        Ctx {
            event: None,
            ..self.clone()
        }
    }
}

struct Writer<'p> {
    plan: &'p Plan,
    dialect: Dialect,
    /// The SQL of `now` in microseconds.
    now: String,
    aliases: usize,
    refusals: Vec<Refusal>,
}

impl<'p> Writer<'p> {
    /// A SQL string literal (ClickHouse and Spark read escapes in it).
    fn lit(&self, s: &str) -> String {
        let s = s.replace('\'', "''");
        match self.dialect {
            Dialect::Duckdb | Dialect::Postgres => format!("'{s}'"),
            Dialect::Clickhouse | Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\")),
        }
    }

    /// A SQL name, quoted.
    fn ident(&self, s: &str) -> String {
        match self.dialect {
            Dialect::Spark => format!("`{}`", s.replace('`', "``")),
            _ => format!("\"{}\"", s.replace('"', "\"\"")),
        }
    }

    /// The type of numbers (and of missing ones).
    fn double(&self) -> &'static str {
        match self.dialect {
            Dialect::Duckdb | Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::Clickhouse => "Nullable(Float64)",
            Dialect::Spark => "DOUBLE",
        }
    }

    /// The type of strings (and of missing ones).
    fn text(&self) -> &'static str {
        match self.dialect {
            Dialect::Duckdb | Dialect::Postgres => "VARCHAR",
            Dialect::Clickhouse => "Nullable(String)",
            Dialect::Spark => "STRING",
        }
    }

    /// The type of instants and durations (microseconds).
    fn bigint(&self) -> &'static str {
        match self.dialect {
            Dialect::Clickhouse => "Nullable(Int64)",
            _ => "BIGINT",
        }
    }

    fn alias(&mut self, prefix: &str) -> String {
        self.aliases += 1;
        format!("{prefix}{}", self.aliases)
    }

    fn refuse(&mut self, span: Span, message: impl Into<String>) -> String {
        self.refusals.push(Refusal {
            span,
            message: format!("{} cannot express {}", self.dialect.name(), message.into()),
        });
        "NULL".into()
    }

    /// What keeps a derived table that binds values once from being merged into the query
    /// around it: PostgreSQL pulls such a subquery up and copies its expressions into every
    /// place that reads them (nested, that is exponential), unless it has an `OFFSET`.
    fn fence(&self) -> &'static str {
        match self.dialect {
            Dialect::Postgres => " OFFSET 0",
            _ => "",
        }
    }

    /// Microseconds of a layout timestamp column.
    fn micros(&self, column: &str) -> String {
        match self.dialect {
            Dialect::Duckdb => format!("epoch_us({column})"),
            Dialect::Postgres => {
                format!("CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)")
            }
            Dialect::Clickhouse => format!("toUnixTimestamp64Micro({column})"),
            Dialect::Spark => format!("unix_micros({column})"),
        }
    }

    /// `a / b` for integers, rounded toward zero.
    fn int_div(&self, a: &str, b: &str) -> String {
        match self.dialect {
            Dialect::Duckdb => format!("({a}) // ({b})"),
            Dialect::Postgres => format!("div({a}, {b})"),
            Dialect::Clickhouse => format!("intDiv({a}, {b})"),
            Dialect::Spark => format!("(({a}) div ({b}))"),
        }
    }

    /// The SQL of an aggregate function that is NULL over no rows.
    fn aggregate(&self, function: &str) -> String {
        match self.dialect {
            Dialect::Clickhouse => format!("{}OrNull", function.to_lowercase()),
            _ => function.into(),
        }
    }

    /// A count (over a subquery correlated with the entity, ClickHouse gives NULL where
    /// there are no rows).
    fn count(&self, count: &str) -> String {
        match self.dialect {
            Dialect::Clickhouse => format!("CAST(COALESCE({count}, 0) AS {})", self.double()),
            _ => format!("CAST({count} AS {})", self.double()),
        }
    }

    /// The `value` (not missing) of the row of `from` (`FROM ... WHERE ...`, rows `alias`)
    /// latest by `(ts, seq)`, or earliest.
    fn pick(&self, value: &str, alias: &str, from: &str, latest: bool) -> String {
        let stated = format!("{from} AND {value} IS NOT NULL");
        if self.dialect == Dialect::Clickhouse {
            let f = if latest {
                "argMaxOrNull"
            } else {
                "argMinOrNull"
            };
            format!("(SELECT {f}({value}, ({alias}.ts, {alias}.seq)) {stated})")
        } else {
            let desc = if latest { " DESC" } else { "" };
            format!(
                "(SELECT {value} {stated} ORDER BY {alias}.ts{desc}, {alias}.seq{desc} LIMIT 1)"
            )
        }
    }

    /// `a` divided by a positive `b`, rounded down (for negative instants too).
    fn floor_div(&self, a: &str, b: i64) -> String {
        let exact = format!("(({a}) - ((({a}) % {b}) + {b}) % {b})");
        self.int_div(&exact, &b.to_string())
    }

    /// The first CTEs: the layout's tables with instants in microseconds, the users and
    /// accounts, and each user's account as of `now`.
    fn base(&mut self, columns: &[(String, FieldType)], tables: &Tables) -> Vec<String> {
        let schema = &self.plan.schema;
        // Columns are read through the table's alias: ClickHouse would read `f(ts) AS ts`'s
        // `ts` as the alias itself.
        let value = |w: &Self, field: &str, ty: FieldType| match ty {
            FieldType::Timestamp => format!(
                "{} AS {}",
                w.micros(&format!("t.{}", w.ident(field))),
                w.ident(field)
            ),
            _ => format!("t.{} AS {}", w.ident(field), w.ident(field)),
        };
        let props: Vec<String> = columns
            .iter()
            .map(|(field, ty)| value(self, field, *ty))
            .collect();
        let history = |w: &Self, fields: &[crate::schema::Field], owner: &str, table: &str| {
            let mut select = vec![
                format!("t.{} AS {}", w.ident(owner), w.ident(owner)),
                format!(
                    "COALESCE({}, {}) AS ts",
                    w.micros("t.ts"),
                    crate::store::BEGINNING
                ),
                "t.seq AS seq".to_string(),
            ];
            select.extend(
                fields
                    .iter()
                    .filter(|f| f.name != owner)
                    .map(|f| value(w, &f.name, f.ty)),
            );
            format!("SELECT {} FROM {table} t", select.join(", "))
        };
        let mut events = vec![
            "t.user_id AS user_id".to_string(),
            "t.event AS event".into(),
            format!("{} AS ts", self.micros("t.ts")),
            "t.seq AS seq".into(),
        ];
        events.extend(props);
        let profile_account = schema
            .profile
            .iter()
            .any(|f| f.name == "account_id" && f.ty == FieldType::String);
        let account_of = if profile_account {
            let from = format!(
                "FROM seg_profiles p WHERE p.user_id = u.user_id AND p.ts < {}",
                self.now
            );
            self.pick("p.account_id", "p", &from, true)
        } else {
            format!("CAST(NULL AS {})", self.text())
        };
        // PostgreSQL would materialize a CTE read many times, and scan it whole for each
        // user; inlined, each subquery reads the table (through an index on `user_id`).
        let inline = match self.dialect {
            Dialect::Postgres => "NOT MATERIALIZED ",
            _ => "",
        };
        vec![
            format!(
                "seg_events AS {inline}(SELECT {} FROM {} t)",
                events.join(", "),
                tables.events
            ),
            format!(
                "seg_profiles AS {inline}({})",
                history(self, &schema.profile, "user_id", &tables.profiles)
            ),
            format!(
                "seg_account_rows AS {inline}({})",
                history(self, &schema.account, "account_id", &tables.accounts)
            ),
            "seg_users AS (SELECT user_id FROM seg_events UNION DISTINCT SELECT user_id FROM seg_profiles)"
                .into(),
            // Every account with rows, and every account a profile names (at any time).
            if profile_account {
                "seg_accounts AS (SELECT account_id FROM seg_account_rows UNION DISTINCT SELECT \
                 account_id FROM seg_profiles WHERE account_id IS NOT NULL)"
                    .into()
            } else {
                "seg_accounts AS (SELECT DISTINCT account_id FROM seg_account_rows)".into()
            },
            format!(
                "seg_user_accounts AS (SELECT user_id, account_id FROM (SELECT u.user_id, {account_of} \
                 AS account_id FROM seg_users u) x WHERE account_id IN (SELECT account_id FROM seg_accounts))"
            ),
        ]
    }

    /// A condition that is never NULL.
    fn bool(&mut self, e: &Expr, ctx: &Ctx) -> String {
        let sql = self.expr(e, ctx);
        format!("COALESCE({sql}, FALSE)")
    }

    #[allow(clippy::too_many_lines)]
    fn expr(&mut self, e: &Expr, ctx: &Ctx) -> String {
        match &e.kind {
            ExprKind::Const(value) => self.constant(value, e.span),
            ExprKind::Now => self.now.clone(),
            ExprKind::List(_) => self.refuse(e.span, "a list outside `in`"),
            ExprKind::Property(index) => {
                let (alias, event) = ctx.event.clone().expect("properties only inside `where`");
                let field = &self.plan.schema.events[event].properties[*index].name;
                format!("{alias}.{}", self.ident(field))
            }
            ExprKind::EventTs => {
                let (alias, _) = ctx.event.clone().expect("`ts` only inside `where`");
                format!("{alias}.ts")
            }
            ExprKind::Attribute(scope, index) => self.attribute(*scope, *index, ctx),
            ExprKind::SegmentRef(id) => {
                let s = id.0 as usize;
                let id_sql = match (ctx.target, self.plan.segments[s].target) {
                    (Target::User, Target::User) | (Target::Account, Target::Account) => {
                        ctx.id.clone()
                    }
                    _ => return self.refuse(e.span, "a reference across kinds"),
                };
                format!("(EXISTS (SELECT 1 FROM s{s} WHERE s{s}.id = {id_sql}))")
            }
            ExprKind::Not(inner) => format!("(NOT {})", self.bool(inner, ctx)),
            ExprKind::Neg(inner) => format!("(-({}))", self.expr(inner, ctx)),
            ExprKind::And(items) | ExprKind::Or(items) => {
                let op = if matches!(e.kind, ExprKind::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let parts: Vec<String> = items.iter().map(|i| self.bool(i, ctx)).collect();
                format!("({})", parts.join(op))
            }
            // A comparison is a bool, never missing (false where an operand is).
            ExprKind::Compare(op, a, b) => {
                let sql = self.compare(*op, a, b, ctx);
                format!("COALESCE({sql}, FALSE)")
            }
            ExprKind::Matches(inner, pattern) => {
                let s = self.expr(inner, ctx);
                let flavor = match self.dialect {
                    Dialect::Postgres => {
                        if pattern::posix_reads_alike(pattern) {
                            return format!("COALESCE({s} ~ {}, FALSE)", self.lit(pattern));
                        }
                        return self.refuse(
                            e.span,
                            "this `matches` pattern exactly: its POSIX regular expressions \
                             read `\\`, `(?`, `[^`, `.` outside brackets and class set \
                             operations otherwise than Rust's regex does",
                        );
                    }
                    Dialect::Duckdb | Dialect::Clickhouse => pattern::Flavor::Re2,
                    Dialect::Spark => pattern::Flavor::Java,
                };
                let translated = match pattern::translate(pattern, flavor) {
                    Ok(translated) => self.lit(&translated),
                    Err(why) => {
                        return self
                            .refuse(e.span, format!("this `matches` pattern exactly: {why}"))
                    }
                };
                match self.dialect {
                    Dialect::Clickhouse => format!("COALESCE(match({s}, {translated}), FALSE)"),
                    Dialect::Spark => format!("COALESCE({s} RLIKE {translated}, FALSE)"),
                    _ => format!("COALESCE(regexp_matches({s}, {translated}), FALSE)"),
                }
            }
            ExprKind::Arith(op, a, b) => self.arith(*op, a, b, ctx),
            ExprKind::IsSet { negated, expr } => {
                let inner = self.expr(expr, ctx);
                if *negated {
                    format!("(({inner}) IS NULL)")
                } else {
                    format!("(({inner}) IS NOT NULL)")
                }
            }
            ExprKind::Aggregate(aggregate) => {
                let set = self.event_set(&aggregate.set, ctx, None);
                let e_alias = &set.alias;
                let property = aggregate.property.map(|p| {
                    let event = aggregate.set.event.0 as usize;
                    format!(
                        "{e_alias}.{}",
                        self.ident(&self.plan.schema.events[event].properties[p].name)
                    )
                });
                let from = &set.from;
                let stated = |p: &Option<String>| {
                    p.as_ref()
                        .map_or(String::new(), |p| format!(" AND {p} IS NOT NULL"))
                };
                match aggregate.function {
                    AggregateFn::Did => format!("(EXISTS (SELECT 1 {from}))"),
                    AggregateFn::Count => self.count(&format!("(SELECT COUNT(*) {from})")),
                    AggregateFn::Sum => format!(
                        "COALESCE((SELECT SUM({}) {from}), 0)",
                        property.expect("sum has a property")
                    ),
                    AggregateFn::Avg | AggregateFn::Min | AggregateFn::Max => {
                        let f = self.aggregate(match aggregate.function {
                            AggregateFn::Avg => "AVG",
                            AggregateFn::Min => "MIN",
                            _ => "MAX",
                        });
                        format!("(SELECT {f}({}) {from})", property.expect("a property"))
                    }
                    AggregateFn::First | AggregateFn::Last => {
                        let last = aggregate.function == AggregateFn::Last;
                        match &property {
                            None => {
                                let f = self.aggregate(if last { "MAX" } else { "MIN" });
                                format!("(SELECT {f}({e_alias}.ts) {from})")
                            }
                            Some(p) => self.pick(p, e_alias, from, last),
                        }
                    }
                    AggregateFn::Top => {
                        let p = property.clone().expect("top has a property");
                        let event = aggregate.set.event.0 as usize;
                        let index = aggregate.property.expect("top has a property");
                        let text = self.plan.schema.events[event].properties[index].ty
                            == FieldType::String;
                        if self.dialect == Dialect::Clickhouse {
                            // The most frequent value, the least of those tied, found among
                            // the distinct values in one aggregate (no `LIMIT` decorrelates).
                            return format!(
                                "(SELECT if(COUNT(*) = 0, NULL, arraySort(x -> (-countEqual(a, x), x), \
                                 arrayDistinct(groupArray({p}) AS a))[1]) {from}{})",
                                stated(&property)
                            );
                        }
                        let order = if text { self.ordered(&p) } else { p.clone() };
                        format!(
                            "(SELECT {p} {from}{} GROUP BY {p} ORDER BY COUNT(*) DESC, {order} LIMIT 1)",
                            stated(&property)
                        )
                    }
                    AggregateFn::Distinct => self.count(&format!(
                        "(SELECT COUNT(DISTINCT {}) {from})",
                        property.expect("distinct has a property")
                    )),
                    AggregateFn::Days => {
                        let day = self.floor_div(&format!("{e_alias}.ts"), MICROS_PER_DAY);
                        self.count(&format!("(SELECT COUNT(DISTINCT {day}) {from})"))
                    }
                }
            }
            ExprKind::Then {
                steps,
                last_negated,
            } => self.then(steps, *last_negated, ctx),
            ExprKind::Steps(steps) => {
                let mut done = Vec::new();
                for k in 0..steps.len() {
                    let t = self.chain_ts(steps, k, ctx, false);
                    done.push(format!("CASE WHEN {t} IS NULL THEN 0 ELSE 1 END"));
                }
                format!("CAST(({}) AS {})", done.join(" + "), self.double())
            }
            ExprKind::Changed(changed) => self.changed(changed, ctx),
            ExprKind::Users { quantifier, filter } => {
                let x = self.alias("x");
                let pass = filter.as_deref().map_or_else(
                    || "TRUE".to_string(),
                    |f| self.bool(f, &Ctx::user(&format!("{x}.user_id"))),
                );
                let of = format!(
                    "FROM seg_user_accounts {x} WHERE {x}.account_id = {}",
                    ctx.id
                );
                match quantifier {
                    Quantifier::Count => self.count(&format!("(SELECT COUNT(*) {of} AND {pass})")),
                    Quantifier::Any => format!("(EXISTS (SELECT 1 {of} AND {pass}))"),
                    Quantifier::All => format!("(NOT EXISTS (SELECT 1 {of} AND NOT {pass}))"),
                }
            }
            ExprKind::Lower(inner) => {
                let s = self.expr(inner, ctx);
                match self.dialect {
                    Dialect::Clickhouse => format!("lowerUTF8({s})"),
                    _ => format!("lower({s})"),
                }
            }
            ExprKind::Len(inner) => {
                let s = self.expr(inner, ctx);
                match self.dialect {
                    Dialect::Clickhouse => format!("CAST(lengthUTF8({s}) AS {})", self.double()),
                    _ => format!("CAST(char_length({s}) AS {})", self.double()),
                }
            }
            ExprKind::Bucket(salt) => {
                let salt = self.expr(salt, ctx);
                let key = format!(
                    "{salt} || {} || {}",
                    self.lit(crate::plan::value::BUCKET_SEPARATOR),
                    ctx.id
                );
                // The first four bytes of the digest, big-endian.
                let hex = format!("substr(md5({key}), 1, 8)");
                let number = match self.dialect {
                    Dialect::Duckdb => format!("CAST('0x' || {hex} AS UBIGINT)"),
                    Dialect::Postgres => format!("CAST(CAST(('x' || {hex}) AS BIT(32)) AS BIGINT)"),
                    Dialect::Clickhouse => {
                        format!("reinterpretAsUInt32(reverse(substring(MD5({key}), 1, 4)))")
                    }
                    Dialect::Spark => format!("CAST(conv({hex}, 16, 10) AS BIGINT)"),
                };
                format!("CAST(({number}) % 100 AS {})", self.double())
            }
            ExprKind::Listed(list) => {
                if list.ids.len() > MAX_SQL_LIST_IDS {
                    return self.refuse(
                        e.span,
                        format!(
                            "a list of {} ids in the SQL text (at most {MAX_SQL_LIST_IDS}): load it as a table",
                            list.ids.len()
                        ),
                    );
                }
                if list.ids.is_empty() {
                    return "FALSE".into();
                }
                let mut ids: Vec<&str> = list.ids.iter().map(AsRef::as_ref).collect();
                ids.sort_unstable();
                let items: Vec<String> = ids.iter().map(|id| self.lit(id)).collect();
                format!("({} IN ({}))", ctx.id, items.join(", "))
            }
        }
    }

    /// A string column ordered bytewise (PostgreSQL's collation may not be).
    fn ordered(&self, sql: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("{sql} COLLATE \"C\""),
            _ => sql.to_string(),
        }
    }

    fn constant(&mut self, value: &Value, span: Span) -> String {
        match value {
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            // Spark reads a literal without a suffix as a decimal.
            Value::Number(n) if self.dialect == Dialect::Spark => format!("{n:?}D"),
            Value::Number(n) => format!("CAST({n:?} AS {})", self.double()),
            Value::String(s) => {
                if s.contains('\0') {
                    return self.refuse(span, "a string holding a NUL character");
                }
                self.lit(s)
            }
            Value::Timestamp(t) | Value::Duration(t) => format!("CAST({t} AS {})", self.bigint()),
            Value::List(_) => self.refuse(span, "a list outside `in`"),
        }
    }

    fn compare(&mut self, op: CompareOp, a: &Expr, b: &Expr, ctx: &Ctx) -> String {
        let left = self.expr(a, ctx);
        let strings = a.ty == Type::String;
        match op {
            CompareOp::In | CompareOp::NotIn => {
                let items: Vec<String> = match &b.kind {
                    ExprKind::Const(Value::List(items)) => {
                        items.iter().map(|v| self.constant(v, b.span)).collect()
                    }
                    ExprKind::List(items) => items.iter().map(|i| self.expr(i, ctx)).collect(),
                    _ => return self.refuse(b.span, "`in` over something not a list"),
                };
                let hits: Vec<String> = items
                    .iter()
                    .map(|i| format!("COALESCE({left} = {i}, FALSE)"))
                    .collect();
                let found = if hits.is_empty() {
                    "FALSE".to_string()
                } else {
                    format!("({})", hits.join(" OR "))
                };
                if op == CompareOp::In {
                    found
                } else {
                    format!("({left} IS NOT NULL AND NOT {found})")
                }
            }
            CompareOp::Contains => {
                let right = self.expr(b, ctx);
                match self.dialect {
                    Dialect::Clickhouse => format!("(position({left}, {right}) > 0)"),
                    Dialect::Spark => format!("contains({left}, {right})"),
                    _ => format!("(strpos({left}, {right}) > 0)"),
                }
            }
            CompareOp::StartsWith => {
                let right = self.expr(b, ctx);
                match self.dialect {
                    Dialect::Clickhouse => format!("startsWith({left}, {right})"),
                    Dialect::Spark => format!("startswith({left}, {right})"),
                    _ => format!("starts_with({left}, {right})"),
                }
            }
            CompareOp::EndsWith => {
                let right = self.expr(b, ctx);
                match self.dialect {
                    Dialect::Clickhouse => format!("endsWith({left}, {right})"),
                    Dialect::Spark => format!("endswith({left}, {right})"),
                    _ => format!("(right({left}, char_length({right})) = {right})"),
                }
            }
            CompareOp::Matches => self.refuse(b.span, "`matches` as a comparison"),
            _ => {
                let right = self.expr(b, ctx);
                let sql_op = match op {
                    CompareOp::Eq => "=",
                    CompareOp::Ne => "<>",
                    CompareOp::Lt => "<",
                    CompareOp::Le => "<=",
                    CompareOp::Gt => ">",
                    _ => ">=",
                };
                let ordering = matches!(
                    op,
                    CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge
                );
                if strings && ordering {
                    format!(
                        "({} {sql_op} {})",
                        self.ordered(&left),
                        self.ordered(&right)
                    )
                } else {
                    format!("({left} {sql_op} {right})")
                }
            }
        }
    }

    fn arith(&mut self, op: ArithOp, a: &Expr, b: &Expr, ctx: &Ctx) -> String {
        let (x, y) = (self.expr(a, ctx), self.expr(b, ctx));
        match (&a.ty, op, &b.ty) {
            (Type::Number, _, Type::Number) => self.number_op(op, &x, &y),
            (Type::Duration, ArithOp::Div, Type::Duration) => {
                let x = format!("CAST({x} AS {})", self.double());
                let y = format!("CAST({y} AS {})", self.double());
                self.number_op(ArithOp::Div, &x, &y)
            }
            (Type::Duration, ArithOp::Mul | ArithOp::Div, Type::Number)
            | (Type::Number, ArithOp::Mul, Type::Duration) => {
                let (d, n) = if a.ty == Type::Duration {
                    (x, y)
                } else {
                    (y, x)
                };
                let scaled = self.number_op(op, &format!("CAST({d} AS {})", self.double()), &n);
                // Rounded toward zero, and missing past the range of microseconds.
                let dialect = self.dialect;
                let whole = |s: &str| match dialect {
                    // ClickHouse casts the value under a NULL too (an infinity there is an
                    // error in CAST).
                    Dialect::Clickhouse => format!("accurateCastOrNull(trunc({s}), 'Int64')"),
                    Dialect::Spark => format!("CAST({s} AS BIGINT)"),
                    _ => format!("CAST(trunc({s}) AS BIGINT)"),
                };
                if self.dialect.one_level() {
                    return format!(
                        "(CASE WHEN abs({scaled}) < 9.0e18 THEN {} END)",
                        whole(&scaled)
                    );
                }
                let w = self.alias("w");
                format!(
                    "(SELECT CASE WHEN abs({w}.s) < 9.0e18 THEN {} END \
                     FROM (SELECT {scaled} AS s{fence}) {w})",
                    whole(&format!("{w}.s")),
                    fence = self.fence()
                )
            }
            _ => match op {
                ArithOp::Add => format!("({x} + {y})"),
                ArithOp::Sub => format!("({x} - {y})"),
                _ => self.refuse(a.span.to(b.span), "this arithmetic"),
            },
        }
    }

    /// `x op y` on doubles by the shared rules: a result that is not finite is missing (so is
    /// division by zero), one that underflows is 0. DuckDB computes and tests the result;
    /// PostgreSQL raises an error on overflow and underflow, so the operands are tested first
    /// (inside `CASE`, which PostgreSQL evaluates in order).
    fn number_op(&mut self, op: ArithOp, x: &str, y: &str) -> String {
        if self.dialect.one_level() {
            // No derived table may read the entity: the operands are written in place.
            return self.number_case(op, &format!("({x})"), &format!("({y})"));
        }
        // The operands are bound once (each is read several times below).
        let v = self.alias("v");
        let bound = format!("FROM (SELECT {x} AS l, {y} AS r{}) {v}", self.fence());
        let (x, y) = (format!("{v}.l"), format!("{v}.r"));
        let sql = self.number_case(op, &x, &y);
        format!("(SELECT {sql} {bound})")
    }

    fn number_case(&self, op: ArithOp, x: &str, y: &str) -> String {
        if self.dialect != Dialect::Postgres {
            let sql = match op {
                ArithOp::Add => format!("({x} + {y})"),
                ArithOp::Sub => format!("({x} - {y})"),
                ArithOp::Mul => format!("({x} * {y})"),
                ArithOp::Div => format!("({x} / NULLIF({y}, 0))"),
            };
            return match self.dialect {
                Dialect::Clickhouse => format!("(CASE WHEN isFinite({sql}) THEN {sql} END)"),
                // Spark orders NaN above every number.
                Dialect::Spark => format!("(CASE WHEN abs({sql}) <= {MAX} THEN {sql} END)"),
                _ => format!("(CASE WHEN isfinite({sql}) THEN {sql} END)"),
            };
        }
        match op {
            ArithOp::Add => format!(
                "(CASE WHEN ({x} > 0) <> ({y} > 0) THEN {x} + {y} \
                 WHEN abs({x}) <= {MAX} - abs({y}) THEN {x} + {y} END)"
            ),
            ArithOp::Sub => format!(
                "(CASE WHEN ({x} > 0) = ({y} > 0) THEN {x} - {y} \
                 WHEN abs({x}) <= {MAX} - abs({y}) THEN {x} - {y} END)"
            ),
            ArithOp::Mul => format!(
                "(CASE WHEN {x} = 0 OR {y} = 0 THEN {x} * {y} \
                 WHEN abs({y}) <= 1 THEN (CASE WHEN abs({x}) < {MIN} / abs({y}) THEN 0 ELSE {x} * {y} END) \
                 WHEN abs({x}) <= {MAX} / abs({y}) THEN {x} * {y} END)"
            ),
            ArithOp::Div => format!(
                "(CASE WHEN {y} IS NULL OR {y} = 0 THEN NULL WHEN {x} = 0 THEN {x} \
                 WHEN abs({y}) >= 1 THEN (CASE WHEN abs({x}) < {MIN} * abs({y}) THEN 0 ELSE {x} / {y} END) \
                 WHEN abs({x}) <= {MAX} * abs({y}) THEN {x} / {y} END)"
            ),
        }
    }

    /// An attribute as of `now`: the owner's latest row before `now` that states it.
    fn attribute(&mut self, scope: AttrScope, index: usize, ctx: &Ctx) -> String {
        let r = self.alias("r");
        let rows = self.history(scope, ctx, &r);
        let fields = match scope {
            AttrScope::Profile => &self.plan.schema.profile,
            AttrScope::Account => &self.plan.schema.account,
        };
        let field = format!("{r}.{}", self.ident(&fields[index].name));
        let from = format!("{} AND {r}.ts < {}", rows.from, self.now);
        self.pick(&field, &r, &from, true)
    }

    /// The rows (aliased `r`) of the history a `scope` attribute of the entity of `ctx` is
    /// read from: `FROM ... WHERE` the owner's; and the SQL of the entity's id from those rows.
    fn history(&mut self, scope: AttrScope, ctx: &Ctx, r: &str) -> History {
        match (scope, ctx.target) {
            (AttrScope::Account, Target::User) => {
                let ua = self.alias("ua");
                History {
                    from: format!(
                        "FROM seg_account_rows {r} JOIN seg_user_accounts {ua} ON {ua}.account_id = \
                         {r}.account_id WHERE {ua}.user_id = {}",
                        ctx.id
                    ),
                    entity: format!("{ua}.user_id"),
                }
            }
            (AttrScope::Account, Target::Account) => History {
                from: format!(
                    "FROM seg_account_rows {r} WHERE {r}.account_id = {}",
                    ctx.id
                ),
                entity: format!("{r}.account_id"),
            },
            (AttrScope::Profile, _) => History {
                from: format!("FROM seg_profiles {r} WHERE {r}.user_id = {}", ctx.id),
                entity: format!("{r}.user_id"),
            },
        }
    }

    /// `[lo, hi)` conditions of a window on `ts`, besides `ts < now`.
    fn window(&mut self, window: &Window, ts: &str, ctx: &Ctx, bounds: &mut Bounds) -> Vec<String> {
        let plain = ctx.plain();
        let day_start = match self.now.parse::<i64>() {
            Ok(now) => (now.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY).to_string(),
            Err(_) => format!(
                "(({now}) - ((({now}) % {MICROS_PER_DAY}) + {MICROS_PER_DAY}) % {MICROS_PER_DAY})",
                now = self.now
            ),
        };
        match window {
            Window::All => Vec::new(),
            Window::Within(d) => {
                let d = self.expr(d, &plain);
                let lo = bounds.bind(format!("({}) - ({d})", self.now));
                vec![format!("{ts} >= {lo}")]
            }
            Window::Today => vec![format!("{ts} >= {day_start}")],
            Window::Yesterday => vec![
                format!("{ts} >= {day_start} - {MICROS_PER_DAY}"),
                format!("{ts} < {day_start}"),
            ],
            Window::Between(a, b) => {
                let (a, b) = (self.expr(a, &plain), self.expr(b, &plain));
                let (a, b) = (bounds.bind(a), bounds.bind(b));
                vec![format!("{ts} >= {a}"), format!("{ts} < {b}")]
            }
            Window::Before(a) => {
                let a = self.expr(a, &plain);
                vec![format!("{ts} < {}", bounds.bind(a))]
            }
            Window::After(a) => {
                let a = self.expr(a, &plain);
                vec![format!("{ts} >= {}", bounds.bind(a))]
            }
            Window::During(unit, values) => {
                let list: Vec<String> = values.iter().map(ToString::to_string).collect();
                let value = match unit {
                    CalendarUnit::Hours => {
                        let of_day = format!("((({ts}) % {MICROS_PER_DAY}) + {MICROS_PER_DAY}) % {MICROS_PER_DAY}");
                        self.int_div(&of_day, &MICROS_PER_HOUR.to_string())
                    }
                    CalendarUnit::Weekdays => {
                        // 1970-01-01 was a Thursday, ISO weekday 4.
                        let days = self.floor_div(ts, MICROS_PER_DAY);
                        format!("(((({days}) + 3) % 7 + 7) % 7 + 1)")
                    }
                    CalendarUnit::Months => match self.dialect {
                        Dialect::Duckdb => format!("month(make_timestamp({ts}))"),
                        Dialect::Postgres => format!(
                            "CAST(EXTRACT(MONTH FROM to_timestamp(CAST({ts} AS DOUBLE PRECISION) / 1000000) AT TIME ZONE 'UTC') AS INTEGER)"
                        ),
                        Dialect::Clickhouse => {
                            format!("toMonth(fromUnixTimestamp64Micro(CAST({ts} AS Int64), 'UTC'))")
                        }
                        // A date has no zone: the month of the UTC day.
                        Dialect::Spark => format!(
                            "month(date_from_unix_date(CAST({} AS INT)))",
                            self.floor_div(ts, MICROS_PER_DAY)
                        ),
                    },
                };
                vec![format!("{value} IN ({})", list.join(", "))]
            }
        }
    }

    /// The FROM and WHERE of an event set for the user of `ctx`, above the instant `after`
    /// writes (given where its SQL is read: the context of the bounds) when given.
    fn event_set(&mut self, set: &EventSet, ctx: &Ctx, after: Option<After<'_, 'p>>) -> EventFrom {
        let event = set.event.0 as usize;
        self.aliases += 1;
        let alias = format!("e{}_{event}", self.aliases);
        // What the set's bounds and filter read of the user: from its rows where a name is
        // resolved only one level up; from the entity around it otherwise (PostgreSQL's and
        // DuckDB's bounds are a derived table, which cannot read the rows beside it).
        let (inner, mut bounds) = if self.dialect.one_level() {
            let inner = Ctx::user(&format!("{alias}.user_id"));
            (inner, Bounds::in_place())
        } else {
            (ctx.plain(), Bounds::new(self.alias("b")))
        };
        let ts = format!("{alias}.ts");
        let mut conds = vec![
            format!("{alias}.user_id = {}", ctx.id),
            format!(
                "{alias}.event = {}",
                self.lit(&self.plan.schema.events[event].name)
            ),
            format!("{ts} < {}", self.now),
        ];
        conds.extend(self.window(&set.window, &ts, &inner, &mut bounds));
        if let Some(after) = after {
            let after = after(self, &inner);
            conds.push(format!("{ts} > {}", bounds.bind(after)));
        }
        if let Some(filter) = &set.filter {
            let filtered = Ctx {
                event: Some((alias.clone(), event)),
                ..inner.clone()
            };
            conds.push(self.bool(filter, &filtered));
        }
        EventFrom {
            from: format!(
                "FROM seg_events {alias}{} WHERE {}",
                bounds.from(self.fence()),
                conds.join(" AND ")
            ),
            alias,
        }
    }

    /// The instant step `k` of a chain takes: its earliest event after step `k - 1`'s (or,
    /// with `latest`, its latest such event).
    fn chain_ts(&mut self, steps: &[EventSet], k: usize, ctx: &Ctx, latest: bool) -> String {
        let previous = |w: &mut Self, inner: &Ctx| w.chain_ts(steps, k - 1, inner, false);
        let found = self.event_set(
            &steps[k],
            ctx,
            (k > 0).then_some(&previous as After<'_, 'p>),
        );
        let f = self.aggregate(if latest { "MAX" } else { "MIN" });
        format!("(SELECT {f}({}.ts) {})", found.alias, found.from)
    }

    fn then(&mut self, steps: &[EventSet], last_negated: bool, ctx: &Ctx) -> String {
        let positive = if last_negated {
            &steps[..steps.len() - 1]
        } else {
            steps
        };
        let last = positive.len() - 1;
        let taken = self.chain_ts(positive, last, ctx, last_negated);
        if !last_negated {
            return format!("({taken} IS NOT NULL)");
        }
        let previous = |w: &mut Self, inner: &Ctx| w.chain_ts(positive, last, inner, true);
        let found = self.event_set(steps.last().expect("a step"), ctx, Some(&previous));
        format!(
            "({taken} IS NOT NULL AND NOT EXISTS (SELECT 1 {}))",
            found.from
        )
    }

    /// `changed(...)`: a row of the owner's history (before `now`, stating the attribute) whose
    /// value differs from the previous such row's, not at the beginning of time, in the
    /// window, from and to the values given.
    fn changed(&mut self, changed: &Changed, ctx: &Ctx) -> String {
        let fields = match changed.scope {
            AttrScope::Profile => &self.plan.schema.profile,
            AttrScope::Account => &self.plan.schema.account,
        };
        let field = self.ident(&fields[changed.attribute].name);
        let r = self.alias("r");
        let rows = self.history(changed.scope, ctx, &r);
        let h = self.alias("h");
        if self.dialect.one_level() {
            // No window decorrelates in ClickHouse, and no derived table reads the entity:
            // each row's previous value is the latest stated one before it, by `(ts, seq)`.
            let table = match changed.scope {
                AttrScope::Profile => "seg_profiles",
                AttrScope::Account => "seg_account_rows",
            };
            let owner_column = match changed.scope {
                AttrScope::Profile => "user_id",
                AttrScope::Account => "account_id",
            };
            let before = format!(
                "FROM {table} {h} WHERE {h}.{owner_column} = {r}.{owner_column} AND \
                 ({h}.ts < {r}.ts OR ({h}.ts = {r}.ts AND {h}.seq < {r}.seq))"
            );
            let previous = self.pick(&format!("{h}.{field}"), &h, &before, true);
            let inner = Ctx {
                id: rows.entity.clone(),
                ..ctx.plain()
            };
            let value = format!("{r}.{field}");
            let conds = self.changed_conds(
                changed,
                &inner,
                &previous,
                &value,
                &format!("{r}.ts"),
                &mut Bounds::in_place(),
            );
            return format!(
                "(EXISTS (SELECT 1 {} AND {value} IS NOT NULL AND {r}.ts < {} AND {}))",
                rows.from,
                self.now,
                conds.join(" AND ")
            );
        }
        let mut bounds = Bounds::new(self.alias("b"));
        let previous = format!("{h}.previous");
        let value = format!("{h}.value");
        let conds = self.changed_conds(
            changed,
            &ctx.plain(),
            &previous,
            &value,
            &format!("{h}.ts"),
            &mut bounds,
        );
        format!(
            "(EXISTS (SELECT 1 FROM (SELECT {r}.ts, {r}.{field} AS value, \
             LAG({r}.{field}) OVER (ORDER BY {r}.ts, {r}.seq) AS previous {} \
             AND {r}.{field} IS NOT NULL AND {r}.ts < {now}) {h}{} WHERE {}))",
            rows.from,
            bounds.from(self.fence()),
            conds.join(" AND "),
            now = self.now
        )
    }

    /// What a changed row meets: not at the beginning of time, a value unlike the previous
    /// one, in the window, from and to the values given.
    fn changed_conds(
        &mut self,
        changed: &Changed,
        ctx: &Ctx,
        previous: &str,
        value: &str,
        ts: &str,
        bounds: &mut Bounds,
    ) -> Vec<String> {
        let mut conds = vec![
            format!("{ts} <> {}", crate::store::BEGINNING),
            format!("({previous} IS NULL OR {previous} <> {value})"),
        ];
        conds.extend(self.window(&changed.window, ts, ctx, bounds));
        if let Some(from) = changed.from.as_deref() {
            let from = self.expr(from, ctx);
            conds.push(format!("COALESCE({previous} = {from}, FALSE)"));
        }
        if let Some(to) = changed.to.as_deref() {
            let to = self.expr(to, ctx);
            conds.push(format!("COALESCE({value} = {to}, FALSE)"));
        }
        conds
    }
}

/// The bounds of a window (and a chain's previous instant), computed once per entity in a
/// derived table beside the rows rather than once per row: PostgreSQL runs a correlated
/// subquery in a WHERE again for every row, and a chain's steps nest.
/// Where a name is resolved only one level up, the bounds are written in place.
struct Bounds {
    /// None: in place.
    alias: Option<String>,
    columns: Vec<String>,
}

impl Bounds {
    fn new(alias: String) -> Bounds {
        Bounds {
            alias: Some(alias),
            columns: Vec::new(),
        }
    }

    fn in_place() -> Bounds {
        Bounds {
            alias: None,
            columns: Vec::new(),
        }
    }

    /// The column that holds `sql` (or `sql` itself).
    fn bind(&mut self, sql: String) -> String {
        let Some(alias) = &self.alias else {
            return format!("({sql})");
        };
        self.columns.push(sql);
        format!("{alias}.c{}", self.columns.len() - 1)
    }

    /// `, (SELECT ... AS c0, ... FENCE) alias`, or nothing.
    fn from(&self, fence: &str) -> String {
        let Some(alias) = &self.alias else {
            return String::new();
        };
        if self.columns.is_empty() {
            return String::new();
        }
        let columns: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, sql)| format!("{sql} AS c{i}"))
            .collect();
        format!(", (SELECT {}{fence}) {alias}", columns.join(", "))
    }
}

/// What writes the instant a chain's step must follow, given the context it is read in.
type After<'a, 'p> = &'a dyn Fn(&mut Writer<'p>, &Ctx) -> String;

/// The rows of an owner's history: `FROM ... WHERE ...`, and the SQL of the entity's id
/// read from them.
struct History {
    from: String,
    entity: String,
}

/// An event set's FROM and WHERE, and the alias of its rows.
struct EventFrom {
    from: String,
    alias: String,
}
