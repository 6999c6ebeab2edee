//! Checks a parsed `when` against the shapes of its variables, so that a
//! typo fails the load instead of making a rule silently never match.
//!
//! CEL evaluates dynamically: `decision.reversable` or `decision.impact > 3`
//! parse, and then fail at every evaluation, which the resolver reads as
//! "this rule does not match" — and `who` falls through to another rule.
//! Here the expression is typed bottom-up with [`Ty`]; anything read from
//! `ctx` is `Dyn` and passes, so only what is certain to fail is refused.

use std::collections::BTreeSet;

use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue, SelectExpr, operators,
};

use super::shape::{self, Record, Ty};

/// Why an expression cannot work, and the node it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    /// The AST node, for its place in the source.
    pub node: u64,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A name that is neither a variable nor bound by a macro (`exists(d, …)`).
    UnknownVariable(String),
    /// A field, function or operand that can never work, in words.
    Mismatch(String),
}

impl TypeError {
    fn mismatch(node: u64, message: String) -> Self {
        Self {
            node,
            kind: Kind::Mismatch(message),
        }
    }
}

/// What a successful check learnt about the expression.
#[derive(Debug)]
pub struct Checked {
    /// The `ctx` keys the expression reads by name, for `check`'s warning
    /// about keys no guide test sets.
    pub ctx_keys: BTreeSet<String>,
    /// Which of [`super::VARIABLES`] it reads (not names a macro binds).
    pub reads: [bool; 4],
}

pub fn check(expr: &IdedExpr) -> Result<Checked, TypeError> {
    let mut checker = Checker::default();
    let ty = checker.infer(expr)?;
    match ty.strict() {
        Ty::Bool | Ty::Dyn => Ok(Checked {
            ctx_keys: checker.ctx_keys,
            reads: checker.reads,
        }),
        other => Err(TypeError::mismatch(
            expr.id,
            format!(
                "{} gives {other}, not true or false",
                named(expr, "the expression")
            ),
        )),
    }
}

#[derive(Default)]
struct Checker {
    /// Comprehension variables in force, innermost last.
    scope: Vec<(String, Ty)>,
    ctx_keys: BTreeSet<String>,
    reads: [bool; 4],
}

type Checking = Result<Ty, TypeError>;

impl Checker {
    fn lookup(&mut self, node: u64, name: &str) -> Checking {
        if let Some((_, t)) = self.scope.iter().rev().find(|(n, _)| n == name) {
            return Ok(t.clone());
        }
        if let Some(i) = super::VARIABLES.iter().position(|v| *v == name) {
            self.reads[i] = true;
        }
        shape::variable(name)
            .or_else(|| shape::TYPE_NAMES.contains(&name).then_some(Ty::Dyn))
            .ok_or_else(|| TypeError {
                node,
                kind: Kind::UnknownVariable(name.to_owned()),
            })
    }

    /// Whether `expr` is the request's `ctx`, not a variable shadowing it.
    fn is_ctx(&self, expr: &IdedExpr) -> bool {
        matches!(&expr.expr, Expr::Ident(n) if n == "ctx")
            && !self.scope.iter().any(|(n, _)| n == "ctx")
    }

    fn infer(&mut self, e: &IdedExpr) -> Checking {
        match &e.expr {
            Expr::Unspecified => Ok(Ty::Dyn),
            Expr::Literal(l) => Ok(literal(l)),
            Expr::Ident(name) => self.lookup(e.id, name),
            Expr::Select(s) => self.select(e.id, s),
            Expr::List(list) => {
                let mut joined: Option<Ty> = None;
                for element in &list.elements {
                    let t = self.infer(element)?;
                    joined = Some(match joined {
                        None => t,
                        Some(j) => j.join(t),
                    });
                }
                Ok(Ty::List(Box::new(joined.unwrap_or(Ty::Dyn))))
            }
            Expr::Map(map) => {
                self.entries(&map.entries)?;
                Ok(Ty::Map(Box::new(Ty::Dyn)))
            }
            Expr::Struct(s) => {
                self.entries(&s.entries)?;
                Ok(Ty::Dyn)
            }
            Expr::Comprehension(c) => self.comprehension(c),
            Expr::Call(call) => self.call(e.id, call),
        }
    }

