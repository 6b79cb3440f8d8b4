//! `seg sql`: the checked plan as SQL, for DuckDB and PostgreSQL (docs/warehouse.md).
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
}

impl Dialect {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Duckdb => "DuckDB",
            Dialect::Postgres => "PostgreSQL",
        }
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
    /// The evaluation instant in microseconds; None: a parameter the user binds (`$now` in
    /// DuckDB, `:'now'` through psql's variables in PostgreSQL), a UTC timestamp.
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
                string(&plan.segments[s].name)
            )
        })
        .collect();
    let mut out = String::new();
    let _ = write!(
        out,
        "-- seg sql --dialect {}: the members of {} segment{}\nWITH\n{}\n{}\nORDER BY segment, user_id;\n",
        match options.dialect {
            Dialect::Duckdb => "duckdb",
            Dialect::Postgres => "postgres",
        },
        wanted.len(),
        if wanted.len() == 1 { "" } else { "s" },
        ctes.join(",\n"),
        if selects.is_empty() {
            "SELECT CAST(NULL AS VARCHAR) AS segment, CAST(NULL AS VARCHAR) AS user_id WHERE FALSE"
                .to_string()
        } else {
            selects.join("\nUNION ALL\n")
        }
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

/// A SQL string literal.
fn string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A SQL name, quoted.
fn name(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl Writer<'_> {
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
            Dialect::Duckdb => "",
            Dialect::Postgres => " OFFSET 0",
        }
    }

    /// Microseconds of a layout timestamp column.
    fn micros(&self, column: &str) -> String {
        match self.dialect {
            Dialect::Duckdb => format!("epoch_us({column})"),
            Dialect::Postgres => {
                format!("CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)")
            }
        }
    }

    /// `a / b` for integers, rounded toward zero.
    fn int_div(&self, a: &str, b: &str) -> String {
        match self.dialect {
            Dialect::Duckdb => format!("({a}) // ({b})"),
            Dialect::Postgres => format!("div({a}, {b})"),
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
        let value = |w: &Self, field: &str, ty: FieldType| match ty {
            FieldType::Timestamp => format!("{} AS {}", w.micros(&name(field)), name(field)),
            _ => name(field),
        };
        let props: Vec<String> = columns
            .iter()
            .map(|(field, ty)| value(self, field, *ty))
            .collect();
        let history = |w: &Self, fields: &[crate::schema::Field], owner: &str, table: &str| {
            let mut select = vec![
                name(owner),
                format!(
                    "COALESCE({}, {}) AS ts",
                    w.micros("ts"),
                    crate::store::BEGINNING
                ),
                "seq".to_string(),
            ];
            select.extend(
                fields
                    .iter()
                    .filter(|f| f.name != owner)
                    .map(|f| value(w, &f.name, f.ty)),
            );
            format!("SELECT {} FROM {table}", select.join(", "))
        };
        let mut events = vec![
            "user_id".to_string(),
            "event".into(),
            format!("{} AS ts", self.micros("ts")),
            "seq".into(),
        ];
        events.extend(props);
        let profile_account = schema
            .profile
            .iter()
            .any(|f| f.name == "account_id" && f.ty == FieldType::String);
        let account_of = if profile_account {
            format!(
                "(SELECT p.account_id FROM seg_profiles p WHERE p.user_id = u.user_id \
                 AND p.account_id IS NOT NULL AND p.ts < {now} ORDER BY p.ts DESC, p.seq DESC LIMIT 1)",
                now = self.now
            )
        } else {
            "CAST(NULL AS VARCHAR)".into()
        };
        // PostgreSQL would materialize a CTE read many times, and scan it whole for each
        // user; inlined, each subquery reads the table (through an index on `user_id`).
        let inline = match self.dialect {
            Dialect::Duckdb => "",
            Dialect::Postgres => "NOT MATERIALIZED ",
        };
        vec![
            format!(
                "seg_events AS {inline}(SELECT {} FROM {})",
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
            "seg_users AS (SELECT user_id FROM seg_events UNION SELECT user_id FROM seg_profiles)"
                .into(),
            // Every account with rows, and every account a profile names (at any time).
            if profile_account {
                "seg_accounts AS (SELECT account_id FROM seg_account_rows UNION SELECT \
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
                format!("{alias}.{}", name(field))
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
                format!("EXISTS (SELECT 1 FROM s{s} WHERE s{s}.id = {id_sql})")
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
                match self.dialect {
                    Dialect::Duckdb => {
                        format!("COALESCE(regexp_matches({s}, {}), FALSE)", string(pattern))
                    }
                    Dialect::Postgres => {
                        if posix_reads_alike(pattern) {
                            format!("COALESCE({s} ~ {}, FALSE)", string(pattern))
                        } else {
                            self.refuse(
                                e.span,
                                "this `matches` pattern exactly: its POSIX regular expressions \
                                 read `\\`, `(?`, `[^`, `.` outside brackets and class set \
                                 operations otherwise than Rust's regex does",
                            )
                        }
                    }
                }
            }
            ExprKind::Arith(op, a, b) => self.arith(*op, a, b, ctx),
            ExprKind::IsSet { negated, expr } => {
                let inner = self.expr(expr, ctx);
                if *negated {
                    format!("({inner} IS NULL)")
                } else {
                    format!("({inner} IS NOT NULL)")
                }
            }
            ExprKind::Aggregate(aggregate) => {
                let set = self.event_set(&aggregate.set, ctx, None);
                let e_alias = &set.alias;
                let property = aggregate.property.map(|p| {
                    let event = aggregate.set.event.0 as usize;
                    format!(
                        "{e_alias}.{}",
                        name(&self.plan.schema.events[event].properties[p].name)
                    )
                });
                let from = &set.from;
                let stated = |p: &Option<String>| {
                    p.as_ref()
                        .map_or(String::new(), |p| format!(" AND {p} IS NOT NULL"))
                };
                match aggregate.function {
                    AggregateFn::Did => format!("EXISTS (SELECT 1 {from})"),
                    AggregateFn::Count => {
                        format!("CAST((SELECT COUNT(*) {from}) AS DOUBLE PRECISION)")
                    }
                    AggregateFn::Sum => format!(
                        "COALESCE((SELECT SUM({}) {from}), 0)",
                        property.expect("sum has a property")
                    ),
                    AggregateFn::Avg | AggregateFn::Min | AggregateFn::Max => {
                        let f = match aggregate.function {
                            AggregateFn::Avg => "AVG",
                            AggregateFn::Min => "MIN",
                            _ => "MAX",
                        };
                        format!("(SELECT {f}({}) {from})", property.expect("a property"))
                    }
                    AggregateFn::First | AggregateFn::Last => {
                        let desc = if aggregate.function == AggregateFn::Last {
                            " DESC"
                        } else {
                            ""
                        };
                        match &property {
                            None => {
                                let f = if desc.is_empty() { "MIN" } else { "MAX" };
                                format!("(SELECT {f}({e_alias}.ts) {from})")
                            }
                            Some(p) => format!(
                                "(SELECT {p} {from}{} ORDER BY {e_alias}.ts{desc}, {e_alias}.seq{desc} LIMIT 1)",
                                stated(&property)
                            ),
                        }
                    }
                    AggregateFn::Top => {
                        let p = property.clone().expect("top has a property");
                        let event = aggregate.set.event.0 as usize;
                        let index = aggregate.property.expect("top has a property");
                        let text = self.plan.schema.events[event].properties[index].ty
                            == FieldType::String;
                        let order = if text { self.ordered(&p) } else { p.clone() };
                        format!(
                            "(SELECT {p} {from}{} GROUP BY {p} ORDER BY COUNT(*) DESC, {order} LIMIT 1)",
                            stated(&property)
                        )
                    }
                    AggregateFn::Distinct => format!(
                        "CAST((SELECT COUNT(DISTINCT {}) {from}) AS DOUBLE PRECISION)",
                        property.expect("distinct has a property")
                    ),
                    AggregateFn::Days => {
                        let day = self.floor_div(&format!("{e_alias}.ts"), MICROS_PER_DAY);
                        format!("CAST((SELECT COUNT(DISTINCT {day}) {from}) AS DOUBLE PRECISION)")
                    }
                }
            }
            ExprKind::Then {
                steps,
                last_negated,
            } => self.then(steps, *last_negated, ctx),
            ExprKind::Steps(steps) => {
                let mut previous: Option<String> = None;
                let mut done = Vec::new();
                for step in steps {
                    let t = self.step_ts(step, ctx, previous.as_deref(), false);
                    done.push(format!("CASE WHEN {t} IS NULL THEN 0 ELSE 1 END"));
                    previous = Some(t);
                }
                format!("CAST(({}) AS DOUBLE PRECISION)", done.join(" + "))
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
                    Quantifier::Count => {
                        format!("CAST((SELECT COUNT(*) {of} AND {pass}) AS DOUBLE PRECISION)")
                    }
                    Quantifier::Any => format!("EXISTS (SELECT 1 {of} AND {pass})"),
                    Quantifier::All => format!("(NOT EXISTS (SELECT 1 {of} AND NOT {pass}))"),
                }
            }
            ExprKind::Lower(inner) => format!("lower({})", self.expr(inner, ctx)),
            ExprKind::Len(inner) => {
                let s = self.expr(inner, ctx);
                format!("CAST(char_length({s}) AS DOUBLE PRECISION)")
            }
            ExprKind::Bucket(salt) => {
                let salt = self.expr(salt, ctx);
                let hex = format!(
                    "substr(md5({salt} || {} || {}), 1, 8)",
                    string(crate::plan::value::BUCKET_SEPARATOR),
                    ctx.id
                );
                let number = match self.dialect {
                    Dialect::Duckdb => format!("CAST('0x' || {hex} AS UBIGINT)"),
                    Dialect::Postgres => format!("CAST(CAST(('x' || {hex}) AS BIT(32)) AS BIGINT)"),
                };
                format!("CAST(({number}) % 100 AS DOUBLE PRECISION)")
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
                let items: Vec<String> = ids.iter().map(|id| string(id)).collect();
                format!("({} IN ({}))", ctx.id, items.join(", "))
            }
        }
    }

    /// A string column ordered bytewise (PostgreSQL's collation may not be).
    fn ordered(&self, sql: &str) -> String {
        match self.dialect {
            Dialect::Duckdb => sql.to_string(),
            Dialect::Postgres => format!("{sql} COLLATE \"C\""),
        }
    }

    fn constant(&mut self, value: &Value, span: Span) -> String {
        match value {
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Value::Number(n) => format!("CAST({n:?} AS DOUBLE PRECISION)"),
            Value::String(s) => {
                if s.contains('\0') {
                    return self.refuse(span, "a string holding a NUL character");
                }
                string(s)
            }
            Value::Timestamp(t) | Value::Duration(t) => format!("CAST({t} AS BIGINT)"),
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
                format!("(strpos({left}, {right}) > 0)")
            }
            CompareOp::StartsWith => {
                let right = self.expr(b, ctx);
                format!("starts_with({left}, {right})")
            }
            CompareOp::EndsWith => {
                let right = self.expr(b, ctx);
                format!("(right({left}, char_length({right})) = {right})")
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
                let x = format!("CAST({x} AS DOUBLE PRECISION)");
                let y = format!("CAST({y} AS DOUBLE PRECISION)");
                self.number_op(ArithOp::Div, &x, &y)
            }
            (Type::Duration, ArithOp::Mul | ArithOp::Div, Type::Number)
            | (Type::Number, ArithOp::Mul, Type::Duration) => {
                let (d, n) = if a.ty == Type::Duration {
                    (x, y)
                } else {
                    (y, x)
                };
                let scaled = self.number_op(op, &format!("CAST({d} AS DOUBLE PRECISION)"), &n);
                let w = self.alias("w");
                format!(
                    "(SELECT CASE WHEN abs({w}.s) < 9.0e18 THEN CAST(trunc({w}.s) AS BIGINT) END \
                     FROM (SELECT {scaled} AS s{fence}) {w})",
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
        // The operands are bound once (each is read several times below).
        let v = self.alias("v");
        let bound = format!("FROM (SELECT {x} AS l, {y} AS r{}) {v}", self.fence());
        let (x, y) = (format!("{v}.l"), format!("{v}.r"));
        let sql = self.number_case(op, &x, &y);
        format!("(SELECT {sql} {bound})")
    }

    fn number_case(&self, op: ArithOp, x: &str, y: &str) -> String {
        if self.dialect == Dialect::Duckdb {
            let sql = match op {
                ArithOp::Add => format!("({x} + {y})"),
                ArithOp::Sub => format!("({x} - {y})"),
                ArithOp::Mul => format!("({x} * {y})"),
                ArithOp::Div => format!("({x} / NULLIF({y}, 0))"),
            };
            return format!("(CASE WHEN isfinite({sql}) THEN {sql} END)");
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
        let (table, fields, owner_column) = match scope {
            AttrScope::Profile => ("seg_profiles", &self.plan.schema.profile, "user_id"),
            AttrScope::Account => ("seg_account_rows", &self.plan.schema.account, "account_id"),
        };
        let field = name(&fields[index].name);
        let owner = Self::owner(scope, ctx);
        let r = self.alias("r");
        format!(
            "(SELECT {r}.{field} FROM {table} {r} WHERE {r}.{owner_column} = {owner} \
             AND {r}.{field} IS NOT NULL AND {r}.ts < {now} ORDER BY {r}.ts DESC, {r}.seq DESC LIMIT 1)",
            now = self.now
        )
    }

    /// The SQL of the owner of a `scope` attribute for the entity of `ctx`.
    fn owner(scope: AttrScope, ctx: &Ctx) -> String {
        match (scope, ctx.target) {
            (AttrScope::Account, Target::User) => format!(
                "(SELECT ua.account_id FROM seg_user_accounts ua WHERE ua.user_id = {})",
                ctx.id
            ),
            _ => ctx.id.clone(),
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
                    },
                };
                vec![format!("{value} IN ({})", list.join(", "))]
            }
        }
    }

    /// The FROM and WHERE of an event set for the user of `ctx`, above `after` when given.
    fn event_set(&mut self, set: &EventSet, ctx: &Ctx, after: Option<&str>) -> EventFrom {
        let event = set.event.0 as usize;
        self.aliases += 1;
        let alias = format!("e{}_{event}", self.aliases);
        let mut bounds = Bounds::new(self.alias("b"));
        let ts = format!("{alias}.ts");
        let mut conds = vec![
            format!("{alias}.user_id = {}", ctx.id),
            format!(
                "{alias}.event = {}",
                string(&self.plan.schema.events[event].name)
            ),
            format!("{ts} < {}", self.now),
        ];
        conds.extend(self.window(&set.window, &ts, ctx, &mut bounds));
        if let Some(after) = after {
            conds.push(format!("{ts} > {}", bounds.bind(after.to_string())));
        }
        if let Some(filter) = &set.filter {
            let inner = Ctx {
                event: Some((alias.clone(), event)),
                ..ctx.plain()
            };
            conds.push(self.bool(filter, &inner));
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

    /// The instant a chain's step takes: its earliest event after `after` (or its latest).
    fn step_ts(&mut self, set: &EventSet, ctx: &Ctx, after: Option<&str>, latest: bool) -> String {
        let found = self.event_set(set, ctx, after);
        let f = if latest { "MAX" } else { "MIN" };
        format!("(SELECT {f}({}.ts) {})", found.alias, found.from)
    }

    fn then(&mut self, steps: &[EventSet], last_negated: bool, ctx: &Ctx) -> String {
        let positive = if last_negated {
            &steps[..steps.len() - 1]
        } else {
            steps
        };
        let mut previous: Option<String> = None;
        for (i, set) in positive.iter().enumerate() {
            let latest = last_negated && i + 1 == positive.len();
            previous = Some(self.step_ts(set, ctx, previous.as_deref(), latest));
        }
        let last = previous.expect("then has a positive step");
        if !last_negated {
            return format!("({last} IS NOT NULL)");
        }
        let found = self.event_set(steps.last().expect("a step"), ctx, Some(&last));
        format!(
            "({last} IS NOT NULL AND NOT EXISTS (SELECT 1 {}))",
            found.from
        )
    }

    /// `changed(...)`: a row of the owner's history (before `now`, stating the attribute) whose
    /// value differs from the previous such row's, not at the beginning of time, in the
    /// window, from and to the values given.
    fn changed(&mut self, changed: &Changed, ctx: &Ctx) -> String {
        let (table, fields, owner_column) = match changed.scope {
            AttrScope::Profile => ("seg_profiles", &self.plan.schema.profile, "user_id"),
            AttrScope::Account => ("seg_account_rows", &self.plan.schema.account, "account_id"),
        };
        let field = name(&fields[changed.attribute].name);
        let owner = Self::owner(changed.scope, ctx);
        let plain = ctx.plain();
        let from = changed.from.as_deref().map(|e| self.expr(e, &plain));
        let to = changed.to.as_deref().map(|e| self.expr(e, &plain));
        let h = self.alias("h");
        let r = self.alias("r");
        let mut conds = vec![
            format!("{h}.ts <> {}", crate::store::BEGINNING),
            format!("({h}.previous IS NULL OR {h}.previous <> {h}.value)"),
        ];
        let mut bounds = Bounds::new(self.alias("b"));
        conds.extend(self.window(&changed.window, &format!("{h}.ts"), ctx, &mut bounds));
        if let Some(from) = from {
            conds.push(format!("COALESCE({h}.previous = {from}, FALSE)"));
        }
        if let Some(to) = to {
            conds.push(format!("COALESCE({h}.value = {to}, FALSE)"));
        }
        format!(
            "EXISTS (SELECT 1 FROM (SELECT {r}.ts, {r}.{field} AS value, \
             LAG({r}.{field}) OVER (ORDER BY {r}.ts, {r}.seq) AS previous FROM {table} {r} \
             WHERE {r}.{owner_column} = {owner} AND {r}.{field} IS NOT NULL AND {r}.ts < {now}) {h}{} \
             WHERE {})",
            bounds.from(self.fence()),
            conds.join(" AND "),
            now = self.now
        )
    }
}

/// Whether PostgreSQL's POSIX regular expressions read a pattern (checked by Rust's regex)
/// exactly as Rust's regex does: no escapes, no `(?` groups or flags, no negated classes
/// (they match a line break differently), no `.` outside brackets (it matches a line break
/// in PostgreSQL, not in Rust), no nested classes or set operations.
fn posix_reads_alike(pattern: &str) -> bool {
    let refused = ["\\", "(?", "[^", "[[", "&&", "--", "~~"];
    if refused.iter().any(|r| pattern.contains(r)) {
        return false;
    }
    let mut in_class = false;
    let mut previous = None;
    for c in pattern.chars() {
        match c {
            '[' if !in_class => in_class = true,
            // A `]` first in a class is a literal.
            ']' if in_class && previous != Some('[') => in_class = false,
            '.' if !in_class => return false,
            _ => {}
        }
        previous = Some(c);
    }
    true
}

/// The bounds of a window (and a chain's previous instant), computed once per entity in a
/// derived table beside the rows rather than once per row: PostgreSQL runs a correlated
/// subquery in a WHERE again for every row, and a chain's steps nest.
struct Bounds {
    alias: String,
    columns: Vec<String>,
}

impl Bounds {
    fn new(alias: String) -> Bounds {
        Bounds {
            alias,
            columns: Vec::new(),
        }
    }

    /// The column that holds `sql`.
    fn bind(&mut self, sql: String) -> String {
        self.columns.push(sql);
        format!("{}.c{}", self.alias, self.columns.len() - 1)
    }

    /// `, (SELECT ... AS c0, ... FENCE) alias`, or nothing.
    fn from(&self, fence: &str) -> String {
        if self.columns.is_empty() {
            return String::new();
        }
        let columns: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, sql)| format!("{sql} AS c{i}"))
            .collect();
        format!(", (SELECT {}{fence}) {}", columns.join(", "), self.alias)
    }
}

/// An event set's FROM and WHERE, and the alias of its rows.
struct EventFrom {
    from: String,
    alias: String,
}
