//! Tables that fit where they are printed.
//!
//! On a terminal a table is cut to its width (`$COLUMNS`, else the terminal's own): columns
//! separated by spaces, no box drawing, a cell too long for its share ending in `…`, one line per
//! row. Anywhere else (a pipe, a file) the same columns are written in full, space-aligned, with
//! `-` for an empty cell, so `awk '{print $2}'` and `cut` read them. `-o wide` adds the columns a
//! command marks as wide; `--no-headers` drops the header line. Commands describe the columns and
//! fill the rows; only this module decides how they are laid out.

use std::fmt;

use comfy_table::{ContentArrangement, Row, Table, presets};

/// Where and how tables are printed; decided once by the printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Whether stdout is a terminal (a person reads it: summaries and notes are shown).
    pub terminal: bool,
    /// The width rows are cut to: the terminal's, except with `-o wide` (which asks for every
    /// column in full) and when piped.
    pub width: Option<usize>,
    /// `-o wide`: every column.
    pub wide: bool,
    /// The header line (off with `--no-headers`).
    pub headers: bool,
}

impl Default for Layout {
    /// Piped, default columns, with headers: what tests and pipes see.
    fn default() -> Self {
        Self {
            terminal: false,
            width: None,
            wide: false,
            headers: true,
        }
    }
}

impl Layout {
    /// The layout of stdout: a terminal when it is one (or when `JOELCLAW_TTY=1`, the test hook
    /// that lets transcripts show what a terminal of `$COLUMNS` columns shows).
    pub fn of_stdout(is_terminal: bool, wide: bool, headers: bool) -> Self {
        let forced = std::env::var("JOELCLAW_TTY").is_ok_and(|value| value == "1");
        let terminal = is_terminal || forced;
        Self {
            terminal,
            width: (terminal && !wide).then(terminal_width),
            wide,
            headers,
        }
    }

    /// A table with these column headers (all shown unless marked [`Grid::wide`]).
    pub fn grid(&self, headers: &[&str]) -> Grid {
        Grid {
            layout: *self,
            headers: headers.iter().map(|header| (*header).to_string()).collect(),
            wide_only: vec![false; headers.len()],
            rows: Vec::new(),
            bold_header: None,
        }
    }
}

/// `$COLUMNS` when set to a number, else the terminal's width, else 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.trim().parse::<usize>().ok())
        .filter(|columns| *columns >= 20)
        .or_else(|| {
            terminal_size::terminal_size().map(|(terminal_size::Width(width), _)| width as usize)
        })
        .unwrap_or(100)
}

/// One table: headers, which of them only `-o wide` shows, and the rows.
#[derive(Debug, Clone)]
pub struct Grid {
    layout: Layout,
    headers: Vec<String>,
    wide_only: Vec<bool>,
    rows: Vec<Vec<String>>,
    /// The header line's styling (bold), applied only on a colour terminal.
    bold_header: Option<fn(&str) -> String>,
}

impl Grid {
    /// Marks columns that only `-o wide` shows.
    pub fn wide(mut self, headers: &[&str]) -> Self {
        for (index, header) in self.headers.iter().enumerate() {
            if headers.contains(&header.as_str()) {
                self.wide_only[index] = true;
            }
        }
        self
    }

    /// Headers styled by `style` (the printer's bold when colour is on).
    pub fn header_style(mut self, style: Option<fn(&str) -> String>) -> Self {
        self.bold_header = style;
        self
    }

    /// A row with a cell for every column, wide ones included (dropped unless `-o wide`).
    pub fn add_row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len(), "{:?}", self.headers);
        self.rows.push(cells);
    }

    fn shown(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.headers.len()).filter(|index| self.layout.wide || !self.wide_only[*index])
    }
}

impl fmt::Display for Grid {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<usize> = self.shown().collect();
        let mut table = Table::new();
        table.load_preset(presets::NOTHING);
        if self.layout.headers {
            table.set_header(shown.iter().map(|index| {
                let header = self.headers[*index].to_uppercase();
                match self.bold_header {
                    Some(bold) => bold(&header),
                    None => header,
                }
            }));
        }
        match self.layout.width {
            Some(width) => {
                // Cut, not wrapped: a row is one line, a long cell ends in `…`.
                table
                    .set_content_arrangement(ContentArrangement::Dynamic)
                    .set_width(u16::try_from(width).unwrap_or(u16::MAX))
                    .set_truncation_indicator("…");
            }
            None => {
                table.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        for cells in &self.rows {
            let mut row: Row = shown
                .iter()
                .map(|index| {
                    let cell = &cells[*index];
                    // Piped, an empty cell would shift every later column for `awk`.
                    if cell.is_empty() && self.layout.width.is_none() {
                        "-".to_string()
                    } else {
                        cell.replace('\n', " ")
                    }
                })
                .collect::<Vec<String>>()
                .into();
            if self.layout.width.is_some() {
                row.max_height(1);
            }
            table.add_row(row);
        }
        // comfy-table pads each cell by one space on both sides: drop the outer ones.
        for line in table.lines() {
            let line = line.strip_prefix(' ').unwrap_or(&line).trim_end();
            writeln!(formatter, "{line}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(layout: Layout) -> Grid {
        let mut grid = layout
            .grid(&["name", "schedule", "migrated from"])
            .wide(&["migrated from"]);
        grid.add_row(vec![
            "a-rather-long-job-name-for-a-narrow-terminal".into(),
            "0 */5 * * * *".into(),
            String::new(),
        ]);
        grid.add_row(vec!["b".into(), String::new(), "inngest/b".into()]);
        grid
    }

    #[test]
    fn piped_columns_are_plain_full_and_never_empty() {
        let text = grid(Layout::default()).to_string();
        assert_eq!(
            text,
            "NAME                                          SCHEDULE\n\
             a-rather-long-job-name-for-a-narrow-terminal  0 */5 * * * *\n\
             b                                             -\n"
        );
        let wide = grid(Layout {
            wide: true,
            headers: false,
            ..Layout::default()
        })
        .to_string();
        assert_eq!(wide.lines().count(), 2, "{wide}");
        assert!(wide.lines().next().unwrap().ends_with("  -"), "{wide}");
        assert!(
            wide.lines().nth(1).unwrap().ends_with("inngest/b"),
            "{wide}"
        );
    }

    #[test]
    fn a_terminal_cuts_rows_to_its_width_with_an_ellipsis() {
        let layout = Layout {
            width: Some(30),
            ..Layout::default()
        };
        let text = grid(layout).to_string();
        assert_eq!(text.lines().count(), 3, "{text}");
        for line in text.lines() {
            assert!(unicode_width(line) <= 30, "{line:?}");
        }
        assert!(text.contains('…'), "{text}");
    }

    fn unicode_width(line: &str) -> usize {
        line.chars().count()
    }
}
