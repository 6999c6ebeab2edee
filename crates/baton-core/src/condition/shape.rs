//! The shapes a `when` expression sees: what `decision`, `requester` and
//! `now` hold (SPEC §3.2), and what the functions of CEL's standard library
//! take and give. The checker in [`super::typecheck`] reads them; the
//! resolver builds values of these shapes (`decision_value`,
//! `requester_value`), and a test pins that the two agree.

use std::fmt;

/// A static type, as far as a guide's expressions need one. `Dyn` is
/// anything: whatever comes out of `ctx`, which is free-form.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Dyn,
    Null,
    Bool,
    Int,
    UInt,
    Double,
    String,
    Bytes,
    Timestamp,
    Duration,
    List(Box<Ty>),
    Map(Box<Ty>),
    Record(Record),
    /// The value or null: `decision.frequency` when the type leaves it out.
    OrNull(Box<Ty>),
}

/// The variables with a fixed shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record {
    Decision,
    Requester,
}

impl Record {
    pub fn name(self) -> &'static str {
        match self {
            Self::Decision => "decision",
            Self::Requester => "requester",
        }
    }

    /// Every field, with its type, in the order SPEC §3.2 lists them.
    pub fn fields(self) -> Vec<(&'static str, Ty)> {
        let strings = || Ty::List(Box::new(Ty::String));
        match self {
            Self::Decision => vec![
                ("type", Ty::String),
                ("title", Ty::String),
                ("domains", strings()),
                ("impact", Ty::String),
                ("frequency", Ty::OrNull(Box::new(Ty::String))),
                ("reversible", Ty::Bool),
            ],
            Self::Requester => vec![
                ("id", Ty::String),
                ("rank", Ty::Int),
                ("teams", strings()),
                ("is_leader", Ty::Bool),
            ],
        }
    }

    pub fn field(self, name: &str) -> Option<Ty> {
        self.fields()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t)
    }
}

/// Names CEL resolves to type values (`type(ctx.x) == string`), and the
/// namespaces of `google.protobuf.Timestamp` and `optional.of(…)`.
pub const TYPE_NAMES: [&str; 12] = [
    "bool",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "google",
    "optional",
];

/// The type of a variable a condition may read, by name.
pub fn variable(name: &str) -> Option<Ty> {
    match name {
        "ctx" => Some(Ty::Map(Box::new(Ty::Dyn))),
        "decision" => Some(Ty::Record(Record::Decision)),
        // Null when the request names nobody in the directory.
        "requester" => Some(Ty::OrNull(Box::new(Ty::Record(Record::Requester)))),
        "now" => Some(Ty::Timestamp),
        _ => None,
    }
}

impl Ty {
    pub fn is_numeric(&self) -> bool {
        matches!(self, Self::Int | Self::UInt | Self::Double)
    }

    /// The type with a possible null taken off.
    pub fn strict(&self) -> &Ty {
        match self {
            Self::OrNull(inner) => inner,
            other => other,
        }
    }

