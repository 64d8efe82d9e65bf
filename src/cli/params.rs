//! `params`: the parameter table as a person reads it, or as JSON for scripts.

use std::io::{self, Write};

use spectral_mask::settings::{ParamKind, ParamSpec, PARAMS};

use super::error::CliError;
use super::ParamsArgs;

pub fn run(args: &ParamsArgs) -> Result<(), CliError> {
    let text = if args.json { json() } else { table() };
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // `spectral-mask params | head` closes the pipe early; that is not a failure.
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(CliError::write(
            std::path::Path::new("standard output"),
            error,
        )),
        _ => Ok(()),
    }
}

/// Columns: id, name, range, default, help; padded to the widest entry of each.
fn table() -> String {
    let header = ["id", "name", "range", "default", "help"];
    let rows: Vec<[String; 5]> = PARAMS
        .iter()
        .map(|spec| {
            [
                spec.id.to_string(),
                spec.name.to_string(),
                spec.range_text(),
                spec.value_text(spec.default),
                spec.help.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let mut push_row = |cells: [&str; 5]| {
        let mut line = String::new();
        for (index, cell) in cells.iter().enumerate() {
            if index + 1 < cells.len() {
                let pad = widths[index] - cell.chars().count();
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            } else {
                line.push_str(cell);
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    };
    push_row(header);
    for row in &rows {
        push_row([&row[0], &row[1], &row[2], &row[3], &row[4]].map(String::as_str));
    }
    text
}

/// One object per parameter; `default` is the text `--set` accepts.
fn json() -> String {
    let params: Vec<serde_json::Value> = PARAMS.iter().map(param_json).collect();
    let mut text = serde_json::to_string_pretty(&params).unwrap_or_default();
    text.push('\n');
    text
}

fn param_json(spec: &ParamSpec) -> serde_json::Value {
    let mut value = serde_json::json!({
        "id": spec.id,
        "name": spec.name,
        "range": spec.range_text(),
        "default": spec.value_text(spec.default),
        "help": spec.help,
    });
    let kind = match spec.kind {
        ParamKind::Float {
            min,
            max,
            unit,
            skew,
            neg_inf_at_min,
        } => serde_json::json!({
            "kind": "float", "min": min, "max": max, "unit": unit, "skew": skew,
            "min_is_neg_inf": neg_inf_at_min,
        }),
        ParamKind::Choice { variants, .. } | ParamKind::Ratio { variants } => {
            serde_json::json!({ "kind": "choice", "variants": variants })
        }
        ParamKind::PowerOfTwo { min, max } => {
            serde_json::json!({ "kind": "power_of_two", "min": min, "max": max })
        }
        ParamKind::Toggle => serde_json::json!({ "kind": "toggle", "variants": ["off", "on"] }),
    };
    if let (Some(object), serde_json::Value::Object(extra)) = (value.as_object_mut(), kind) {
        object.extend(extra);
    }
    value
}
