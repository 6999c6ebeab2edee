//! CEL `when` conditions: compiled once at load, evaluated per request.
//!
//! The CEL implementation recurses on the native stack both when parsing and
//! when evaluating, and a deep or very long expression overflows it and aborts
//! the whole process — unacceptable in a server. So an expression must pass a
//! cheap structural guard ([`guard`]) before the parser ever sees it, and is
//! parsed on a dedicated thread with a generous stack. Anything that passes
//! the guard is shallow enough to evaluate on an ordinary 2 MiB thread (a
//! test pins this), so evaluation needs no thread of its own.

use std::collections::HashMap;
use std::sync::Arc;

use cel::objects::{Key, Map};
use cel::{Context, Env, Program, Value};

pub(crate) mod shape;
mod typecheck;

/// Longest `when` expression accepted, in bytes.
pub const MAX_LENGTH: usize = 1_000;
/// Deepest nesting of `(`, `[` and `{` accepted.
pub const MAX_NESTING: usize = 12;
/// Most operators (including `.` member access and unary `!`/`-`) accepted.
pub const MAX_OPERATORS: usize = 64;

/// Stack for the parsing thread: far more than any guarded expression needs.
const PARSE_STACK: usize = 64 * 1024 * 1024;

/// The variables a condition may read.
pub const VARIABLES: [&str; 4] = ["ctx", "decision", "requester", "now"];

/// A compiled `when` expression.
#[derive(Debug)]
pub struct Condition {
    source: String,
    program: Program,
    /// Which of [`VARIABLES`] the expression reads: the resolver binds only
    /// those, so `ctx.urgency == "critical"` never pays for `requester`.
    uses: [bool; 4],
    /// The `ctx` keys it reads by name, sorted.
    ctx_keys: Vec<String>,
}

/// Why an expression was refused at load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    #[error("`when` is too complex to evaluate safely: {0}")]
    TooComplex(String),
    #[error("`when` is not valid CEL at column {column}: {message}")]
    Syntax { column: usize, message: String },
    #[error(
        "`when` reads `{0}`, which is not a variable here: use ctx, decision, requester or now"
    )]
    UnknownVariable(String),
    #[error("`when` cannot work at column {column}: {message}")]
    Type { column: usize, message: String },
    #[error("`when` could not be compiled: {0}")]
    Internal(String),
}

impl ConditionError {
    /// The 1-based column in the expression the error points at, if any.
    pub fn column(&self) -> Option<usize> {
        match self {
            Self::Syntax { column, .. } | Self::Type { column, .. } => Some(*column),
            _ => None,
        }
    }
}

impl Condition {
    pub fn compile(source: &str) -> Result<Self, ConditionError> {
        guard(source)?;
        let owned = source.to_owned();
        let parsed = std::thread::Builder::new()
            .name("cel-parse".into())
            .stack_size(PARSE_STACK)
            .spawn(move || Program::compile(&owned).map_err(|e| syntax_error(&owned, &e)))
            .map_err(|e| ConditionError::Internal(e.to_string()))?
            .join()
            .map_err(|_| ConditionError::Internal("the CEL parser failed".into()))?;
        let program = parsed?;
        let checked = typecheck::check(program.expression()).map_err(|e| match e.kind {
            typecheck::Kind::UnknownVariable(name) => ConditionError::UnknownVariable(name),
            typecheck::Kind::Mismatch(message) => ConditionError::Type {
                column: column_of(source, &program, e.node),
                message,
            },
        })?;
        Ok(Self {
            source: source.to_owned(),
            program,
            uses: checked.reads,
            ctx_keys: checked.ctx_keys.into_iter().collect(),
        })
    }

    /// The `ctx` keys the expression reads by name (`ctx.risk`,
    /// `ctx["risk"]`), sorted.
    pub fn ctx_keys(&self) -> &[String] {
        &self.ctx_keys
    }

