#!/usr/bin/env python3
"""Builder encodings, compiled alone (no macro, no serde): the cost rustc pays for the builders'
code, separated from the macro and the types' serde code. Prints one Rust file to stdout:

    python3 benches/compile-cost/builder-encodings.py ENCODING > enc.rs
    rustc --edition 2024 --crate-type lib --emit=metadata -o enc.rmeta enc.rs   # time it

ENCODING: `none` (the structs only), `e0` (the generated builders as they are: the states hold
the required values, each required setter rebuilds the builder field by field), `e1` (the states
in PhantomData over one store of Options, each setter O(1)), `e3` (bon's shape: one state
parameter, a state type per required setter with an associated type per required field).
The shapes are those of the compile-cost crate: 20 templates x 51 structs (the root with 10
required fields; per section: 1/0, 4/13, 1/2, 0/1 and 1/0 required/optional fields), and one
function that builds each struct once. See BENCHMARKS.md.
"""
import sys
TYPES = ["::std::string::String", "::std::primitive::i64", "::std::primitive::f64", "::std::primitive::bool"]
RT = r'''
pub mod rt {
    pub struct Unset; pub struct Set<T>(pub T);
    #[diagnostic::on_unimplemented(message = "missing required field `{Field}`")]
    pub trait IsSet<Field, T> { fn value(slot: ::std::option::Option<T>) -> T; fn into_value(self) -> T where Self: Sized { unimplemented!() } }
    impl<Field, T> IsSet<Field, T> for Set<T> {
        fn value(slot: ::std::option::Option<T>) -> T { match slot { Some(v) => v, None => panic!("empty") } }
        fn into_value(self) -> T { self.0 }
    }
    #[diagnostic::on_unimplemented(message = "the field `{Field}` is already set")]
    pub trait IsUnset<Field> {}
    impl<Field> IsUnset<Field> for Unset {}
}
'''
def shapes():
    out = []
    for t in range(20):
        out.append((f"T{t}", 10, 0))
        for s in range(10):
            out += [(f"T{t}S{s}", 1, 0), (f"T{t}P{s}", 4, 13), (f"T{t}R{s}", 1, 2), (f"T{t}RA{s}", 0, 1), (f"T{t}A{s}", 1, 0)]
    return out

def fields(name, req, opt):
    fs = []
    for i in range(req): fs.append((f"r{i}", TYPES[i % 4], True))
    for i in range(opt): fs.append((f"o{i}", TYPES[i % 4], False))
    return fs

def struct(name, fs):
    body = "".join(f"pub {f}: {('::std::option::Option<'+t+'>') if not r else t}," for f, t, r in fs)
    return f"pub struct {name} {{ {body} }}\n"

def optional_setters(fs, path="self."):
    s = ""
    for f, t, r in fs:
        if r: continue
        s += f"pub fn {f}(mut self, value: impl ::std::convert::Into<{t}>) -> Self {{ {path}{f} = ::std::option::Option::Some(::std::convert::Into::into(value)); self }}\n"
        s += f"pub fn maybe_{f}(mut self, value: ::std::option::Option<{t}>) -> Self {{ {path}{f} = value; self }}\n"
    return s

def e0(name, fs):  # the old form: states hold values, every required setter rebuilds all fields
    req = [x for x in fs if x[2]]; P = [f"P{i}" for i in range(len(req))]
    b = f"{name}Builder"
    out = struct(name, fs)
    init = ", ".join(f"{f}: rt::Unset" if r else f"{f}: None" for f, t, r in fs)
    out += f"impl {name} {{ pub fn builder() -> {b} {{ {b} {{ {init} }} }} }}\n"
    defs = ", ".join(f"{p} = rt::Unset" for p in P)
    flds = ", ".join((f"{f}: {P[req.index((f,t,r))]}" if r else f"{f}: ::std::option::Option<{t}>") for f, t, r in fs)
    out += f"#[must_use] pub struct {b}<{defs}> {{ {flds} }}\n"
    m = ""
    for i, (f, t, r) in enumerate(req):
        st = ", ".join(f"rt::Set<{t}>" if j == i else p for j, p in enumerate(P))
        mv = ", ".join(f"{g}: rt::Set(::std::convert::Into::into(value))" if g == f else f"{g}: self.{g}" for g, _, _ in fs)
        m += f"pub fn {f}(self, value: impl ::std::convert::Into<{t}>) -> {b}<{st}> where {P[i]}: rt::IsUnset<field::{f}> {{ {b} {{ {mv} }} }}\n"
    m += optional_setters(fs)
    bounds = ", ".join(f"{P[i]}: rt::IsSet<field::{f}, {t}>" for i, (f, t, r) in enumerate(req))
    vals = ", ".join(f"{f}: rt::IsSet::into_value(self.{f})" if r else f"{f}: self.{f}" for f, t, r in fs)
    m += f"pub fn build(self) -> {name} where {bounds} {{ {name} {{ {vals} }} }}\n"
    out += f"impl<{', '.join(P)}> {b}<{', '.join(P)}> {{ {m} }}\n"
    return out

