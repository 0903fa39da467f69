//! A generated struct's builder: `Booking::builder()`, the `BookingBuilder` type, one setter
//! per field named as the field, and `build()`.
//!
//! Each required field is a type parameter of the builder, `craftkit_runtime::builder::Unset`
//! until its setter is called and `Set<T>` (holding the value) after. A required setter is
//! bounded by `IsUnset<field::name>` and `build()` by `IsSet<field::name, T>` for each required
//! field, where `field::name` is an uninhabited marker named after the field: the runtime's
//! `#[diagnostic::on_unimplemented]` turns a missing or repeated field into an error that
//! names it. Optional fields are plain `Option`s (last call wins) and cost no type parameter.
//!
//! The type parameters are named after their fields (`BookingState` for `booking`) by
//! [`TypeScope::type_params`], outside every name the generated code defines: the body writes
//! the struct, its builder and the module by relative paths, and a parameter named as one of
//! them would shadow it (a template `order` with a required `order` once made `Order`, and
//! `build()` found the parameter: `error[E0574]`).

use std::collections::{BTreeSet, HashSet};

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream};
use quote::{ToTokens, quote};
use syn::{Item, LitStr, Visibility, parse_quote};

use super::attrs;
use super::paths::{Scope, field_type, ident, name_ident};
use crate::model::{FieldDef, Struct, Ty, TypeScope};
use crate::names::{self, MARKERS_MODULE, builder_name};

/// `impl S { fn builder() }`, the builder struct and its impl, for the struct `s` seen from
/// `scope` (the root's builder sits beside the root, the others in the module). The type
/// parameters are the resolver's ([`TypeScope::type_params`]): no name the body writes.
pub(super) fn items(
    s: &Struct,
    scope: Scope<'_>,
    names: &TypeScope,
    vis: &Visibility,
    rt: &Paths,
    out: &mut Vec<Item>,
) {
    let cx = Builder::new(s, scope, names, rt);
    out.push(constructor(&cx));
    out.push(builder_struct(&cx, vis));
    out.push(builder_impl(&cx));
}

/// What every piece of one struct's builder refers to: the struct, the builder's name, the
/// path to the field markers and the type parameter of each required field.
struct Builder<'a> {
    s: &'a Struct,
    /// The struct the builder builds.
    target: Ident,
    /// `TargetBuilder`.
    builder: Ident,
    /// The markers module as written from `scope`.
    markers: TokenStream,
    /// The required fields, in field order.
    required: Vec<&'a FieldDef>,
    /// One type parameter per required field, in the same order.
    params: Vec<Ident>,
    /// Per field, in order: its name as an identifier. Made once, with `types`: turning names
    /// and types into tokens is most of what emitting a builder costs the macro (it runs
    /// unoptimized in a user's dev build), and each is written 3-4 times.
    names: Vec<Ident>,
    /// Per field, in order: its type as written in the builder.
    types: Vec<TokenStream>,
    /// The runtime's paths every setter writes, made once per template.
    rt: &'a Paths,
}

/// Paths written in every builder, as tokens: made once per template and passed to each
/// struct's [`items`] (each is several identifiers, and making an identifier is what a builder's
/// tokens cost most).
pub(super) struct Paths {
    /// `::craftkit_runtime::builder::Unset`
    unset: TokenStream,
    /// `::craftkit_runtime::builder::Set`
    set: TokenStream,
    /// `::craftkit_runtime::builder::IsSet`
    is_set: TokenStream,
    /// `::craftkit_runtime::builder::IsUnset`
    is_unset: TokenStream,
    /// `::std::option::Option`
    option: TokenStream,
    /// `::std::convert::Into`
    into: TokenStream,
    /// `::craftkit_runtime::builder::IntoStrings`
    into_strings: TokenStream,
}

impl Paths {
    pub(super) fn new() -> Self {
        Paths {
            unset: quote!(::craftkit_runtime::builder::Unset),
            set: quote!(::craftkit_runtime::builder::Set),
            is_set: quote!(::craftkit_runtime::builder::IsSet),
            is_unset: quote!(::craftkit_runtime::builder::IsUnset),
            option: quote!(::std::option::Option),
            into: quote!(::std::convert::Into),
            into_strings: quote!(::craftkit_runtime::builder::IntoStrings),
        }
    }
}