    /// Whether the expression reads `VARIABLES[index]`.
    pub fn uses(&self, index: usize) -> bool {
        self.uses.get(index).copied().unwrap_or(false)
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// `Ok(b)` for a boolean result; `Err(why)` when evaluation failed or the
    /// result was not a boolean. Either way the caller treats a non-`true`
    /// outcome as "the rule does not match" and reports the reason.
    pub fn evaluate(&self, context: &Context<'_, '_>) -> Result<bool, String> {
        match self.program.execute(context) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!(
                "it gave {} instead of true or false",
                describe(&other)
            )),
            Err(cel::ExecutionError::NoSuchKey(key)) => Err(self.missing(&key)),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Why a key the condition reads was not there, in the guide's terms:
    /// a request's `ctx` is free-form, so a missing key there was not given.
    fn missing(&self, key: &str) -> String {
        let source = self.source.replace(' ', "");
        let dotted = format!("ctx.{key}");
        // `ctx.urgency` read as such, not as the start of `ctx.urgency_level`.
        let reads_dotted = source.match_indices(&dotted).any(|(at, _)| {
            !source[at + dotted.len()..]
                .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        });
        let indexed = ["\"", "'"]
            .iter()
            .any(|q| source.contains(&format!("ctx[{q}{key}{q}]")));
        if reads_dotted || indexed {
            format!("`ctx.{key}` was not given")
        } else {
            format!("it reads `{key}`, which is not there")
        }
    }
}

/// The 1-based column where `node` starts in `source`, in characters.
fn column_of(source: &str, program: &Program, node: u64) -> usize {
    program
        .source_info()
        .offset_for(node)
        .and_then(|(start, _)| source.get(..usize::try_from(start).ok()?))
        .map_or(1, |before| before.chars().count() + 1)
}

/// The parser's first error, placed as the type checker places its own:
/// by characters from the start of `source`. The parser gives a line and a
/// 1-based column within it.
fn syntax_error(source: &str, errors: &cel::ParseErrors) -> ConditionError {
    match errors.errors.first() {
        Some(first) => {
            let line = usize::try_from(first.pos.0).unwrap_or(1).max(1);
            let before: usize = source
                .split('\n')
                .take(line - 1)
                .map(|l| l.chars().count() + 1)
                .sum();
            ConditionError::Syntax {
                column: before + usize::try_from(first.pos.1).unwrap_or(1).max(1),
                message: first.msg.clone(),
            }
        }
        None => ConditionError::Internal("the CEL parser reported no error".into()),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("the string {s:?}"),
        Value::Int(i) => format!("the number {i}"),
        Value::Null => "null".into(),
        other => format!("a {}", other.type_of()),
    }
}

/// Refuses expressions whose shape could exhaust the parser's or the
/// evaluator's stack. Counting is lexical and ignores string literals.
pub fn guard(source: &str) -> Result<(), ConditionError> {
    if source.len() > MAX_LENGTH {
        return Err(ConditionError::TooComplex(format!(
            "{} bytes long, the limit is {MAX_LENGTH}",
            source.len()
        )));
    }
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut operators = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            match c {
                '\\' if !escaped => escaped = true,
                _ if c == q && !escaped => quote = None,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '&' | '|' | '=' => {
                // `&&`, `||`, `==` count once.
                if chars.peek() == Some(&c) {
                    chars.next();
                }
                operators += 1;
            }
            '.' | '!' | '-' | '+' | '*' | '/' | '%' | '<' | '>' | '?' | ',' => operators += 1,
            _ => {}
        }
    }
    if deepest > MAX_NESTING {
        return Err(ConditionError::TooComplex(format!(
            "nested {deepest} deep, the limit is {MAX_NESTING}"
        )));
    }
    if operators > MAX_OPERATORS {
        return Err(ConditionError::TooComplex(format!(
            "{operators} operators, the limit is {MAX_OPERATORS}"
        )));
    }
    Ok(())
}

/// The CEL environment shared by every condition of a guide.
#[derive(Clone)]
pub struct Environment(Arc<Env>);

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Environment(stdlib)")
    }
}

pub fn environment() -> Environment {
    Environment(Arc::new(Env::stdlib()))
}

