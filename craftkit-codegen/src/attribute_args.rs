//! The arguments of `#[craftkit_template(...)]`: the slug, then the overrides of this one use,
//! the same settings as a `[template.<slug>]` of `.craftkit/config.toml`:
//!
//! ```ignore
//! #[craftkit_template(
//!     "invoice",
//!     derives(Hash, schemars::JsonSchema),
//!     attributes(#[serde(deny_unknown_fields)]),
//!     replace(date = "chrono::NaiveDate"),
//!     types("Line", derives(PartialOrd), rename = "InvoiceLine"),
//!     field("lines[].amount", type = "rust_decimal::Decimal", with = "rust_decimal::serde::float"),
//! )]
//! ```

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{LitStr, Token};

use crate::config::{FieldConfig, TemplateConfig, TypeConfig};
use crate::override_problem::Setting;

/// Where each setting was written among the arguments, so that a problem of the overrides
/// points at the argument that caused it (the first, when one is given twice).
pub(crate) type Spans = HashMap<Setting, Span>;

/// The slug, the overrides and where each was written, or an error at the token that is
/// wrong.
pub(crate) fn parse(attr: TokenStream) -> syn::Result<(LitStr, TemplateConfig, Spans)> {
    (|input: ParseStream<'_>| {
        let slug: LitStr = input.parse()?;
        let mut config = TemplateConfig::default();
        let mut spans = Spans::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            setting(input, &mut config, &mut spans)?;
        }
        Ok((slug, config, spans))
    })
    .parse2(attr)
}

/// One setting: `derives(...)`, `attributes(...)`, `replace(...)`, `types(...)`, `field(...)`.
fn setting(
    input: ParseStream<'_>,
    config: &mut TemplateConfig,
    spans: &mut Spans,
) -> syn::Result<()> {
    let name: syn::Ident = input.parse()?;
    let content;
    syn::parenthesized!(content in input);
    match name.to_string().as_str() {
        "derives" => {
            for (derive, span) in derives(&content)? {
                spans
                    .entry(Setting::Derive(last_of(&derive)))
                    .or_insert(span);
                config.derives.push(derive);
            }
        }
        "attributes" => {
            spans.entry(Setting::Attributes).or_insert(name.span());
            config.attributes.extend(attributes(&content)?);
        }
        "replace" => {
            for (kind, ty, span) in assignments(&content)? {
                spans.entry(Setting::Replace(kind.clone())).or_insert(span);
                config.replace.insert(kind, ty.value());
            }
        }
        "types" => {
            let type_name: LitStr = content.parse()?;
            spans
                .entry(Setting::Type(type_name.value()))
                .or_insert(type_name.span());
            let mut ty = TypeConfig::default();
            while !content.is_empty() {
                content.parse::<Token![,]>()?;
                if content.is_empty() {
                    break;
                }
                let key: syn::Ident = content.parse()?;
                match key.to_string().as_str() {
                    "derives" => {
                        let inner;
                        syn::parenthesized!(inner in content);
                        for (derive, span) in derives(&inner)? {
                            spans
                                .entry(Setting::TypeDerive(type_name.value(), last_of(&derive)))
                                .or_insert(span);
                            ty.derives.push(derive);
                        }
                    }
                    "attributes" => {
                        let inner;
                        syn::parenthesized!(inner in content);
                        ty.attributes.extend(attributes(&inner)?);
                    }
                    "rename" => {
                        content.parse::<Token![=]>()?;
                        ty.rename = Some(content.parse::<LitStr>()?.value());
                    }
                    _ => {
                        return Err(syn::Error::new(
                            key.span(),
                            "expected `derives(...)`, `attributes(...)` or `rename = \"...\"` in `types(\"Name\", ...)`",
                        ));
                    }
                }
            }
            *config = std::mem::take(config).ty(type_name.value(), ty);
        }
        "field" => {
            let path: LitStr = content.parse()?;
            spans
                .entry(Setting::Field(path.value()))
                .or_insert(path.span());
            let mut field = FieldConfig::default();
            while !content.is_empty() {
                content.parse::<Token![,]>()?;
                if content.is_empty() {
                    break;
                }
                let key = content.call(syn::Ident::parse_any)?;
                if key == "attributes" {
                    let inner;
                    syn::parenthesized!(inner in content);
                    field.attributes.extend(attributes(&inner)?);
                    continue;
                }
                content.parse::<Token![=]>()?;
                let value = content.parse::<LitStr>()?.value();
                match key.to_string().as_str() {
                    "type" => field.ty = Some(value),
                    "with" => field.with = Some(value),
                    "rename" => field.rename = Some(value),
                    _ => {
                        return Err(syn::Error::new(
                            key.span(),
                            "expected `type = \"...\"`, `with = \"...\"`, `rename = \"...\"` or `attributes(...)` in `field(\"path\", ...)`",
                        ));
                    }
                }
            }
            *config = std::mem::take(config).field(path.value(), field);
        }
        other => {
            return Err(syn::Error::new(
                name.span(),
                format!(
                    "unknown setting `{other}`: expected `derives(...)`, `attributes(...)`, `replace(...)`, `types(\"Name\", ...)` or `field(\"path\", ...)`"
                ),
            ));
        }
    }
    Ok(())
}

