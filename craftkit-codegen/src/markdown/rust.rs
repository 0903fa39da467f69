//! The example payload as a Rust literal of the generated types, formatted by `prettyplease`
//! inside `fn example() -> Root { ... }`.
//!
//! `prettyplease` prints a macro's body as loose tokens (`Area { name : "x".into(), ... }`), so
//! the literal goes through it with two placeholders that it formats as calls, and becomes
//! macros afterwards: `__vec(a, b)` -> `vec![a, b]` (laid out as rustfmt lays out `vec!`), and
//! `__json(3)` -> `json!(...)` with the JSON text written here.

use std::fmt::Write as _;

use craftkit_core::manifest::Literal as ScalarLiteral;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;
use serde_json::{Map, Value};

use super::Ctx;
use crate::model::{Enum, Struct, Ty, TypeDef};
use crate::names::{ident, name_ident};

const VEC: &str = "__vec";
const JSON: &str = "__json";

/// The formatted `fn example() -> Root` whose body builds `payload`, a payload validated against
/// the tree of `ctx`'s model.
pub(super) fn example(ctx: &Ctx<'_>, payload: &Value) -> Result<String, crate::Error> {
    let map = payload
        .as_object()
        .ok_or_else(|| internal("the payload is not an object"))?;
    let mut writer = Writer {
        ctx,
        json: Vec::new(),
    };
    let root = ident(&ctx.root().name);
    let body = writer.struct_literal(ctx.root(), quote!(#root), map)?;
    let tokens = quote! {
        fn example() -> #root {
            #body
        }
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| internal(&e.to_string()))?;
    finish(&prettyplease::unparse(&file), &writer.json, ctx.runtime)
}

/// An error that valid input cannot cause: reported, never a panic.
fn internal(what: &str) -> crate::Error {
    crate::Error::Internal(format!(
        "craftkit-codegen could not write the Rust example of a docs page ({what}); please report this bug"
    ))
}

struct Writer<'c, 'm> {
    ctx: &'c Ctx<'m>,
    /// The values of the `json!`s, by placeholder number.
    json: Vec<Value>,
}

impl Writer<'_, '_> {
    fn runtime(&self) -> TokenStream {
        let krate = ident("craftkit_runtime");
        if self.ctx.runtime.starts_with("::") {
            quote!(::#krate)
        } else {
            quote!(#krate)
        }
    }

    fn json(&mut self, value: &Value) -> TokenStream {
        self.json.push(value.clone());
        let placeholder = ident(JSON);
        let index = Literal::usize_unsuffixed(self.json.len() - 1);
        quote!(#placeholder(#index))
    }

    fn struct_literal(
        &mut self,
        s: &Struct,
        path: TokenStream,
        map: &Map<String, Value>,
    ) -> Result<TokenStream, crate::Error> {
        let mut fields = TokenStream::new();
        for def in &s.fields {
            let name = name_ident(&def.name);
            let value = match map.get(&def.key) {
                None | Some(Value::Null) if def.optional => quote!(None),
                None | Some(Value::Null) => {
                    return Err(internal(&format!(
                        "the required key `{}` has no value",
                        def.key
                    )));
                }
                Some(value) => {
                    let expr = self.value(&def.ty, value)?;
                    if def.optional {
                        quote!(Some(#expr))
                    } else {
                        expr
                    }
                }
            };
            fields.extend(quote!(#name: #value,));
        }
        Ok(quote!(#path { #fields }))
    }

    fn value(&mut self, ty: &Ty, value: &Value) -> Result<TokenStream, crate::Error> {
        let rt = self.runtime();
        let mismatch = || internal(&format!("the value {value} does not fit its Rust type"));
        let text = || value.as_str().map(Literal::string).ok_or_else(mismatch);
        Ok(match ty {
            // The pages describe the manifest's own types: an override's type has no example
            // the generator could write.
            Ty::Custom(_) => return Err(mismatch()),
            Ty::Scalar(scalar) => match scalar.rust.literal {
                ScalarLiteral::Into => {
                    let lit = text()?;
                    quote!(#lit.into())
                }
                ScalarLiteral::Float => {
                    float(value.as_f64().ok_or_else(mismatch)?).ok_or_else(mismatch)?
                }
                ScalarLiteral::Integer => {
                    let i = value.as_i64().ok_or_else(mismatch)?;
                    let lit = Literal::u64_unsuffixed(i.unsigned_abs());
                    if i < 0 { quote!(-#lit) } else { quote!(#lit) }
                }
                ScalarLiteral::Bool => {
                    let b = value.as_bool().ok_or_else(mismatch)?;
                    quote!(#b)
                }
                ScalarLiteral::Parse if scalar.rust.is_runtime() => {
                    let lit = text()?;
                    let path = scalar.rust.path[1..].iter().map(|s| ident(s));
                    quote!(#rt #(::#path)*::parse(#lit).unwrap())
                }
                _ => return Err(mismatch()),
            },
            Ty::Json => self.json(value),
            Ty::JsonMap => {
                let map = value.as_object().ok_or_else(mismatch)?;
                if map.is_empty() {
                    quote!(#rt::serde_json::Map::new())
                } else {
                    let entries: Vec<TokenStream> = map
                        .iter()
                        .map(|(key, value)| {
                            let key = Literal::string(key);
                            let json = self.json(value);
                            quote!((#key.to_owned(), #json))
                        })
                        .collect();
                    quote!(#rt::serde_json::Map::from_iter([#(#entries),*]))
                }
            }
            Ty::Vec(item) => {
                let items = value
                    .as_array()
                    .ok_or_else(mismatch)?
                    .iter()
                    .map(|v| self.value(item, v))
                    .collect::<Result<Vec<_>, _>>()?;
                let placeholder = ident(VEC);
                quote!(#placeholder(#(#items),*))
            }
            Ty::Named(name) => {
                let module = ident(self.ctx.module());
                let type_ident = ident(name);
                match self.ctx.types.get(name.as_str()) {
                    Some(TypeDef::Struct(s)) => {
                        let map = value.as_object().ok_or_else(mismatch)?;
                        self.struct_literal(s, quote!(#module::#type_ident), map)?
                    }
                    Some(TypeDef::Enum(e)) => {
                        let variant = variant(e, value.as_str().ok_or_else(mismatch)?)
                            .ok_or_else(mismatch)?;
                        quote!(#module::#type_ident::#variant)
                    }
                    None => return Err(internal(&format!("no type `{name}` in the model"))),
                }
            }
        })
    }
}

fn variant(e: &Enum, value: &str) -> Option<Ident> {
    e.variants
        .iter()
        .find(|v| v.value == value)
        .map(|v| name_ident(&v.name))
}

/// An `f64` literal: `95.0`, `12.8`, `-1.5`, `1e300`.
fn float(f: f64) -> Option<TokenStream> {
    let text = float_text(f.abs())?;
    let lit: Literal = text.parse().ok()?;
    Some(if f.is_sign_negative() && f != 0.0 {
        quote!(-#lit)
    } else {
        quote!(#lit)
    })
}

/// `{:?}` keeps a `.0` or an exponent, so the text is a float literal, and it reads back as the
/// same `f64`.
fn float_text(f: f64) -> Option<String> {
    f.is_finite().then(|| format!("{f:?}"))
}

/// A JSON value as the body of `json!(...)`: on one line, or with `indent` one item a line,
/// nested items `indent + 4` spaces in. `json!` takes numbers as Rust expressions, so those that
/// an `i32` cannot hold carry a suffix.
fn json_text(value: &Value, indent: Option<usize>, out: &mut String) {
    let items: Vec<(Option<&String>, &Value)> = match value {
        Value::Array(items) => items.iter().map(|v| (None, v)).collect(),
        Value::Object(map) => map.iter().map(|(k, v)| (Some(k), v)).collect(),
        Value::Null => return out.push_str("null"),
        Value::Bool(b) => return out.push_str(if *b { "true" } else { "false" }),
        Value::String(s) => return out.push_str(&Literal::string(s).to_string()),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let suffix = if i32::try_from(i).is_ok() { "" } else { "i64" };
                let _ = write!(out, "{i}{suffix}");
            } else if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}u64");
            } else {
                out.push_str(&n.as_f64().and_then(float_text).unwrap_or("null".to_owned()));
            }
            return;
        }
    };
    let (open, close) = if value.is_array() {
        ('[', ']')
    } else {
        ('{', '}')
    };
    out.push(open);
    for (i, (key, item)) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let inner = indent.map(|n| n + 4);
        match inner {
            Some(n) => {
                out.push('\n');
                out.push_str(&" ".repeat(n));
            }
            None if i > 0 => out.push(' '),
            None => {}
        }
        if let Some(key) = key {
            out.push_str(&Literal::string(key).to_string());
            out.push_str(": ");
        }
        json_text(item, inner, out);
    }
    if let Some(n) = indent.filter(|_| !items.is_empty()) {
        out.push('\n');
        out.push_str(&" ".repeat(n));
    }
    out.push(close);
}

/// Turns the placeholders of the formatted code into macros. String literals are copied as they
/// are, so a string that reads like a placeholder stays a string.
fn finish(code: &str, json: &[Value], runtime: &str) -> Result<String, crate::Error> {
    /// Longer lines get a `json!` body one item a line.
    const WIDTH: usize = 100;
    let mut out = String::with_capacity(code.len());
    // what each open `(` closes with: `)`, or `]` for a `vec![`
    let mut closers: Vec<char> = Vec::new();
    let mut rest = code;
    while let Some(c) = rest.chars().next() {
        let at_word_start = !out.ends_with(|c: char| c.is_alphanumeric() || c == '_');
        if c == '"' {
            let end = string_end(rest).ok_or_else(|| internal("an unclosed string"))?;
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else if let Some(after) = rest
            .strip_prefix(VEC)
            .and_then(|r| r.strip_prefix('('))
            .filter(|_| at_word_start)
        {
            out.push_str("vec![");
            closers.push(']');
            rest = after;
        } else if let Some(after) = rest
            .strip_prefix(JSON)
            .and_then(|r| r.strip_prefix('('))
            .filter(|_| at_word_start)
        {
            let digits = after
                .find(')')
                .ok_or_else(|| internal("an unclosed json!"))?;
            let value = after[..digits]
                .parse::<usize>()
                .ok()
                .and_then(|i| json.get(i))
                .ok_or_else(|| internal("an unknown json! placeholder"))?;
            let _ = write!(out, "{runtime}::serde_json::json!(");
            let line = &out[out.rfind('\n').map_or(0, |i| i + 1)..];
            let indent = line.len() - line.trim_start().len();
            let column = line.chars().count();
            let mut text = String::new();
            json_text(value, None, &mut text);
            let after_call = &after[digits + 1..];
            let rest_of_line = after_call.find('\n').unwrap_or(after_call.len());
            if column + text.chars().count() + 1 + rest_of_line > WIDTH {
                text.clear();
                json_text(value, Some(indent), &mut text);
            }
            out.push_str(&text);
            out.push(')');
            rest = &after[digits + 1..];
        } else {
            match c {
                '(' => closers.push(')'),
                ')' => out.push(closers.pop().unwrap_or(')')),
                _ => {}
            }
            if c != ')' {
                out.push(c);
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(out)
}

/// The length of the string literal at the start of `text`, quotes included.
fn string_end(text: &str) -> Option<usize> {
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_macros_but_strings_stay() {
        let code = "f(__vec(a(\"__vec(\\\")\"), __json(0)), __vec())";
        assert_eq!(
            finish(code, &[serde_json::json!({"k": 1})], "craftkit_runtime").unwrap(),
            "f(vec![a(\"__vec(\\\")\"), craftkit_runtime::serde_json::json!({\"k\": 1})], vec![])"
        );
    }

    #[test]
    fn a_long_json_body_takes_a_line_an_item() {
        let long = "x".repeat(90);
        let code = "    qr: __json(0),\n";
        assert_eq!(
            finish(code, &[serde_json::json!({"a": [long], "b": {}})], "rt").unwrap(),
            format!(
                "    qr: rt::serde_json::json!({{\n        \"a\": [\n            \"{long}\"\n        ],\n        \"b\": {{}}\n    }}),\n"
            )
        );
    }

    #[test]
    fn json_numbers_keep_their_type_in_json_macro() {
        let mut text = String::new();
        let value = serde_json::json!([1, -3000000000_i64, 18446744073709551615_u64, -1.5, 1e300]);
        json_text(&value, None, &mut text);
        assert_eq!(
            text,
            "[1, -3000000000i64, 18446744073709551615u64, -1.5, 1e300]"
        );
    }
}
