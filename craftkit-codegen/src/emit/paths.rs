//! Identifiers, paths and field types of the generated code. Paths into `std` and
//! `craftkit_runtime` are absolute (`::std::string::String`); nested types are named from
//! where they are used (`module::Name` from the root, `self::Name` inside the module).

use proc_macro2::Ident;
use syn::{
    AngleBracketedGenericArguments, GenericArgument, Path, PathArguments, PathSegment, Type,
    TypePath,
};

use crate::model::Ty;

/// Where a named type is referred to from: the root's scope or inside the module.
#[derive(Clone, Copy)]
pub(super) enum Scope<'a> {
    Root { module: &'a Ident },
    Module,
}

pub(crate) use crate::names::{ident, name_ident};

/// `::a::b::c`.
pub(super) fn absolute(segments: &[&str]) -> Path {
    Path {
        leading_colon: Some(Default::default()),
        segments: segments
            .iter()
            .map(|s| PathSegment::from(ident(s)))
            .collect(),
    }
}

/// `a::b`, from identifiers already made.
pub(super) fn relative(segments: impl IntoIterator<Item = Ident>) -> Path {
    Path {
        leading_colon: None,
        segments: segments.into_iter().map(PathSegment::from).collect(),
    }
}

/// The type at `path`.
pub(super) fn path_type(path: Path) -> Type {
    Type::Path(TypePath {
        attrs: Vec::new(),
        qself: None,
        path,
    })
}

/// `::a::b::C<args>`.
fn generic<const N: usize>(segments: &[&str], args: [Type; N]) -> Type {
    let mut path = absolute(segments);
    if let Some(last) = path.segments.last_mut() {
        last.arguments = PathArguments::AngleBracketed(AngleBracketedGenericArguments {
            colon2_token: None,
            lt_token: Default::default(),
            args: args.into_iter().map(GenericArgument::Type).collect(),
            gt_token: Default::default(),
        });
    }
    path_type(path)
}

/// `::std::option::Option<inner>`.
pub(super) fn option(inner: Type) -> Type {
    generic(&["std", "option", "Option"], [inner])
}

/// A field's Rust type.
pub(super) fn field_type(ty: &Ty, scope: Scope<'_>) -> Type {
    let absolute_type = |segments: &[&str]| path_type(absolute(segments));
    match ty {
        Ty::Scalar(scalar) => absolute_type(scalar.rust.path),
        Ty::Json => absolute_type(&["craftkit_runtime", "serde_json", "Value"]),
        Ty::JsonMap => generic(
            &["craftkit_runtime", "serde_json", "Map"],
            [
                absolute_type(&["std", "string", "String"]),
                absolute_type(&["craftkit_runtime", "serde_json", "Value"]),
            ],
        ),
        Ty::Named(name) => {
            let first = match scope {
                Scope::Root { module } => module.clone(),
                Scope::Module => ident("self"),
            };
            path_type(relative([first, ident(name)]))
        }
        Ty::Vec(item) => generic(&["std", "vec", "Vec"], [field_type(item, scope)]),
        Ty::Custom(custom) => custom.ty.clone(),
    }
}
