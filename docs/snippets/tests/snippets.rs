//! Every Rust snippet of `README.md` and `docs/*.md` without a `<!-- snippet: path -->` marker,
//! compiled: `build.rs` wrote each into a module of this file, and their tests run here.

include!(concat!(env!("OUT_DIR"), "/snippets.rs"));