def e1(name, fs):  # this branch: PhantomData states over one store of Options
    req = [x for x in fs if x[2]]; P = [f"P{i}" for i in range(len(req))]
    b = f"{name}Builder"; store = f"store::{name}"
    out = struct(name, fs)
    init = ", ".join(f"{f}: None" for f, t, r in fs)
    out += f"impl {name} {{ pub fn builder() -> {b} {{ {b} {{ fields: {store} {{ {init} }}, state: ::std::marker::PhantomData }} }} }}\n"
    defs = ", ".join(f"{p} = rt::Unset" for p in P)
    out += f"#[must_use] pub struct {b}<{defs}> {{ fields: {store}, state: ::std::marker::PhantomData<fn() -> ({''.join(p+',' for p in P)})> }}\n"
    m = ""
    for i, (f, t, r) in enumerate(req):
        st = ", ".join(f"rt::Set<{t}>" if j == i else p for j, p in enumerate(P))
        m += f"pub fn {f}(mut self, value: impl ::std::convert::Into<{t}>) -> {b}<{st}> where {P[i]}: rt::IsUnset<field::{f}> {{ self.fields.{f} = ::std::option::Option::Some(::std::convert::Into::into(value)); {b} {{ fields: self.fields, state: ::std::marker::PhantomData }} }}\n"
    m += optional_setters(fs, "self.fields.")
    bounds = ", ".join(f"{P[i]}: rt::IsSet<field::{f}, {t}>" for i, (f, t, r) in enumerate(req))
    vals = ", ".join(f"{f}: <{P[req.index((f,t,r))]} as rt::IsSet<field::{f}, {t}>>::value(fields.{f})" if r else f"{f}: fields.{f}" for f, t, r in fs)
    m += f"pub fn build(self) -> {name} where {bounds} {{ let fields = self.fields; {name} {{ {vals} }} }}\n"
    out += f"impl<{', '.join(P)}> {b}<{', '.join(P)}> {{ {m} }}\n"
    return out

def e1_store(name, fs):
    return f"pub struct {name} {{ {''.join(f'pub {f}: ::std::option::Option<{t}>,' for f, t, r in fs)} }}\n"

def e3(name, fs):  # bon-style: one state parameter, a state type per required setter, associated types
    req = [x for x in fs if x[2]]
    b = f"{name}Builder"; store = f"store::{name}"; sm = f"{name.lower()}_state"
    out = struct(name, fs)
    init = ", ".join(f"{f}: None" for f, t, r in fs)
    # the state module: trait State with one assoc type per required field; Empty; SetX<S>
    st = f"pub mod {sm} {{ use super::rt; pub trait State {{ {''.join(f'type {f.upper()};' for f,_,_ in req)} }}\n"
    st += f"pub struct Empty; impl State for Empty {{ {''.join(f'type {f.upper()} = rt::Unset;' for f,_,_ in req)} }}\n"
    for f, t, r in req:
        assoc = "".join((f"type {g.upper()} = rt::Set<{u}>;" if g == f else f"type {g.upper()} = S::{g.upper()};") for g, u, _ in req)
        st += f"pub struct Set{f.upper()}<S>(::std::marker::PhantomData<fn() -> S>); impl<S: State> State for Set{f.upper()}<S> {{ {assoc} }}\n"
    st += "}\n"
    out += st
    out += f"impl {name} {{ pub fn builder() -> {b} {{ {b} {{ fields: {store} {{ {init} }}, state: ::std::marker::PhantomData }} }} }}\n"
    out += f"#[must_use] pub struct {b}<S: {sm}::State = {sm}::Empty> {{ fields: {store}, state: ::std::marker::PhantomData<fn() -> S> }}\n"
    m = ""
    for f, t, r in req:
        m += f"pub fn {f}(mut self, value: impl ::std::convert::Into<{t}>) -> {b}<{sm}::Set{f.upper()}<S>> where S::{f.upper()}: rt::IsUnset<field::{f}> {{ self.fields.{f} = ::std::option::Option::Some(::std::convert::Into::into(value)); {b} {{ fields: self.fields, state: ::std::marker::PhantomData }} }}\n"
    m += optional_setters(fs, "self.fields.")
    bounds = ", ".join(f"S::{f.upper()}: rt::IsSet<field::{f}, {t}>" for f, t, r in req)
    vals = ", ".join(f"{f}: <S::{f.upper()} as rt::IsSet<field::{f}, {t}>>::value(fields.{f})" if r else f"{f}: fields.{f}" for f, t, r in fs)
    m += f"pub fn build(self) -> {name} where {bounds} {{ let fields = self.fields; {name} {{ {vals} }} }}\n"
    out += f"impl<S: {sm}::State> {b}<S> {{ {m} }}\n"
    return out

def none(name, fs):
    return struct(name, fs)

LIT = {"::std::string::String": '"x"', "::std::primitive::i64": "1i64", "::std::primitive::f64": "1.0f64", "::std::primitive::bool": "true"}
enc = sys.argv[1]
gen = {"e0": e0, "e1": e1, "e3": e3, "none": none}[enc]
src = "#![allow(dead_code, non_camel_case_types, clippy::all)]\n" + RT
src += "pub mod field { " + "".join(f"pub enum r{i} {{}}" for i in range(10)) + " }\nuse rt::*;\n"
stores = ""
for name, r, o in shapes():
    fs = fields(name, r, o)
    src += gen(name, fs)
    stores += e1_store(name, fs)
if enc in ("e1", "e3"):
    src += "pub mod store { " + stores + " }\n"
# use every builder once, as a user would (monomorphic calls are type-checked in the user's fn)
if enc != "none":
    calls = ""
    for name, r, o in shapes():
        fs = fields(name, r, o)
        chain = "".join(f".{f}({LIT[t]})" for f, t, req in fs if req)
        calls += f"let _ = {name}::builder(){chain}.build();\n"
    src += "pub fn use_all() {\n" + calls + "}\n"
print(src)
