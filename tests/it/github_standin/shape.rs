//! Request-body shapes, written out by hand for each operation, and the check GitHub makes
//! before an operation runs: required fields present, JSON types right, enum values, lengths
//! and property counts within the documented bounds. A body that fails answers 422
//! `validation-error` with one `errors[]` entry per problem (`{resource, field, code}` with
//! code `missing_field` or `invalid`), before any state changes.
//!
//! The shapes are data rather than serde structs so that `contract.rs` can compare each one,
//! field by field, with the request-body schema in the spec.

use serde_json::{Value, json};

/// A JSON type as the spec's request schemas use them.
#[derive(Debug)]
pub enum Ty {
    Str,
    Int,
    Bool,
    /// An object with known properties.
    Obj(&'static Shape),
    /// An object of any properties (`additionalProperties: true`), e.g. workflow `inputs`.
    FreeObj,
    Array(&'static Ty),
    /// Exactly the spec's `oneOf`: valid when one of the alternatives is.
    OneOf(&'static [Ty]),
}

/// One property of an object.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub nullable: bool,
    pub enumeration: &'static [&'static str],
    pub min_len: Option<usize>,
    pub max_len: Option<usize>,
    pub max_props: Option<usize>,
    pub min_items: Option<usize>,
}

impl Field {
    pub const fn new(name: &'static str, ty: Ty) -> Field {
        Field {
            name,
            ty,
            required: false,
            nullable: false,
            enumeration: &[],
            min_len: None,
            max_len: None,
            max_props: None,
            min_items: None,
        }
    }

    pub const fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub const fn nullable(mut self) -> Field {
        self.nullable = true;
        self
    }

    pub const fn one_of(mut self, values: &'static [&'static str]) -> Field {
        self.enumeration = values;
        self
    }

    pub const fn len(mut self, min: usize, max: usize) -> Field {
        self.min_len = Some(min);
        self.max_len = Some(max);
        self
    }

    pub const fn max_props(mut self, n: usize) -> Field {
        self.max_props = Some(n);
        self
    }

    pub const fn min_items(mut self, n: usize) -> Field {
        self.min_items = Some(n);
        self
    }
}

/// An object's properties; `any_of` names properties of which at least one must be present
/// (the spec's `anyOf: [{required: [a]}, {required: [b]}]`).
#[derive(Debug)]
pub struct Shape {
    /// The `resource` named in validation errors (`PullRequest`, `Reference`, ...).
    pub resource: &'static str,
    pub fields: &'static [Field],
    pub any_of: &'static [&'static str],
}

impl Shape {
    pub const fn new(resource: &'static str, fields: &'static [Field]) -> Shape {
        Shape {
            resource,
            fields,
            any_of: &[],
        }
    }
}

/// Every problem with `body` against `ty`, as `errors[]` entries (empty when valid).
pub fn check(ty: &Ty, body: &Value, resource: &str) -> Vec<Value> {
    let mut errors = Vec::new();
    check_value(ty, body, "", resource, &mut errors);
    errors
}

fn invalid(resource: &str, field: &str, value: &Value, errors: &mut Vec<Value>) {
    let mut e = json!({"resource": resource, "field": field, "code": "invalid"});
    if value.is_string() || value.is_i64() || value.is_u64() {
        e["value"] = value.clone();
    }
    errors.push(e);
}

fn check_value(ty: &Ty, v: &Value, path: &str, resource: &str, errors: &mut Vec<Value>) {
    match ty {
        Ty::Str if !v.is_string() => invalid(resource, path, v, errors),
        Ty::Int if !(v.is_i64() || v.is_u64()) => invalid(resource, path, v, errors),
        Ty::Bool if !v.is_boolean() => invalid(resource, path, v, errors),
        Ty::FreeObj if !v.is_object() => invalid(resource, path, v, errors),
        Ty::Obj(shape) => match v.as_object() {
            None => invalid(resource, path, v, errors),
            Some(map) => {
                let resource = if path.is_empty() { shape.resource } else { resource };
                for f in shape.fields {
                    let name = if path.is_empty() {
                        f.name.to_string()
                    } else {
                        format!("{path}.{}", f.name)
                    };
                    match map.get(f.name) {
                        None if f.required => {
                            errors.push(json!({"resource": resource, "field": name, "code": "missing_field"}))
                        }
                        None => {}
                        Some(Value::Null) if f.nullable => {}
                        Some(value) => check_field(f, value, &name, resource, errors),
                    }
                }
                if !shape.any_of.is_empty() && !shape.any_of.iter().any(|n| map.contains_key(*n)) {
                    for n in shape.any_of {
                        errors.push(json!({"resource": resource, "field": n, "code": "missing_field"}));
                    }
                }
            }
        },
        Ty::Array(item) => match v.as_array() {
            None => invalid(resource, path, v, errors),
            Some(items) => {
                for (i, x) in items.iter().enumerate() {
                    check_value(item, x, &format!("{path}[{i}]"), resource, errors);
                }
            }
        },
        Ty::OneOf(alternatives) => {
            let fits = alternatives.iter().any(|t| {
                let mut e = Vec::new();
                check_value(t, v, path, resource, &mut e);
                e.is_empty()
            });
            if !fits {
                invalid(resource, path, v, errors);
            }
        }
        _ => {}
    }
}

fn check_field(f: &Field, v: &Value, name: &str, resource: &str, errors: &mut Vec<Value>) {
    let before = errors.len();
    check_value(&f.ty, v, name, resource, errors);
    if errors.len() > before {
        return;
    }
    let bad = match v {
        Value::String(s) => {
            (!f.enumeration.is_empty() && !f.enumeration.contains(&s.as_str()))
                || f.min_len.is_some_and(|n| s.chars().count() < n)
                || f.max_len.is_some_and(|n| s.chars().count() > n)
        }
        Value::Object(m) => f.max_props.is_some_and(|n| m.len() > n),
        Value::Array(a) => f.min_items.is_some_and(|n| a.len() < n),
        _ => false,
    };
    if bad {
        invalid(resource, name, v, errors);
    }
}
