//! Gi* z-scores of a grid of counts, JSON in and out: Trygg's side of the reference
//! comparison with PySAL's `esda.G_Local` in `tools/reference`.
//!
//! Reads `{"values": [[x₀₀, x₀₁, …], [x₁₀, …], …]}` from stdin — rows of equal length,
//! row-major as `libpysal.weights.lat2W` numbers its cells — and writes
//! `{"rows": R, "cols": C, "z": [[…]], "p": [[…]]}`: Gi* with queen neighbours and the
//! cell itself, binary weights (the lattice fast path, [`gistar_lattice`]). Numbers are
//! printed with the shortest representation that reads back to the same `f64`, so the
//! comparison sees Trygg's values exactly.
//!
//! Run: `cargo run -q -p trygg-analytics --example gistar_json < grid.json`

use std::io::Read;
use std::process::ExitCode;

use serde_json::{Value, json};
use trygg_analytics::gistar::{GiStarOptions, gistar_lattice};
use trygg_analytics::grid::Lattice;

/// The whole conversion, JSON text to JSON text (also used by `tests/reference.rs`).
pub fn convert(input: &str) -> Result<String, String> {
    let doc: Value = serde_json::from_str(input).map_err(|e| format!("input is not JSON: {e}"))?;
    let rows = doc
        .get("values")
        .and_then(Value::as_array)
        .ok_or("expected {\"values\": [[...], ...]}")?;
    let cols = rows.first().and_then(Value::as_array).map_or(0, Vec::len);
    let mut values = Vec::with_capacity(rows.len() * cols);
    for (r, row) in rows.iter().enumerate() {
        let row = row.as_array().ok_or(format!("row {r} is not an array"))?;
        if row.len() != cols {
            return Err(format!(
                "row {r} has {} values, row 0 has {cols}",
                row.len()
            ));
        }
        for v in row {
            values.push(v.as_f64().ok_or(format!("row {r}: {v} is not a number"))?);
        }
    }
    let lattice = Lattice {
        cols,
        rows: rows.len(),
    };
    let hot =
        gistar_lattice(lattice, &values, &GiStarOptions::default()).map_err(|e| e.to_string())?;
    let shape = |v: &[f64]| -> Vec<Vec<f64>> {
        if cols == 0 {
            Vec::new()
        } else {
            v.chunks(cols).map(<[f64]>::to_vec).collect()
        }
    };
    let out = json!({
        "rows": lattice.rows,
        "cols": cols,
        "z": shape(&hot.z),
        "p": shape(&hot.p),
    });
    Ok(out.to_string())
}

#[allow(dead_code)] // unused where tests/reference.rs includes this file as a module
fn main() -> ExitCode {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("gistar_json: cannot read stdin: {e}");
        return ExitCode::FAILURE;
    }
    match convert(&input) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gistar_json: {e}");
            ExitCode::FAILURE
        }
    }
}
