//! A plain-text table for terminals and logs, its columns lined up by *display width*
//! (`unicode-width`): a Chinese character takes two columns on a terminal, so padding by
//! `chars().count()` would push every cell after it one column right per character.
//!
//! Cells are padded with spaces to the widest cell of their column (header included), then
//! joined with a gap; a column may have a minimum width, and a maximum beyond which cells are cut
//! and end in `…`. No line ends in spaces (trailing blanks are trimmed), so the quiz's text
//! tables and the run report's can share this writer.

use unicode_width::UnicodeWidthStr;

/// Where a cell's text sits in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone)]
struct Column {
    align: Align,
    min: usize,
    max: Option<usize>,
}

/// Rows of cells, rendered with [`Table::render`].
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
}

/// The display width of `s` on a terminal.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` columns, ending in `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

impl Table {
    /// A table with one column per alignment.
    pub fn new(aligns: &[Align]) -> Self {
        let columns = aligns
            .iter()
            .map(|&align| Column {
                align,
                min: 0,
                max: None,
            })
            .collect();
        Table {
            columns,
            rows: Vec::new(),
        }
    }

    /// Column `col` is at least `min` columns wide.
    pub fn min_width(mut self, col: usize, min: usize) -> Self {
        self.columns[col].min = min;
        self
    }

    /// Cells of column `col` wider than `max` are cut (see [`truncate`]).
    pub fn max_width(mut self, col: usize, max: usize) -> Self {
        self.columns[col].max = Some(max);
        self
    }

    /// Adds a row (the header is the first row added).
    ///
    /// # Panics
    /// If the row has a different number of cells than the table has columns.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let row: Vec<String> = cells.into_iter().map(Into::into).collect();
        assert_eq!(row.len(), self.columns.len(), "one cell per column");
        self.rows.push(row);
    }

    /// The table, each line starting with `indent`, cells separated by `gap`, each line ending in
    /// a line feed.
    pub fn render(&self, indent: &str, gap: &str) -> String {
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&self.columns)
                    .map(|(cell, col)| match col.max {
                        Some(max) => truncate(cell, max),
                        None => cell.clone(),
                    })
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|i| {
                let widest = cells.iter().map(|r| width(&r[i])).max().unwrap_or(0);
                widest.max(self.columns[i].min)
            })
            .collect();
        let mut out = String::new();
        for row in &cells {
            let mut line = indent.to_string();
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str(gap);
                }
                let pad = " ".repeat(widths[i] - width(cell));
                match self.columns[i].align {
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&pad);
                    }
                    Align::Right => {
                        line.push_str(&pad);
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end_matches(' '));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_line_up() {
        let mut t = Table::new(&[Align::Left, Align::Right]);
        t.row(["outcome", "count"]);
        t.row(["硬币", "12"]);
        t.row(["coin", "3"]);
        let text = t.render("  ", "  ");
        assert_eq!(
            text,
            "  outcome  count\n  硬币        12\n  coin         3\n"
        );
        // Every line has the same display width.
        let widths: Vec<usize> = text.lines().map(width).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{widths:?}");
    }

    #[test]
    fn minimum_and_maximum_widths() {
        let mut t = Table::new(&[Align::Left, Align::Left])
            .min_width(1, 6)
            .max_width(0, 5);
        t.row(["abcdefgh", "x"]);
        t.row(["中文中文", "y"]);
        assert_eq!(t.render("", " | "), "abcd… | x\n中文… | y\n");
        let mut t = Table::new(&[Align::Left, Align::Right]).min_width(1, 6);
        t.row(["a", "1"]);
        assert_eq!(t.render("", " "), "a      1\n");
        // No trailing blanks, whatever the last column holds.
        let mut t = Table::new(&[Align::Left, Align::Left]);
        t.row(["name", "note"]);
        t.row(["a", ""]);
        assert_eq!(t.render("", "  "), "name  note\na\n");
    }

    #[test]
    fn truncation_counts_columns() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(truncate("中文字", 4), "中…");
        assert_eq!(truncate("中文字", 5), "中文…");
    }
}