    fn entries(&mut self, entries: &[cel::common::ast::IdedEntryExpr]) -> Result<(), TypeError> {
        for entry in entries {
            match &entry.expr {
                EntryExpr::MapEntry(m) => {
                    self.infer(&m.key)?;
                    self.infer(&m.value)?;
                }
                EntryExpr::StructField(f) => {
                    self.infer(&f.value)?;
                }
            }
        }
        Ok(())
    }

    fn select(&mut self, node: u64, s: &SelectExpr) -> Checking {
        if self.is_ctx(&s.operand) {
            self.ctx_keys.insert(s.field.clone());
        }
        let on = self.infer(&s.operand)?;
        let field = field_of(node, &s.operand, &on, &s.field)?;
        Ok(if s.test { Ty::Bool } else { field })
    }

    fn comprehension(&mut self, c: &ComprehensionExpr) -> Checking {
        let range = self.infer(&c.iter_range)?;
        let element = match range.strict() {
            Ty::List(t) => (**t).clone(),
            Ty::Record(_) => Ty::String,
            Ty::Map(_) => Ty::Dyn,
            Ty::Dyn => Ty::Dyn,
            other => {
                return Err(TypeError::mismatch(
                    c.iter_range.id,
                    format!(
                        "{} is {other}: only a list or a map can be iterated",
                        named(&c.iter_range, "the value")
                    ),
                ));
            }
        };
        let accumulator = match self.infer(&c.accu_init)? {
            Ty::List(_) => Ty::List(Box::new(Ty::Dyn)),
            other => other,
        };
        let depth = self.scope.len();
        self.scope.push((c.iter_var.clone(), element));
        if let Some(second) = &c.iter_var2 {
            self.scope.push((second.clone(), Ty::Dyn));
        }
        self.scope.push((c.accu_var.clone(), accumulator));
        let result = (|| {
            self.infer(&c.loop_cond)?;
            self.infer(&c.loop_step)?;
            self.infer(&c.result)
        })();
        self.scope.truncate(depth);
        result
    }

    fn call(&mut self, node: u64, call: &CallExpr) -> Checking {
        let args = &call.args;
        match call.func_name.as_str() {
            operators::LOGICAL_AND | operators::LOGICAL_OR | operators::LOGICAL_NOT => {
                for arg in args {
                    self.want_bool(arg, symbol(&call.func_name))?;
                }
                Ok(Ty::Bool)
            }
            operators::NOT_STRICTLY_FALSE => {
                self.all(args)?;
                Ok(Ty::Bool)
            }
            op @ (operators::EQUALS | operators::NOT_EQUALS) => {
                self.binary(node, op, args, Ty::comparable)?;
                Ok(Ty::Bool)
            }
            op @ (operators::LESS
            | operators::LESS_EQUALS
            | operators::GREATER
            | operators::GREATER_EQUALS) => {
                self.binary(node, op, args, Ty::orderable)?;
                Ok(Ty::Bool)
            }
            op @ (operators::ADD
            | operators::SUBSTRACT
            | operators::MULTIPLY
            | operators::DIVIDE
            | operators::MODULO) => self.arithmetic(node, op, args),
            operators::NEGATE => {
                let t = self.only(args)?;
                match t.strict() {
                    t if t.is_numeric() => Ok(t.clone()),
                    Ty::Dyn | Ty::Duration => Ok(t.clone()),
                    other => Err(TypeError::mismatch(
                        node,
                        format!("`-` cannot negate {other}"),
                    )),
                }
            }
            operators::CONDITIONAL => self.conditional(args),
            operators::INDEX | operators::OPT_INDEX => self.index(node, args),
            operators::IN => self.membership(node, args),
            operators::OPT_SELECT => {
                self.all(args)?;
                Ok(Ty::Dyn)
            }
            _ => self.function(node, call),
        }
    }