    /// Whether `==` between the two can ever be true. Null compares with
    /// anything (a defensive null check is never a typo); numbers with
    /// numbers, as CEL does.
    pub fn comparable(&self, other: &Ty) -> bool {
        match (self.strict(), other.strict()) {
            (Self::Dyn, _) | (_, Self::Dyn) | (Self::Null, _) | (_, Self::Null) => true,
            (a, b) if a.is_numeric() && b.is_numeric() => true,
            (Self::List(a), Self::List(b)) | (Self::Map(a), Self::Map(b)) => a.comparable(b),
            (Self::Record(a), Self::Record(b)) => a == b,
            (Self::Record(_), Self::Map(_)) | (Self::Map(_), Self::Record(_)) => true,
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }

    /// Whether `<` and friends are defined between the two.
    pub fn orderable(&self, other: &Ty) -> bool {
        let ordered = |t: &Ty| {
            t.is_numeric()
                || matches!(
                    t,
                    Self::Dyn
                        | Self::String
                        | Self::Bool
                        | Self::Bytes
                        | Self::Timestamp
                        | Self::Duration
                )
        };
        let (a, b) = (self.strict(), other.strict());
        ordered(a)
            && ordered(b)
            && match (a, b) {
                (Self::Dyn, _) | (_, Self::Dyn) => true,
                (a, b) if a.is_numeric() && b.is_numeric() => true,
                (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
            }
    }

    /// The one type both are, or `Dyn` when they differ.
    pub fn join(self, other: Ty) -> Ty {
        if self == other { self } else { Ty::Dyn }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dyn => f.write_str("a value of any type"),
            Self::Null => f.write_str("null"),
            Self::Bool => f.write_str("true or false"),
            Self::Int | Self::UInt => f.write_str("a whole number"),
            Self::Double => f.write_str("a number"),
            Self::String => f.write_str("a string"),
            Self::Bytes => f.write_str("bytes"),
            Self::Timestamp => f.write_str("a timestamp"),
            Self::Duration => f.write_str("a duration"),
            Self::List(_) => f.write_str("a list"),
            Self::Map(_) => f.write_str("a map"),
            Self::Record(r) => write!(f, "`{}`", r.name()),
            Self::OrNull(inner) => write!(f, "{inner} or null"),
        }
    }
}

/// A standard-library function: how it may be called and what it gives.
pub struct Function {
    pub name: &'static str,
    /// Called as `x.name(…)` on a value of this kind, or as `name(…)`.
    pub member_of: Option<Receiver>,
    pub global: bool,
    pub gives: Ty,
}

/// What a member function may be called on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receiver {
    String,
    Timestamp,
    Sized,
    /// An optional value (`optional.of(x).orValue(y)`), untyped here.
    Optional,
}

impl Receiver {
    pub fn accepts(self, t: &Ty) -> bool {
        match (self, t.strict()) {
            (_, Ty::Dyn) => true,
            (Self::String, Ty::String) => true,
            (Self::Optional, _) => false,
            // The time getters: `now.getHours()`, and on a duration too.
            (Self::Timestamp, Ty::Timestamp | Ty::Duration) => true,
            (Self::Sized, t) => matches!(
                t,
                Ty::String | Ty::Bytes | Ty::List(_) | Ty::Map(_) | Ty::Record(_)
            ),
            _ => false,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::String => "a string",
            Self::Timestamp => "a timestamp or a duration",
            Self::Sized => "a string, list or map",
            Self::Optional => "an optional value",
        }
    }
}

const fn global(name: &'static str, gives: Ty) -> Function {
    Function {
        name,
        member_of: None,
        global: true,
        gives,
    }
}

const fn member(name: &'static str, on: Receiver, gives: Ty) -> Function {
    Function {
        name,
        member_of: Some(on),
        global: false,
        gives,
    }
}

/// The functions of the standard library the engine evaluates with (the
/// `cel` crate's `Env::stdlib`), each with what it gives. A name not here
/// fails at every evaluation, so it is refused at load.
pub fn functions() -> Vec<Function> {
    use Receiver::{Sized, String as Str, Timestamp as Ts};
    let mut all = vec![
        global("bool", Ty::Bool),
        global("int", Ty::Int),
        global("uint", Ty::UInt),
        global("double", Ty::Double),
        global("string", Ty::String),
        global("bytes", Ty::Bytes),
        global("timestamp", Ty::Timestamp),
        global("duration", Ty::Duration),
        global("dyn", Ty::Dyn),
        global("type", Ty::Dyn),
        Function {
            name: "size",
            member_of: Some(Sized),
            global: true,
            gives: Ty::Int,
        },
        Function {
            name: "matches",
            member_of: Some(Str),
            global: true,
            gives: Ty::Bool,
        },
        member("contains", Str, Ty::Bool),
        member("startsWith", Str, Ty::Bool),
        member("endsWith", Str, Ty::Bool),
    ];
    for (name, gives) in [
        ("value", Ty::Dyn),
        ("hasValue", Ty::Bool),
        ("or", Ty::Dyn),
        ("orValue", Ty::Dyn),
    ] {
        all.push(member(name, Receiver::Optional, gives));
    }
    for name in [
        "getDate",
        "getDayOfMonth",
        "getDayOfWeek",
        "getDayOfYear",
        "getFullYear",
        "getHours",
        "getMilliseconds",
        "getMinutes",
        "getMonth",
        "getSeconds",
    ] {
        all.push(member(name, Ts, Ty::Int));
    }
    all
}
