//! The intermediate model between a manifest's tree and tokens: named structs, enums and
//! field types, in a deterministic order (manifest order, depth first: a struct comes before
//! the types of its fields).
//!
//! One walk over the tree makes every type, each with its identity (a [`TypeId`], its place in
//! that order) and its lineage of name parts; the names are then resolved over the collected
//! types (short where unique, qualified by their parents where not), and each type and field
//! type takes its name. The walk never needs to know a name, so nothing keeps two walks in
//! step.

use std::collections::{HashMap, HashSet};

use craftkit_core::manifest::{
    Field, Items, Manifest, Node, Object, Scalar, ScalarType, Tree, VarType,
};

use crate::names::{self, Case, MARKERS_MODULE, Name, builder_name, is_reserved_type_name};
use crate::rustdoc;

/// Everything one template generates.
pub(crate) struct Model {
    pub root: Struct,
    /// The module holding the nested types (named after the root type).
    pub module: String,
    /// The nested types, in order.
    pub types: Vec<TypeDef>,
    /// The manifest's fingerprint, computed once for the docs and the `Template` impl.
    pub fingerprint: String,
}

/// A generated type's identity during the walk: its place in the model's order of types.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TypeId(usize);

/// A nested type. `N` is how types are named: a [`TypeId`] during the walk, the resolved
/// `String` after it.
pub(crate) enum TypeDef<N = String> {
    Struct(Struct<N>),
    Enum(Enum<N>),
}

pub(crate) struct Struct<N = String> {
    pub name: N,
    /// What the struct is in the JSON, for errors: `the object at `booking``.
    pub json: String,
    pub docs: Vec<String>,
    pub fields: Vec<FieldDef<N>>,
    /// The user's derives and attributes (overrides), after the generated ones.
    pub extra: Extra,
}

pub(crate) struct FieldDef<N = String> {
    pub name: Name,
    pub key: String,
    /// The variable's JSON path (`areas[].name`), as overrides name it.
    pub path: String,
    /// The manifest type of the variable or of its items (`number`), for replacements by
    /// manifest type; `None` for objects, enums and unknown types.
    pub kind: Option<&'static ScalarType>,
    pub ty: Ty<N>,
    pub optional: bool,
    pub docs: Vec<String>,
    /// A serde `with` module from the overrides, for the field's type as written.
    pub with: Option<syn::Path>,
    /// The user's attributes on the field (overrides).
    pub attributes: Vec<syn::Attribute>,
}

pub(crate) struct Enum<N = String> {
    pub name: N,
    pub docs: Vec<String>,
    pub variants: Vec<Variant>,
    /// The user's derives and attributes (overrides), after the generated ones.
    pub extra: Extra,
}

/// Derives and outer attributes that overrides add to a type.
#[derive(Clone, Default)]
pub(crate) struct Extra {
    pub derives: Vec<syn::Path>,
    pub attributes: Vec<syn::Attribute>,
}

/// A Rust type given by an override, with its text for docs and errors.
#[derive(Clone)]
pub(crate) struct CustomType {
    pub ty: syn::Type,
    pub text: String,
}

impl PartialEq for CustomType {
    fn eq(&self, other: &CustomType) -> bool {
        self.text == other.text
    }
}

pub(crate) struct Variant {
    pub name: Name,
    pub value: String,
}

/// A field's Rust type.
#[derive(Clone, PartialEq)]
pub(crate) enum Ty<N = String> {
    /// A scalar type of the manifest, as its row of the table says.
    Scalar(&'static ScalarType),
    /// Any JSON value (a type this version does not know).
    Json,
    /// A JSON object with unknown keys.
    JsonMap,
    /// A nested generated type.
    Named(N),
    Vec(Box<Ty<N>>),
    /// A type that an override put in place of the generated one.
    Custom(Box<CustomType>),
}

impl<N> Ty<N> {
    /// The generated type this type names, through arrays (`Vec<Area>` -> `Area`).
    pub(crate) fn type_name(&self) -> Option<&N> {
        match self {
            Ty::Named(name) => Some(name),
            Ty::Vec(inner) => inner.type_name(),
            _ => None,
        }
    }
}

impl Model {
    /// The nested structs, in order (each after the types of its fields).
    pub(crate) fn nested_structs(&self) -> impl Iterator<Item = &Struct> {
        self.types.iter().filter_map(|def| match def {
            TypeDef::Struct(s) => Some(s),
            TypeDef::Enum(_) => None,
        })
    }