    fn all(&mut self, args: &[IdedExpr]) -> Result<Vec<Ty>, TypeError> {
        args.iter().map(|a| self.infer(a)).collect()
    }

    fn only(&mut self, args: &[IdedExpr]) -> Checking {
        Ok(self.all(args)?.into_iter().next().unwrap_or(Ty::Dyn))
    }

    fn want_bool(&mut self, arg: &IdedExpr, op: &str) -> Result<(), TypeError> {
        let t = self.infer(arg)?;
        match t.strict() {
            Ty::Bool | Ty::Dyn => Ok(()),
            other => Err(TypeError::mismatch(
                arg.id,
                format!(
                    "`{op}` needs true or false, but {} is {other}",
                    named(arg, "its operand")
                ),
            )),
        }
    }

    fn binary(
        &mut self,
        node: u64,
        op: &str,
        args: &[IdedExpr],
        fits: fn(&Ty, &Ty) -> bool,
    ) -> Result<(), TypeError> {
        let [left, right] = args else {
            self.all(args)?;
            return Ok(());
        };
        let (l, r) = (self.infer(left)?, self.infer(right)?);
        if fits(&l, &r) {
            return Ok(());
        }
        Err(TypeError::mismatch(
            node,
            format!(
                "`{}` compares {} with {}: it can never be true",
                symbol(op),
                describe(left, &l),
                describe(right, &r)
            ),
        ))
    }

    fn arithmetic(&mut self, node: u64, op: &str, args: &[IdedExpr]) -> Checking {
        let [left, right] = args else {
            self.all(args)?;
            return Ok(Ty::Dyn);
        };
        let (l, r) = (self.infer(left)?, self.infer(right)?);
        let result = match (op, l.strict(), r.strict()) {
            (_, Ty::Dyn, _) | (_, _, Ty::Dyn) => Some(Ty::Dyn),
            (_, a, b) if a.is_numeric() && b.is_numeric() => Some(a.clone().join(b.clone())),
            (operators::ADD, Ty::String, Ty::String) => Some(Ty::String),
            (operators::ADD, Ty::Bytes, Ty::Bytes) => Some(Ty::Bytes),
            (operators::ADD, Ty::List(a), Ty::List(b)) => {
                Some(Ty::List(Box::new((**a).clone().join((**b).clone()))))
            }
            (operators::ADD, Ty::Timestamp, Ty::Duration)
            | (operators::ADD, Ty::Duration, Ty::Timestamp)
            | (operators::SUBSTRACT, Ty::Timestamp, Ty::Duration) => Some(Ty::Timestamp),
            (operators::SUBSTRACT, Ty::Timestamp, Ty::Timestamp)
            | (operators::ADD | operators::SUBSTRACT, Ty::Duration, Ty::Duration) => {
                Some(Ty::Duration)
            }
            _ => None,
        };
        result.ok_or_else(|| {
            TypeError::mismatch(
                node,
                format!(
                    "`{}` cannot combine {} with {}",
                    symbol(op),
                    describe(left, &l),
                    describe(right, &r)
                ),
            )
        })
    }

    fn conditional(&mut self, args: &[IdedExpr]) -> Checking {
        let [condition, then, otherwise] = args else {
            self.all(args)?;
            return Ok(Ty::Dyn);
        };
        self.want_bool(condition, "? :")?;
        let (a, b) = (self.infer(then)?, self.infer(otherwise)?);
        Ok(a.join(b))
    }