/// Converts request JSON into CEL values. Integers stay integers, so
/// `ctx.rows > 1000000` compares ints, not floats.
pub fn json_to_cel(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else if let Some(u) = n.as_u64() {
                Value::UInt(u)
            } else {
                Value::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(s) => Value::String(Arc::new(s.clone())),
        serde_json::Value::Array(items) => {
            Value::List(Arc::new(items.iter().map(json_to_cel).collect()))
        }
        serde_json::Value::Object(fields) => {
            string_map(fields.iter().map(|(k, v)| (k.as_str(), json_to_cel(v))))
        }
    }
}

/// A CEL map with string keys.
pub fn string_map<'a>(fields: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let map: HashMap<Key, Value> = fields
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k.to_owned())), v))
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

/// A fresh evaluation scope over `env`.
pub fn context(env: &Environment) -> Context<'static, 'static> {
    Context::with_env(Arc::clone(&env.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(source: &str, ctx: serde_json::Value) -> Result<bool, String> {
        let cond = Condition::compile(source).map_err(|e| e.to_string())?;
        let env = environment();
        let mut context = context(&env);
        context.add_variable_from_value("ctx", json_to_cel(&ctx));
        cond.evaluate(&context)
    }

    #[test]
    fn json_integers_compare_as_integers() {
        assert_eq!(
            eval("ctx.rows > 1000000", serde_json::json!({"rows": 5_000_000})),
            Ok(true)
        );
        assert_eq!(
            eval("ctx.rows > 1000000", serde_json::json!({"rows": 5})),
            Ok(false)
        );
    }

    #[test]
    fn a_missing_key_is_an_evaluation_error_not_a_panic() {
        let err = eval("ctx.urgency == 'critical'", serde_json::json!({})).unwrap_err();
        assert_eq!(err, "`ctx.urgency` was not given");
        let err = eval("ctx['urgency'] == 'critical'", serde_json::json!({})).unwrap_err();
        assert_eq!(err, "`ctx.urgency` was not given");
        // A key missing from a map other than `ctx` is not "not given".
        let err = eval("ctx.m.level > 1", serde_json::json!({"m": {}})).unwrap_err();
        assert_eq!(err, "it reads `level`, which is not there");
    }

    #[test]
    fn a_non_boolean_result_is_reported() {
        let err = eval("ctx.a", serde_json::json!({"a": "x"})).unwrap_err();
        assert!(err.contains("instead of true or false"), "{err}");
    }

    #[test]
    fn syntax_errors_name_the_column() {
        let err = Condition::compile("ctx.a ==").unwrap_err();
        assert!(matches!(err, ConditionError::Syntax { .. }), "{err}");
        // The first character is column 1; a later line counts on from
        // the end of the one before, as the type checker's columns do.
        for (source, column) in [
            (")", 1),
            ("ctx.a == )", 10),
            ("ctx.a $ 1", 7),
            ("ctx.a == 1 &&\n  ctx.b )", 23),
        ] {
            let err = Condition::compile(source).unwrap_err();
            assert_eq!(err.column(), Some(column), "{source:?}: {err}");
        }
    }

    /// The checker's list of functions is written by hand: each must be one
    /// CEL's standard library runs, or a rule the checker accepts would
    /// fail at every resolution. Called with no arguments, a function the
    /// library has refuses its arguments; one it lacks is undeclared.
    #[test]
    fn every_function_the_checker_accepts_is_one_cel_runs() {
        let env = environment();
        for f in shape::functions() {
            let calls = [
                f.global.then(|| format!("{}()", f.name)),
                f.member_of.map(|_| format!("now.{}()", f.name)),
            ];
            for source in calls.into_iter().flatten() {
                assert!(
                    !undeclared(&env, &source),
                    "{source}: CEL has no such function"
                );
            }
        }
        // What an unknown one gives, so the check above can fail.
        assert!(undeclared(&env, "startWith()"));
        assert!(undeclared(&env, "now.startWith()"));
    }

    /// Whether running `source` (with `now` null) finds a name CEL lacks.
    fn undeclared(env: &Environment, source: &str) -> bool {
        let program = Program::compile(source).unwrap();
        let mut scope = context(env);
        scope.add_variable_from_value("now", Value::Null);
        matches!(
            program.execute(&scope),
            Err(cel::ExecutionError::UndeclaredReference(_))
        )
    }

    #[test]
    fn unknown_variables_are_refused_at_load() {
        let err = Condition::compile("ctxx.a == 1").unwrap_err();
        assert_eq!(err, ConditionError::UnknownVariable("ctxx".into()));
    }

    #[derive(serde::Deserialize)]
    struct Cases {
        accepted: Vec<String>,
        refused: Vec<Refused>,
    }

    #[derive(serde::Deserialize)]
    struct Refused {
        when: String,
        says: String,
        column: Option<usize>,
    }

    /// Every case of `cases.yaml`: typos and wrong types refused where they
    /// are written, valid expressions accepted.
    #[test]
    fn typecheck_cases() {
        let cases: Cases = serde_saphyr::from_str(include_str!("cases.yaml")).unwrap();
        let mut failures = Vec::new();
        for source in &cases.accepted {
            if let Err(e) = Condition::compile(source) {
                failures.push(format!("{source}: refused: {e}"));
            }
        }
        for case in &cases.refused {
            match Condition::compile(&case.when) {
                Ok(_) => failures.push(format!("{}: accepted", case.when)),
                Err(ConditionError::Type { column, message }) => {
                    if !message.contains(&case.says) {
                        failures.push(format!("{}: said {message:?}", case.when));
                    }
                    if case.column.is_some_and(|c| c != column) {
                        failures.push(format!("{}: pointed at column {column}", case.when));
                    }
                }
                Err(other) => failures.push(format!("{}: refused as {other}", case.when)),
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn the_ctx_keys_read_by_name_are_known() {
        let cond =
            Condition::compile("ctx.risk == 'high' || ctx['urgency'] == 'x' || has(ctx.team)")
                .unwrap();
        assert_eq!(cond.ctx_keys(), ["risk", "team", "urgency"]);
        // A comprehension variable named `ctx` is not the request's.
        let cond = Condition::compile("[{'a': 1}].exists(ctx, ctx.a == 1)").unwrap();
        assert!(cond.ctx_keys().is_empty(), "{:?}", cond.ctx_keys());
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("{}true{}", "(".repeat(500), ")".repeat(500));
        assert!(matches!(
            Condition::compile(&deep),
            Err(ConditionError::TooComplex(_))
        ));
    }

    #[test]
    fn thousands_of_terms_are_refused_before_parsing() {
        let long = vec!["1"; 2_000].join("+");
        let long = format!("{long} > 0");
        assert!(matches!(
            Condition::compile(&long),
            Err(ConditionError::TooComplex(_))
        ));
        let chain = format!("ctx{} == 1", ".a".repeat(300));
        assert!(matches!(
            Condition::compile(&chain),
            Err(ConditionError::TooComplex(_))
        ));
    }

    #[test]
    fn operators_inside_strings_do_not_count() {
        let s = format!("ctx.a == '{}'", "(.".repeat(200));
        assert!(guard(&s).is_ok());
    }

    /// The guard's promise: the worst expressions it lets through evaluate on
    /// an ordinary 2 MiB thread (a tokio worker's default) without overflow.
    #[test]
    fn the_worst_guarded_expressions_evaluate_on_a_small_stack() {
        let nested = format!(
            "{}ctx.a == 1{}",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        let terms = format!("{} > 0", vec!["ctx.a"; MAX_OPERATORS / 2].join("+"));
        let members = format!("ctx{} == 1", ".a".repeat(MAX_OPERATORS - 1));
        let negations = format!("{}true", "!".repeat(MAX_OPERATORS));
        let lists = format!(
            "{}1{} == ctx.a",
            "[".repeat(MAX_NESTING),
            "]".repeat(MAX_NESTING)
        );
        for source in [nested, terms, members, negations, lists] {
            assert!(guard(&source).is_ok(), "guard refused {source}");
            let cond = Condition::compile(&source).unwrap();
            std::thread::Builder::new()
                .stack_size(2 * 1024 * 1024)
                .spawn(move || {
                    let env = environment();
                    let mut context = context(&env);
                    context
                        .add_variable_from_value("ctx", json_to_cel(&serde_json::json!({"a": 1})));
                    let _ = cond.evaluate(&context);
                })
                .unwrap()
                .join()
                .unwrap();
        }
    }
}