impl<'a> Builder<'a> {
    fn new(s: &'a Struct, scope: Scope<'a>, names: &TypeScope, rt: &'a Paths) -> Self {
        let module = ident(MARKERS_MODULE);
        let markers = match scope {
            Scope::Root { module: nested } => quote!(#nested::#module),
            Scope::Module => quote!(self::#module),
        };
        Builder {
            s,
            target: ident(&s.name),
            builder: ident(&builder_name(&s.name)),
            markers,
            required: s.fields.iter().filter(|f| !f.optional).collect(),
            params: names.type_params(s).iter().map(|p| ident(p)).collect(),
            names: s.fields.iter().map(|f| name_ident(&f.name)).collect(),
            types: s
                .fields
                .iter()
                .map(|f| field_type(&f.ty, scope).into_token_stream())
                .collect(),
            rt,
        }
    }

    /// The index of `f` among the required fields (and so of its type parameter), if required.
    fn required_index(&self, f: &FieldDef) -> Option<usize> {
        self.required.iter().position(|r| r.name == f.name)
    }
}

/// `impl Target { pub fn builder() -> TargetBuilder }`, every field unset.
fn constructor(cx: &Builder<'_>) -> Item {
    let (target, builder) = (&cx.target, &cx.builder);
    let (unset, option) = (&cx.rt.unset, &cx.rt.option);
    // One stream appended to, not a stream per field copied into the item.
    let mut initial = TokenStream::new();
    for (f, name) in cx.s.fields.iter().zip(&cx.names) {
        initial.extend(if f.optional {
            quote!(#name: #option::None,)
        } else {
            quote!(#name: #unset,)
        });
    }
    // Moved into its braces rather than copied.
    let initial = Group::new(Delimiter::Brace, initial);
    let fn_doc = format!(
        " A builder of [`{}`]: one setter per field, then `.build()`.",
        cx.s.name
    );
    Item::Verbatim(quote! {
        #[allow(dead_code)]
        impl #target {
            #[doc = #fn_doc]
            pub fn builder() -> #builder {
                #builder #initial
            }
        }
    })
}

/// `struct TargetBuilder<AState = Unset, ...>`: a type parameter per required field, an
/// `Option` per optional one.
fn builder_struct(cx: &Builder<'_>, vis: &Visibility) -> Item {
    let builder = &cx.builder;
    let (unset, option) = (&cx.rt.unset, &cx.rt.option);
    let mut fields = TokenStream::new();
    for ((f, name), ty) in cx.s.fields.iter().zip(&cx.names).zip(&cx.types) {
        fields.extend(match cx.required_index(f) {
            Some(i) => {
                let param = &cx.params[i];
                quote!(#name: #param,)
            }
            None => quote!(#name: #option<#ty>,),
        });
    }
    let fields = Group::new(Delimiter::Brace, fields);
    let params = &cx.params;
    let builder_doc = attrs::docs(&builder_doc(cx.s, &cx.required)).collect::<Vec<_>>();
    let must_use = LitStr::new(
        "a builder does nothing until `.build()` is called",
        Span::call_site(),
    );
    Item::Verbatim(quote! {
        #(#builder_doc)*
        #[must_use = #must_use]
        #[allow(dead_code)]
        #vis struct #builder<#(#params = #unset),*> #fields
    })
}

/// `impl<...> TargetBuilder<...>`: the setters in field order, then `build()`.
fn builder_impl(cx: &Builder<'_>) -> Item {
    let (builder, params) = (&cx.builder, &cx.params);
    let methods = method_names(cx.s);
    // Every method appended to one stream, moved into the impl's braces: a stream per method
    // interpolated into the impl would be copied token by token.
    let mut methods_tokens = TokenStream::new();
    for (k, (f, maybe)) in cx.s.fields.iter().zip(&methods.maybe).enumerate() {
        match cx.required_index(f) {
            Some(i) => required_setter(cx, k, i, &mut methods_tokens),
            None => optional_setter(
                cx,
                k,
                maybe.as_deref().unwrap_or_default(),
                &mut methods_tokens,
            ),
        }
    }
    build_method(cx, &methods.build, &mut methods_tokens);
    let body = Group::new(Delimiter::Brace, methods_tokens);
    Item::Verbatim(quote! {
        #[allow(dead_code, clippy::type_complexity)]
        impl<#(#params),*> #builder<#(#params),*> #body
    })
}

/// The setter of the `k`-th field, the `i`-th required one: callable while its parameter is
/// unset, it moves every field into a builder whose parameter `i` is `Set<T>`. Appended to
/// `out`.
fn required_setter(cx: &Builder<'_>, k: usize, i: usize, out: &mut TokenStream) {
    let (builder, markers, set) = (&cx.builder, &cx.markers, &cx.rt.set);
    let (name, ty) = (&cx.names[k], &cx.types[k]);
    let f = &cx.s.fields[k];
    let setter_doc = format!(" Sets `{}`.", f.name.plain());
    let (param_ty, convert) = setter_value(cx, &f.ty, ty);
    let param = &cx.params[i];
    // The parameters and fields before and after this one, written by repetition over slices
    // rather than a stream per parameter and per field.
    let (params_before, params_after) = (&cx.params[..i], &cx.params[i + 1..]);
    let (before, after) = (&cx.names[..k], &cx.names[k + 1..]);
    let is_unset = &cx.rt.is_unset;
    out.extend(quote! {
        #[doc = #setter_doc]
        pub fn #name(self, value: #param_ty)
            -> #builder<#(#params_before,)* #set<#ty> #(, #params_after)*>
        where
            #param: #is_unset<#markers::#name>,
        {
            #builder {
                #(#before: self.#before,)*
                #name: #set(#convert),
                #(#after: self.#after,)*
            }
        }
    });
}

/// The two setters of the optional `k`-th field: `x(value)` and `maybe_x(option)` (named
/// `maybe`). Appended to `out`.
fn optional_setter(cx: &Builder<'_>, k: usize, maybe: &str, out: &mut TokenStream) {
    let (name, ty) = (&cx.names[k], &cx.types[k]);
    let f = &cx.s.fields[k];
    let option = &cx.rt.option;
    let setter_doc = format!(" Sets `{}`.", f.name.plain());
    let (param_ty, convert) = setter_value(cx, &f.ty, ty);
    let maybe = ident(maybe);
    let maybe_doc = format!(
        " Sets `{}` to `value`, or leaves it out of the JSON with `None`.",
        f.name.plain()
    );
    out.extend(quote! {
        #[doc = #setter_doc]
        pub fn #name(mut self, value: #param_ty) -> Self {
            self.#name = #option::Some(#convert);
            self
        }
        #[doc = #maybe_doc]
        pub fn #maybe(mut self, value: #option<#ty>) -> Self {
            self.#name = value;
            self
        }
    });
}

/// `build()` (named `build`), bounded by `IsSet<marker, T>` for each required field.
/// Appended to `out`.
fn build_method(cx: &Builder<'_>, build: &str, out: &mut TokenStream) {
    let (target, markers, is_set) = (&cx.target, &cx.markers, &cx.rt.is_set);
    let build = ident(build);
    let mut bounds = TokenStream::new();
    let mut values = TokenStream::new();
    for ((f, name), ty) in cx.s.fields.iter().zip(&cx.names).zip(&cx.types) {
        if let Some(i) = cx.required_index(f) {
            let param = &cx.params[i];
            bounds.extend(quote!(#param: #is_set<#markers::#name, #ty>,));
            values.extend(quote!(#name: #is_set::into_value(self.#name),));
        } else {
            values.extend(quote!(#name: self.#name,));
        }
    }
    let values = Group::new(Delimiter::Brace, values);
    let build_doc = format!(
        " The [`{}`]. Compiles only once every required field is set.",
        cx.s.name
    );
    out.extend(quote! {
        #[doc = #build_doc]
        pub fn #build(self) -> #target
        where
            #bounds
        {
            #target #values
        }
    });
}

/// A setter's parameter type and the expression that turns its `value` into the field's `ty`:
/// `impl Into<T>`, and for a list of strings the runtime's `IntoStrings`, which takes
/// `["Marko", "Iva"]` as well as everything `impl Into<Vec<String>>` took, an empty `vec![]`
/// included (see `craftkit_runtime::builder::IntoStrings` for why not `impl IntoIterator`).
fn setter_value(cx: &Builder<'_>, field: &Ty, ty: &TokenStream) -> (TokenStream, TokenStream) {
    const STRING_PATH: &[&str] = &["std", "string", "String"];
    match field {
        Ty::Vec(item) if matches!(**item, Ty::Scalar(s) if s.rust.path == STRING_PATH) => {
            let strings = &cx.rt.into_strings;
            (quote!(impl #strings), quote!(#strings::into_strings(value)))
        }
        _ => {
            let into = &cx.rt.into;
            (quote!(impl #into<#ty>), quote!(#into::into(value)))
        }
    }
}

/// A builder's methods that are not named as a field: `maybe_x` for each optional field `x`
/// and `build`, each pushed to `x_`, `x__`... when a field or an earlier method has the name.
pub(crate) struct MethodNames {
    /// Per field, in order: `maybe_x` for an optional field, `None` for a required one.
    pub maybe: Vec<Option<String>>,
    pub build: String,
}

/// The names of `s`'s builder methods that are not setters (see [`MethodNames`]).
pub(crate) fn method_names(s: &Struct) -> MethodNames {
    let mut used: HashSet<String> = s.fields.iter().map(|f| f.name.text.clone()).collect();
    let maybe = s
        .fields
        .iter()
        .map(|f| {
            f.optional.then(|| {
                let plain = f.name.plain().trim_start_matches('_');
                unique(format!("maybe_{plain}"), &mut used)
            })
        })
        .collect();
    let build = unique("build".to_owned(), &mut used);
    MethodNames { maybe, build }
}

/// The module of marker types, one per distinct required field name of the template.
pub(super) fn markers<'a>(structs: impl IntoIterator<Item = &'a Struct>) -> Option<Item> {
    let module = ident(MARKERS_MODULE);
    let names: BTreeSet<(String, bool)> = structs
        .into_iter()
        .flat_map(|s| s.fields.iter().filter(|f| !f.optional))
        .map(|f| (f.name.text.clone(), f.name.raw))
        .collect();
    if names.is_empty() {
        return None;
    }
    let markers = names.into_iter().map(|(text, raw)| {
        let name = name_ident(&names::Name { text, raw });
        quote!(pub enum #name {})
    });
    Some(parse_quote! {
        /// Markers named after the required fields, for the builders' compile errors
        /// (``missing required field `code` ``).
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        pub mod #module {
            #(#markers)*
        }
    })
}

/// `name`, or `name_`, `name__`... if a field or another method already has it.
fn unique(mut name: String, used: &mut HashSet<String>) -> String {
    while used.contains(&name) {
        name.push('_');
    }
    used.insert(name.clone());
    name
}

fn builder_doc(s: &Struct, required: &[&FieldDef]) -> Vec<String> {
    let mut doc = vec![
        format!(
            "Builds a [`{}`]: `{}::builder()`, one setter per field, then `.build()`.",
            s.name, s.name
        ),
        String::new(),
    ];
    if required.is_empty() {
        doc.push("Every field is optional: `.build()` compiles at any point.".to_owned());
    } else {
        let list: Vec<String> = required
            .iter()
            .map(|f| format!("`{}`", f.name.plain()))
            .collect();
        doc.push(format!(
            "`.build()` compiles once the required fields are set ({}); each of them can be \
             set once. An optional field `x` has `.x(value)` and `.maybe_x(option)`, and the \
             last call wins. See [`craftkit_runtime::builder`].",
            list.join(", ")
        ));
    }
    doc
}