    fn index(&mut self, node: u64, args: &[IdedExpr]) -> Checking {
        let [on, key] = args else {
            self.all(args)?;
            return Ok(Ty::Dyn);
        };
        let literal_key = match &key.expr {
            Expr::Literal(LiteralValue::String(s)) => Some(s.inner().to_owned()),
            _ => None,
        };
        if self.is_ctx(on)
            && let Some(k) = &literal_key
        {
            self.ctx_keys.insert(k.clone());
        }
        let (t, k) = (self.infer(on)?, self.infer(key)?);
        match t.strict() {
            Ty::Dyn => Ok(Ty::Dyn),
            Ty::Map(v) => Ok((**v).clone()),
            Ty::Record(_) => match literal_key {
                Some(field) => field_of(node, on, &t, &field),
                None => Ok(Ty::Dyn),
            },
            Ty::List(element) => match k.strict() {
                // A whole-number double indexes too (`[0.0]`).
                Ty::Int | Ty::UInt | Ty::Double | Ty::Dyn => Ok((**element).clone()),
                other => Err(TypeError::mismatch(
                    node,
                    format!(
                        "{} is a list, indexed by position, not by {other}",
                        named(on, "the value")
                    ),
                )),
            },
            other => Err(TypeError::mismatch(
                node,
                format!(
                    "{} is {other}, which cannot be indexed with `[…]`",
                    named(on, "the value")
                ),
            )),
        }
    }

    fn membership(&mut self, node: u64, args: &[IdedExpr]) -> Checking {
        let [item, collection] = args else {
            self.all(args)?;
            return Ok(Ty::Bool);
        };
        let (i, c) = (self.infer(item)?, self.infer(collection)?);
        let fits = match c.strict() {
            Ty::Dyn | Ty::Map(_) | Ty::Record(_) => true,
            Ty::List(element) => i.comparable(element),
            _ => false,
        };
        if fits {
            return Ok(Ty::Bool);
        }
        let message = match c.strict() {
            Ty::List(element) => format!(
                "`in` looks for {} in {}, a list of {}: it can never be there",
                describe(item, &i),
                named(collection, "the list"),
                plural(element)
            ),
            other => format!(
                "`in` needs a list or a map on its right, but {} is {other}",
                named(collection, "it")
            ),
        };
        Err(TypeError::mismatch(node, message))
    }

    fn function(&mut self, node: u64, call: &CallExpr) -> Checking {
        let name = call.func_name.as_str();
        // `optional.of(x)`, `optional.none()`: the optional library's
        // namespace, whose values are untyped here.
        if let Some(target) = &call.target
            && matches!(&target.expr, Expr::Ident(n) if n == "optional")
        {
            self.all(&call.args)?;
            return Ok(Ty::Dyn);
        }
        let known = shape::functions();
        let Some(function) = known.iter().find(|f| f.name == name) else {
            let near = crate::spelling::nearest(name, known.iter().map(|f| f.name));
            return Err(TypeError::mismatch(
                node,
                match near {
                    Some(n) => format!("`{name}` is not a CEL function; did you mean `{n}`?"),
                    None => format!("`{name}` is not a CEL function baton knows"),
                },
            ));
        };
        let args = self.all(&call.args)?;
        // The value the function works on: the target of `x.f()`, or the
        // first argument of `f(x)` for the functions taking both forms.
        let receiver = match (&call.target, function.member_of) {
            (Some(target), Some(on)) => {
                let t = self.infer(target)?;
                Some((target.as_ref(), t, on))
            }
            (Some(_), None) => {
                return Err(TypeError::mismatch(
                    node,
                    format!("`{name}` is not a method: write `{name}(…)`"),
                ));
            }
            (None, _) if !function.global => {
                return Err(TypeError::mismatch(
                    node,
                    format!("`{name}` is a method: write `value.{name}(…)`"),
                ));
            }
            (None, Some(on)) => call
                .args
                .first()
                .zip(args.first())
                .map(|(e, t)| (e, t.clone(), on)),
            (None, None) => None,
        };
        if let Some((target, t, on)) = receiver
            && !on.accepts(&t)
        {
            let mut message = format!(
                "`{name}` works on {}, but {} is {}",
                on.describe(),
                named(target, "its value"),
                t.strict()
            );
            if name == "contains" && matches!(t.strict(), Ty::List(_)) {
                message.push_str("; to test whether a list holds a value, write `value in list`");
            }
            return Err(TypeError::mismatch(node, message));
        }
        Ok(function.gives.clone())
    }
}

