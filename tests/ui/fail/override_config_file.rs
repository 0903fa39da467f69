// Two mistakes in `config.toml` (beside the manifests) at once: both are reported, each at the
// slug with the file's `path:line:col`, the line quoted and a caret under the key.
use craftkit_runtime::craftkit_template;

#[craftkit_template("config-typos")]
pub struct ConfigTypos;

fn main() {}