    /// Every struct: the root, then the nested ones.
    pub(crate) fn structs(&self) -> impl Iterator<Item = &Struct> {
        std::iter::once(&self.root).chain(self.nested_structs())
    }

    pub(crate) fn build(tree: &Tree, root_name: &str) -> Model {
        let manifest: &Manifest = tree.manifest();
        let mut walk = Walk::default();
        let fields = walk.fields(tree.root(), &[]);
        let mut found = walk.found;
        found.sort_by_key(|(id, _)| id.0);
        let (lineages, defs): (Vec<Lineage>, Vec<TypeDef<TypeId>>) =
            found.into_iter().map(|(_, typed)| typed).unzip();
        let names = resolve_type_names(&lineages, root_name);
        let fingerprint = manifest.fingerprint();
        Model {
            root: Struct {
                name: root_name.to_owned(),
                json: format!("the data of template `{}`", manifest.slug.escape_debug()),
                docs: rustdoc::root(manifest, &fingerprint),
                fields: fields.into_iter().map(|f| f.named(&names)).collect(),
                extra: Extra::default(),
            },
            module: module_name(root_name),
            types: defs.into_iter().map(|def| def.named(&names)).collect(),
            fingerprint,
        }
    }
}

/// The module for nested types: the root's name in snake_case (`CharterHandover` ->
/// `charter_handover`), kept apart from the root's own name, from keywords and from the marker
/// module it holds (`Field` -> `field_types`, not `field::field`).
fn module_name(root: &str) -> String {
    let snake = names::convert(root, Case::Snake);
    if snake == root || names::is_keyword(&snake) || snake == MARKERS_MODULE {
        format!("{snake}_types")
    } else {
        snake
    }
}

/// What a type's name is made from: whether it is an enum, and its name parts from the root
/// (`home.address` -> `["Home", "Address"]`).
struct Lineage {
    is_enum: bool,
    parts: Vec<String>,
}

/// Name parts joined into one UpperCamelCase name. A part that starts with a digit carries a
/// leading `_` to be an identifier on its own (`2nd` -> `_2nd`); after another part it needs
/// none, and keeping it would make `Home_2nd`, which `non_camel_case_types` warns about.
fn join_parts(parts: &[String]) -> String {
    let mut name = String::new();
    for (i, part) in parts.iter().enumerate() {
        name.push_str(if i == 0 {
            part
        } else {
            part.trim_start_matches('_')
        });
    }
    name
}

/// Short names where they are unique; colliding ones are qualified by their parents' names
/// (`HomeAddress`, `WorkAddress`) until they are not; a name that still collides, or that is
/// reserved (a prelude name, the root's, the root builder's, the marker module's), gets
/// `Object`/`Enum` (and a number only if that collides too).
fn resolve_type_names(slots: &[Lineage], root: &str) -> Vec<String> {
    let join = |slot: &Lineage, k: usize| join_parts(&slot.parts[slot.parts.len() - k..]);
    let root_builder = builder_name(root);
    let reserved = |name: &str| {
        name == root
            || name == root_builder
            || name == MARKERS_MODULE
            || is_reserved_type_name(name)
    };
    let mut depth = vec![1; slots.len()];
    loop {
        let names: Vec<String> = slots.iter().zip(&depth).map(|(s, &k)| join(s, k)).collect();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for name in &names {
            *counts.entry(name).or_default() += 1;
        }
        let mut changed = false;
        for (i, name) in names.iter().enumerate() {
            if (counts[name.as_str()] > 1 || reserved(name)) && depth[i] < slots[i].parts.len() {
                depth[i] += 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let names: Vec<String> = slots.iter().zip(&depth).map(|(s, &k)| join(s, k)).collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for name in &names {
        *counts.entry(name).or_default() += 1;
    }
    let mut taken: HashSet<String> = names
        .iter()
        .filter(|n| counts[n.as_str()] == 1 && !reserved(n))
        .cloned()
        .collect();
    taken.extend([
        root.to_owned(),
        root_builder.clone(),
        MARKERS_MODULE.to_owned(),
    ]);
    let mut finals = Vec::with_capacity(slots.len());
    for (slot, name) in slots.iter().zip(&names) {
        if counts[name.as_str()] == 1 && !reserved(name) {
            finals.push(name.clone());
            continue;
        }
        let base = format!("{name}{}", if slot.is_enum { "Enum" } else { "Object" });
        finals.push(names::fresh(&base, &mut taken));
    }
    rename_builder_clashes(slots, &mut finals, root);
    finals
}

/// Every struct has a builder named `{Name}Builder` in the same module. A type whose name is
/// some struct's builder (`booking` and `bookingBuilder` both objects), or a struct whose
/// builder would be named as the root or the root's builder, takes `Object`/`Enum` like any
/// other collision, and a number if that is taken too: a new name is chosen only when neither
/// it nor its builder is any name or builder of the scope, so no renaming makes a new clash.
fn rename_builder_clashes(slots: &[Lineage], finals: &mut [String], root: &str) {
    let builders: HashSet<String> = slots
        .iter()
        .zip(finals.iter())
        .filter(|(slot, _)| !slot.is_enum)
        .map(|(_, name)| builder_name(name))
        .collect();
    let outer = [
        root.to_owned(),
        builder_name(root),
        MARKERS_MODULE.to_owned(),
    ];
    let mut taken: HashSet<String> = finals.iter().cloned().collect();
    taken.extend(builders.iter().cloned());
    taken.extend(outer.iter().cloned());
    for (slot, name) in slots.iter().zip(finals.iter_mut()) {
        let clashes = builders.contains(name.as_str())
            || !slot.is_enum && outer.contains(&builder_name(name));
        if !clashes {
            continue;
        }
        let base = format!("{name}{}", if slot.is_enum { "Enum" } else { "Object" });
        let mut candidate = base.clone();
        let mut n = 2;
        while taken.contains(&candidate)
            || is_reserved_type_name(&candidate)
            || !slot.is_enum && taken.contains(&builder_name(&candidate))
        {
            candidate = format!("{base}{n}");
            n += 1;
        }
        taken.insert(candidate.clone());
        if !slot.is_enum {
            taken.insert(builder_name(&candidate));
        }
        *name = candidate;
    }
}

/// The names the generated code gives items in the type namespace, from the final model
/// (after overrides): the root, its builder and the module of nested types (in the user's
/// module), each nested type, each nested struct's builder and the marker module (in the
/// module of nested types), and every identifier a replaced type (an override) writes. The
/// builders' type parameters and the `Serialize` and `Deserialize` impls' parameters are chosen outside it, so
/// none of them shadows a name the impl's body writes, and none reads like a type in rustdoc.
pub(crate) struct TypeScope {
    taken: HashSet<String>,
}

impl TypeScope {
    /// The type-namespace names of `model`.
    pub(crate) fn of(model: &Model) -> TypeScope {
        let mut taken: HashSet<String> = HashSet::new();
        taken.insert(model.root.name.clone());
        taken.insert(builder_name(&model.root.name));
        taken.insert(model.module.clone());
        taken.insert(MARKERS_MODULE.to_owned());
        for def in &model.types {
            match def {
                TypeDef::Struct(s) => {
                    taken.insert(s.name.clone());
                    taken.insert(builder_name(&s.name));
                }
                TypeDef::Enum(e) => {
                    taken.insert(e.name.clone());
                }
            }
        }
        for s in model.structs() {
            for f in &s.fields {
                custom_idents(&f.ty, &mut taken);
                if let Some(with) = &f.with {
                    idents_of(quote::ToTokens::to_token_stream(with), &mut taken);
                }
            }
        }
        TypeScope { taken }
    }

    /// The builder's type parameters of `s`, one per required field in order: the field's
    /// [`names::state_param_base`] (`BookingState`), with a number if that is a name of the
    /// scope or an earlier parameter's.
    pub(crate) fn type_params(&self, s: &Struct) -> Vec<String> {
        let mut local: HashSet<String> = HashSet::new();
        s.fields
            .iter()
            .filter(|f| !f.optional)
            .map(|f| {
                let base = names::state_param_base(&f.name);
                let mut candidate = base.clone();
                let mut n = 2;
                while self.taken.contains(&candidate)
                    || local.contains(&candidate)
                    || is_reserved_type_name(&candidate)
                {
                    candidate = format!("{base}{n}");
                    n += 1;
                }
                local.insert(candidate.clone());
                candidate
            })
            .collect()
    }

    /// The type parameter of a `Deserialize` impl's `deserialize`: `D`, unless the scope has
    /// that name (a type `D`, or a `with` path of an override that writes it), then `D2`...
    pub(crate) fn deserializer_param(&self) -> String {
        self.free("D")
    }

    /// The type parameter of a generated `Serialize` impl's `serialize`: `S`, else `S2`...,
    /// as [`Self::deserializer_param`].
    pub(crate) fn serializer_param(&self) -> String {
        self.free("S")
    }

    /// `base`, or `base2`, `base3`... the first that is not a name of the scope.
    fn free(&self, base: &str) -> String {
        let mut candidate = base.to_owned();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        candidate
    }
}

/// The identifiers a replaced type writes (`my_types::Money` -> `my_types`, `Money`).
fn custom_idents(ty: &Ty, taken: &mut HashSet<String>) {
    match ty {
        Ty::Custom(custom) => idents_of(quote::ToTokens::to_token_stream(&custom.ty), taken),
        Ty::Vec(item) => custom_idents(item, taken),
        _ => {}
    }
}

fn idents_of(tokens: proc_macro2::TokenStream, taken: &mut HashSet<String>) {
    for token in tokens {
        match token {
            proc_macro2::TokenTree::Ident(ident) => {
                let text = ident.to_string();
                let plain = text.strip_prefix("r#").unwrap_or(&text);
                taken.insert(plain.to_owned());
            }
            proc_macro2::TokenTree::Group(group) => idents_of(group.stream(), taken),
            _ => {}
        }
    }
}

/// The one walk over the tree.
#[derive(Default)]
struct Walk {
    /// The next type's identity.
    next: usize,
    /// Every type, as it is finished (a struct after the types of its fields).
    found: Vec<(TypeId, (Lineage, TypeDef<TypeId>))>,
}

impl Walk {
    /// A new type's identity, taken when the walk reaches it (before its fields' types).
    fn identity(&mut self) -> TypeId {
        let id = TypeId(self.next);
        self.next += 1;
        id
    }

    fn fields(&mut self, object: &Object, lineage: &[String]) -> Vec<FieldDef<TypeId>> {
        let keys: Vec<&str> = object.fields.iter().map(|f| f.key.as_str()).collect();
        let names = names::assign(&keys, Case::Snake, &[]);
        object
            .fields
            .iter()
            .zip(names)
            .map(|(field, name)| FieldDef {
                name,
                key: field.key.clone(),
                path: field.path.clone(),
                kind: kind(&field.node),
                ty: self.field_type(field, lineage),
                optional: !field.required,
                docs: rustdoc::field(field),
                with: None,
                attributes: Vec::new(),
            })
            .collect()
    }

    fn field_type(&mut self, field: &Field, lineage: &[String]) -> Ty<TypeId> {
        let part = || names::convert(&field.key, Case::Camel);
        let item_part = || names::item_type_base(&field.key);
        match &field.node {
            Node::Scalar(scalar) => self.scalar_type(scalar, field, lineage, part),
            Node::Object(inner) => Ty::Named(self.structure(inner, field, lineage, part())),
            Node::OpaqueObject => Ty::JsonMap,
            Node::Array(array) => Ty::Vec(Box::new(match &array.items {
                Items::Object(inner) => {
                    Ty::Named(self.structure(inner, field, lineage, item_part()))
                }
                Items::Scalar(scalar) => self.scalar_type(scalar, field, lineage, item_part),
            })),
        }
    }

    fn structure(
        &mut self,
        object: &Object,
        field: &Field,
        lineage: &[String],
        part: String,
    ) -> TypeId {
        let id = self.identity();
        let mut lineage = lineage.to_vec();
        lineage.push(part);
        let fields = self.fields(object, &lineage);
        let mut docs = vec![match &field.node {
            Node::Array(_) => format!("One item of {}.", rustdoc::code(&field.path)),
            _ => format!("The object at {}.", rustdoc::code(&field.path)),
        }];
        let json = match &field.node {
            Node::Array(_) => format!("an item of `{}`", field.path.escape_debug()),
            _ => format!("the object at `{}`", field.path.escape_debug()),
        };
        if let Some(description) = field
            .variable
            .as_ref()
            .and_then(|v| v.description.as_deref())
        {
            docs.push(String::new());
            docs.extend(rustdoc::escape(description));
        }
        let def = TypeDef::Struct(Struct {
            name: id,
            json,
            docs,
            fields,
            extra: Extra::default(),
        });
        self.found.push((
            id,
            (
                Lineage {
                    is_enum: false,
                    parts: lineage,
                },
                def,
            ),
        ));
        id
    }

    fn scalar_type(
        &mut self,
        scalar: &Scalar,
        field: &Field,
        lineage: &[String],
        part: impl FnOnce() -> String,
    ) -> Ty<TypeId> {
        match &scalar.ty {
            VarType::Enum => {
                let id = self.identity();
                let values: Vec<&str> = scalar.values.iter().map(String::as_str).collect();
                let variants = names::assign(&values, Case::Camel, names::ENUM_ITEMS)
                    .into_iter()
                    .zip(&scalar.values)
                    .map(|(name, value)| Variant {
                        name,
                        value: value.clone(),
                    })
                    .collect();
                let mut parts = lineage.to_vec();
                parts.push(part());
                let def = TypeDef::Enum(Enum {
                    name: id,
                    docs: vec![format!("The values of {}.", rustdoc::code(&field.path))],
                    variants,
                    extra: Extra::default(),
                });
                self.found.push((
                    id,
                    (
                        Lineage {
                            is_enum: true,
                            parts,
                        },
                        def,
                    ),
                ));
                Ty::Named(id)
            }
            // Unknown types (and `object`/`array`, which never reach a scalar) stay JSON.
            ty => ty.scalar().map_or(Ty::Json, Ty::Scalar),
        }
    }
}

impl TypeDef<TypeId> {
    /// The type with its resolved name and its fields' types named.
    fn named(self, names: &[String]) -> TypeDef {
        match self {
            TypeDef::Struct(s) => TypeDef::Struct(Struct {
                name: names[s.name.0].clone(),
                json: s.json,
                docs: s.docs,
                fields: s.fields.into_iter().map(|f| f.named(names)).collect(),
                extra: s.extra,
            }),
            TypeDef::Enum(e) => TypeDef::Enum(Enum {
                name: names[e.name.0].clone(),
                docs: e.docs,
                variants: e.variants,
                extra: e.extra,
            }),
        }
    }
}

impl FieldDef<TypeId> {
    fn named(self, names: &[String]) -> FieldDef {
        FieldDef {
            name: self.name,
            key: self.key,
            path: self.path,
            kind: self.kind,
            ty: self.ty.named(names),
            optional: self.optional,
            docs: self.docs,
            with: self.with,
            attributes: self.attributes,
        }
    }
}

impl Ty<TypeId> {
    fn named(self, names: &[String]) -> Ty {
        match self {
            Ty::Named(id) => Ty::Named(names[id.0].clone()),
            Ty::Vec(item) => Ty::Vec(Box::new(item.named(names))),
            Ty::Scalar(ty) => Ty::Scalar(ty),
            Ty::Json => Ty::Json,
            Ty::JsonMap => Ty::JsonMap,
            Ty::Custom(custom) => Ty::Custom(custom),
        }
    }
}

/// The manifest type of a scalar variable or of a scalar array's items, as overrides name it.
fn kind(node: &Node) -> Option<&'static ScalarType> {
    match node {
        Node::Scalar(scalar) => scalar.ty.scalar(),
        Node::Array(array) => match &array.items {
            Items::Scalar(scalar) => scalar.ty.scalar(),
            Items::Object(_) => None,
        },
        Node::Object(_) | Node::OpaqueObject => None,
    }
}
