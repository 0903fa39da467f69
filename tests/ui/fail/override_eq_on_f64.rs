// A derive that cannot apply: `Eq` on a struct with an `f64` field names the type, the field
// and the derive.
use craftkit_runtime::craftkit_template;

#[craftkit_template("measured", types("Vessel", derives(Eq)))]
pub struct Measured;

fn main() {}