/// The type of `field` read from `on` (of type `t`).
fn field_of(node: u64, on: &IdedExpr, t: &Ty, field: &str) -> Checking {
    match t.strict() {
        Ty::Record(record) => record
            .field(field)
            .ok_or_else(|| unknown_field(node, *record, field)),
        Ty::Map(value) => Ok((**value).clone()),
        Ty::Dyn => Ok(Ty::Dyn),
        other => Err(TypeError::mismatch(
            node,
            format!(
                "{} is {other}, which has no field `{field}`",
                named(on, "the value")
            ),
        )),
    }
}

fn unknown_field(node: u64, record: Record, field: &str) -> TypeError {
    let fields = record.fields();
    let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
    let hint = match crate::spelling::nearest(field, names.iter().copied()) {
        Some(near) => format!("; did you mean `{near}`?"),
        None => String::new(),
    };
    TypeError::mismatch(
        node,
        format!(
            "`{}` has no field `{field}`{hint} (it has {})",
            record.name(),
            crate::spelling::list_and(&names)
        ),
    )
}

fn literal(l: &LiteralValue) -> Ty {
    match l {
        LiteralValue::Boolean(_) => Ty::Bool,
        LiteralValue::Bytes(_) => Ty::Bytes,
        LiteralValue::Double(_) => Ty::Double,
        LiteralValue::Int(_) => Ty::Int,
        LiteralValue::Null => Ty::Null,
        LiteralValue::String(_) => Ty::String,
        LiteralValue::UInt(_) => Ty::UInt,
    }
}

/// `decision.impact` for a path of names; `"high"` or `3` for a literal.
fn render(e: &IdedExpr) -> Option<String> {
    match &e.expr {
        Expr::Ident(name) => Some(name.clone()),
        Expr::Select(s) if !s.test => Some(format!("{}.{}", render(&s.operand)?, s.field)),
        Expr::Literal(LiteralValue::String(s)) => Some(format!("{:?}", s.inner())),
        Expr::Literal(LiteralValue::Int(i)) => Some(format!("{}", i.inner())),
        Expr::Literal(LiteralValue::UInt(u)) => Some(format!("{}u", u.inner())),
        Expr::Literal(LiteralValue::Double(d)) => Some(format!("{}", d.inner())),
        Expr::Literal(LiteralValue::Boolean(b)) => Some(format!("{}", b.inner())),
        Expr::Literal(LiteralValue::Null) => Some("null".into()),
        _ => None,
    }
}

/// `` `decision.impact` `` for what can be written back, else `otherwise`.
fn named(e: &IdedExpr, otherwise: &str) -> String {
    render(e).map_or_else(|| otherwise.to_owned(), |r| format!("`{r}`"))
}

/// `` `decision.impact` (a string) ``, or the type alone.
fn describe(e: &IdedExpr, t: &Ty) -> String {
    match (render(e), &e.expr) {
        (Some(r), Expr::Literal(_)) => format!("`{r}`, {}", t.strict()),
        (Some(r), _) => format!("`{r}` ({})", t),
        (None, _) => t.to_string(),
    }
}

fn plural(t: &Ty) -> String {
    match t.strict() {
        Ty::Dyn => "values".into(),
        Ty::String => "strings".into(),
        Ty::Int | Ty::UInt => "whole numbers".into(),
        Ty::Double => "numbers".into(),
        other => format!("items of {other}"),
    }
}

/// `>` for `_>_`: operators as the guide author wrote them.
fn symbol(op: &str) -> &str {
    op.trim_matches('_').trim_start_matches('@')
}
