//! Output: an aligned table on stdout and the full results as JSON under `bench/results/`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

/// A table printed at the end of a scenario.
pub struct Table {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table.
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Self {
        Self {
            title: title.into(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (cells already formatted).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders the table as Markdown-compatible text.
    pub fn render(&self) -> String {
        let columns = self.headers.len();
        // Widths in characters, as `format!` pads (`µs` is one character, two bytes).
        let width = |cell: &String| cell.chars().count();
        let mut widths: Vec<usize> = self.headers.iter().map(width).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(width(cell));
            }
        }
        let line = |cells: &[String]| {
            let padded: Vec<String> = (0..columns)
                .map(|i| {
                    let cell = cells.get(i).map_or("", String::as_str);
                    format!("{cell:<w$}", w = widths[i])
                })
                .collect();
            format!("| {} |", padded.join(" | "))
        };
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        let mut out = format!(
            "\n## {}\n\n{}\n| {} |\n",
            self.title,
            line(&self.headers),
            rule.join(" | ")
        );
        for row in &self.rows {
            out.push_str(&line(row));
            out.push('\n');
        }
        out
    }

    /// Prints the table.
    #[allow(clippy::print_stdout)]
    pub fn print(&self) {
        println!("{}", self.render());
    }
}

/// Writes `results` to `<dir>/<scenario>-<timestamp>.json`; returns the path.
pub fn write_json(dir: &Path, scenario: &str, results: &impl Serialize) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let path = dir.join(format!("{scenario}-{stamp}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(results)?)
        .with_context(|| format!("write {}", path.display()))?;
    eprintln!("results written to {}", path.display());
    Ok(path)
}

/// Progress on stderr (stdout is for the tables).
#[macro_export]
macro_rules! progress {
    ($($arg:tt)*) => { eprintln!("[bench] {}", format!($($arg)*)) };
}

/// Formats a rate or count with thousands separators.
pub fn thousands(value: f64) -> String {
    let rounded = value.round() as i64;
    let digits = rounded.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if rounded < 0 { format!("-{out}") } else { out }
}

/// The median of some values (the lower middle for even counts); 0 for none.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
        .get(sorted.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn renders_a_table() {
        let mut t = Table::new("x", &["a", "bb"]);
        t.row(vec!["1".into(), "22".into()]);
        assert!(t.render().contains("| 1 | 22 |"));
    }
}