/// Each derive's path as text, with its span.
fn derives(input: ParseStream<'_>) -> syn::Result<Vec<(String, Span)>> {
    let paths = Punctuated::<syn::Path, Token![,]>::parse_terminated(input)?;
    Ok(paths
        .iter()
        .map(|p| (p.to_token_stream().to_string(), p.span()))
        .collect())
}

/// A derive's last segment (`schemars :: JsonSchema` -> `JsonSchema`).
fn last_of(derive: &str) -> String {
    derive
        .rsplit("::")
        .next()
        .unwrap_or(derive)
        .trim()
        .to_owned()
}

fn attributes(input: ParseStream<'_>) -> syn::Result<Vec<String>> {
    let attrs = syn::Attribute::parse_outer(input)?;
    Ok(attrs
        .iter()
        .map(|a| a.to_token_stream().to_string())
        .collect())
}

/// `kind = "Type"` pairs, each with the span of its kind.
fn assignments(input: ParseStream<'_>) -> syn::Result<Vec<(String, LitStr, Span)>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let key: syn::Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        out.push((key.to_string(), input.parse()?, key.span()));
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::parse;

    #[test]
    fn every_setting_parses_into_the_config_of_the_file() {
        let (slug, config, spans) = parse(quote!(
            "invoice",
            derives(Hash, schemars::JsonSchema),
            attributes(#[serde(deny_unknown_fields)]),
            replace(date = "chrono::NaiveDate"),
            types("Line", derives(PartialOrd), rename = "InvoiceLine"),
            field("lines[].amount", type = "rust_decimal::Decimal", with = "rust_decimal::serde::float", rename = "amount_eur"),
        ))
        .unwrap();
        assert_eq!(slug.value(), "invoice");
        assert_eq!(config.derives, ["Hash", "schemars :: JsonSchema"]);
        assert_eq!(config.attributes.len(), 1);
        assert_eq!(config.replace["date"], "chrono::NaiveDate");
        assert_eq!(config.types["Line"].rename.as_deref(), Some("InvoiceLine"));
        let amount = &config.fields["lines[].amount"];
        assert_eq!(amount.ty.as_deref(), Some("rust_decimal::Decimal"));
        assert_eq!(amount.rename.as_deref(), Some("amount_eur"));
        // Every setting has the span of its argument.
        use crate::override_problem::Setting;
        for setting in [
            Setting::Derive("Hash".into()),
            Setting::Derive("JsonSchema".into()),
            Setting::Attributes,
            Setting::Replace("date".into()),
            Setting::Type("Line".into()),
            Setting::TypeDerive("Line".into(), "PartialOrd".into()),
            Setting::Field("lines[].amount".into()),
        ] {
            assert!(spans.contains_key(&setting), "{setting:?}");
        }
    }

    #[test]
    fn an_unknown_setting_is_an_error_that_lists_the_known_ones() {
        let Err(error) = parse(quote!("invoice", derive(Hash))) else {
            panic!("`derive` is not a setting");
        };
        let error = error.to_string();
        assert!(error.contains("unknown setting `derive`"), "{error}");
    }
}
