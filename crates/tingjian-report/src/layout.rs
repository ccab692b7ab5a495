//! A small page-flow typesetter: paragraphs wrapped to the column, tables whose header repeats on
//! every page they cross, bars and QR codes, laid out first as plain positioned items and only
//! then drawn into the PDF, so the footer can say "page 3 of 12" and the layout can be tested
//! without a PDF. Chinese breaks between any two characters; Latin words, numbers and hashes
//! break at spaces, or anywhere when a word alone is wider than the column.

use std::cell::RefCell;
use std::collections::HashMap;

use krilla::Document;
use krilla::color::rgb;
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

use crate::ReportError;
use crate::fonts::ReportFonts;

/// A4 in PostScript points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
/// Two centimetres either side; the column is what remains.
pub const MARGIN_X: f32 = 56.7;
const MARGIN_TOP: f32 = 64.0;
const MARGIN_BOTTOM: f32 = 64.0;
pub const COLUMN: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;
/// Where a line's baseline sits below its top, as a fraction of the type size (Noto CJK's
/// ascender is 0.88 em).
const BASELINE: f32 = 0.88;
const LEADING: f32 = 1.5;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(pub u8, pub u8, pub u8);

pub const INK: Colour = Colour(0x1f, 0x29, 0x37);
pub const MUTED: Colour = Colour(0x6b, 0x72, 0x80);
pub const RULE: Colour = Colour(0xd1, 0xd5, 0xdb);
pub const SHADE: Colour = Colour(0xf3, 0xf4, 0xf6);
pub const ACCENT: Colour = Colour(0x1d, 0x4e, 0xd8);
pub const ACCENT_LIGHT: Colour = Colour(0x93, 0xc5, 0xfd);
pub const WARN: Colour = Colour(0xb9, 0x1c, 0x1c);

/// Something drawn at a place on a page; `y` grows downwards from the page's top (krilla's
/// coordinates, which it turns the PDF's way up itself).
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Text { x: f32, baseline: f32, size: f32, bold: bool, colour: Colour, text: String },
    Rect { x: f32, y: f32, width: f32, height: f32, colour: Colour },
    Line { x1: f32, y1: f32, x2: f32, y2: f32, width: f32, colour: Colour },
}

/// Widths of text in the report's faces, one character at a time (the faces are CJK fonts whose
/// Latin has no kerning worth measuring for line breaking).
pub struct Metrics<'f> {
    regular: ttf_parser::Face<'f>,
    bold: ttf_parser::Face<'f>,
    advances: RefCell<HashMap<(bool, char), f32>>,
}

impl std::fmt::Debug for Metrics<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl<'f> Metrics<'f> {
    pub fn new(fonts: &'f ReportFonts) -> Result<Metrics<'f>, ReportError> {
        let parse = |face: &'f crate::fonts::Face| {
            ttf_parser::Face::parse(&face.data, face.index)
                .map_err(|error| ReportError::FontUnreadable { path: face.path.clone(), reason: error.to_string() })
        };
        Ok(Metrics { regular: parse(&fonts.regular)?, bold: parse(&fonts.bold)?, advances: RefCell::default() })
    }

    /// A character's advance in em.
    fn advance(&self, bold: bool, c: char) -> f32 {
        *self.advances.borrow_mut().entry((bold, c)).or_insert_with(|| {
            let face = if bold { &self.bold } else { &self.regular };
            let units = face.glyph_index(c).and_then(|glyph| face.glyph_hor_advance(glyph));
            // A character the face lacks is drawn as its "missing" box, one em wide.
            units.map_or(1.0, |units| f32::from(units) / f32::from(face.units_per_em()))
        })
    }

    pub fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        text.chars().map(|c| self.advance(bold, c)).sum::<f32>() * size
    }

    /// `text` broken into lines no wider than `width`; explicit newlines always break.
    pub fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in printable(text).split('\n') {
            let mut line = String::new();
            let mut line_width = 0.0;
            for unit in units(paragraph) {
                let unit_width = self.width(unit, size, bold);
                if line_width + unit_width <= width || (line.is_empty() && unit_width <= width) {
                    line.push_str(unit);
                    line_width += unit_width;
                    continue;
                }
                if unit.trim().is_empty() {
                    // A space at a break is dropped rather than starting the next line.
                    continue;
                }
                if closes(unit) && !line.is_empty() {
                    // Closing punctuation stays with what it closes, hanging into the margin.
                    line.push_str(unit);
                    line_width += unit_width;
                    continue;
                }
                if unit_width > width {
                    // A word wider than the column (a hash) is broken anywhere.
                    for c in unit.chars() {
                        let w = self.advance(bold, c) * size;
                        if line_width + w > width && !line.is_empty() {
                            lines.push(std::mem::take(&mut line).trim_end().to_owned());
                            line_width = 0.0;
                        }
                        line.push(c);
                        line_width += w;
                    }
                    continue;
                }
                lines.push(std::mem::take(&mut line).trim_end().to_owned());
                line.push_str(unit);
                line_width = unit_width;
            }
            lines.push(line.trim_end().to_owned());
        }
        lines
    }
}

/// `text` as it can be printed: Windows line ends and tabs become a newline and spaces, other
/// control characters (which a font draws as empty boxes) are left out.
fn printable(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' | '\r' => Some(' '),
            // Bidirectional overrides and isolates would let hostile text reorder what is shown.
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => None,
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Whether a character is set one per unit: CJK ideographs, kana, hangul, and their punctuation
/// and full-width forms, between any two of which a line may break.
fn breaks_around(c: char) -> bool {
    matches!(c, '\u{2E80}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FFEF}' | '\u{20000}'..='\u{3FFFF}')
}

fn closes(unit: &str) -> bool {
    matches!(
        unit,
        "，" | "。"
            | "、"
            | "；"
            | "："
            | "？"
            | "！"
            | "）"
            | "」"
            | "》"
            | "”"
            | ","
            | "."
            | ";"
            | ":"
            | ")"
            | "%"
    )
}

/// The pieces a line is built of: one CJK character, a run of spaces, or a run of anything else.
fn units(text: &str) -> Vec<&str> {
    let mut units = Vec::new();
    let mut start = 0;
    let mut previous: Option<(char, usize)> = None;
    for (at, c) in text.char_indices() {
        if let Some((p, _)) = previous {
            let same_run = !breaks_around(c) && !breaks_around(p) && (c == ' ') == (p == ' ');
            if !same_run {
                units.push(&text[start..at]);
                start = at;
            }
        }
        previous = Some((c, at));
    }
    if start < text.len() {
        units.push(&text[start..]);
    }
    units
}

/// One column of a table: its heading, its share of the column's width, and whether numbers in
/// it line up on the right.
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    pub title: &'a str,
    pub share: f32,
    pub right: bool,
}

pub const fn col(title: &str, share: f32) -> Column<'_> {
    Column { title, share, right: false }
}

pub const fn num(title: &str, share: f32) -> Column<'_> {
    Column { title, share, right: true }
}

/// A bookmark: the section's title and where it starts.
#[derive(Debug, Clone)]
struct Bookmark {
    title: String,
    page: usize,
    y: f32,
    level: u8,
}

/// The report being laid out: finished pages, the one being filled, and the cursor on it.
#[derive(Debug)]
pub struct Flow<'f> {
    pub metrics: Metrics<'f>,
    pages: Vec<Vec<Item>>,
    y: f32,
    bookmarks: Vec<Bookmark>,
}

pub const BODY: f32 = 9.5;
pub const SMALL: f32 = 8.0;
const TABLE: f32 = 8.5;
const CELL_PAD: f32 = 3.0;
/// The most lines a table cell shows: well under a page.
const MAX_CELL_LINES: usize = 20;

impl<'f> Flow<'f> {
    pub fn new(metrics: Metrics<'f>) -> Flow<'f> {
        Flow { metrics, pages: vec![Vec::new()], y: MARGIN_TOP, bookmarks: Vec::new() }
    }

    fn bottom() -> f32 {
        PAGE_HEIGHT - MARGIN_BOTTOM
    }

    fn page(&mut self) -> &mut Vec<Item> {
        self.pages.last_mut().expect("a flow always has a page")
    }

    pub fn y(&self) -> f32 {
        self.y
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN_TOP;
    }

    /// Starts a new page unless `height` still fits on this one.
    pub fn need(&mut self, height: f32) {
        if self.y + height > Self::bottom() && self.y > MARGIN_TOP {
            self.new_page();
        }
    }

    pub fn space(&mut self, height: f32) {
        self.y += height;
    }

    pub fn move_to(&mut self, y: f32) {
        self.y = y;
    }

    pub fn text_at(&mut self, x: f32, top: f32, size: f32, bold: bool, colour: Colour, text: &str) {
        if text.is_empty() {
            return;
        }
        self.page().push(Item::Text { x, baseline: top + size * BASELINE, size, bold, colour, text: text.to_owned() });
    }

    pub fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, colour: Colour) {
        if width > 0.0 && height > 0.0 {
            self.page().push(Item::Rect { x, y, width, height, colour });
        }
    }

    pub fn rule(&mut self, y: f32, colour: Colour) {
        self.page().push(Item::Line { x1: MARGIN_X, y1: y, x2: MARGIN_X + COLUMN, y2: y, width: 0.5, colour });
    }

    /// A horizontal line `width` long from (x, y): a line to write or sign on.
    pub fn rule_at(&mut self, x: f32, y: f32, width: f32, colour: Colour) {
        self.page().push(Item::Line { x1: x, y1: y, x2: x + width, y2: y, width: 0.6, colour });
    }

    /// A section's title, kept with at least `keep` points of what follows, and a bookmark.
    pub fn heading(&mut self, text: &str, level: u8, keep: f32) {
        let size = if level == 0 { 15.0 } else { 11.5 };
        self.need(size * LEADING + keep + 8.0);
        if self.y > MARGIN_TOP {
            self.y += if level == 0 { 10.0 } else { 6.0 };
        }
        let page = self.pages.len() - 1;
        self.bookmarks.push(Bookmark { title: printable(text), page, y: self.y, level });
        // A long title (a category someone typed at length) wraps rather than leaving the page.
        for line in self.metrics.wrap(text, size, true, COLUMN) {
            self.need(size * LEADING);
            let y = self.y;
            self.text_at(MARGIN_X, y, size, true, if level == 0 { ACCENT } else { INK }, &line);
            self.y += size * LEADING;
        }
        if level == 0 {
            let y = self.y - 2.0;
            self.page().push(Item::Line {
                x1: MARGIN_X,
                y1: y,
                x2: MARGIN_X + COLUMN,
                y2: y,
                width: 1.0,
                colour: ACCENT,
            });
            self.y += 4.0;
        }
    }

    /// Wrapped text across the column, starting `indent` in.
    pub fn paragraph(&mut self, text: &str, size: f32, colour: Colour, indent: f32) {
        let lines = self.metrics.wrap(text, size, false, COLUMN - indent);
        for line in lines {
            self.need(size * LEADING);
            let y = self.y;
            self.text_at(MARGIN_X + indent, y, size, false, colour, &line);
            self.y += size * LEADING;
        }
    }

    /// Label–value lines, labels in a column of `label_width`.
    pub fn fields(&mut self, rows: &[(String, String)], label_width: f32) {
        for (label, value) in rows {
            let lines = self.metrics.wrap(value, BODY, false, COLUMN - label_width);
            self.need(BODY * LEADING * lines.len().min(3) as f32);
            let y = self.y;
            self.text_at(MARGIN_X, y, BODY, false, MUTED, label);
            for line in lines {
                self.need(BODY * LEADING);
                let y = self.y;
                self.text_at(MARGIN_X + label_width, y, BODY, false, INK, &line);
                self.y += BODY * LEADING;
            }
        }
    }

    /// A table across the column; its header is repeated at the top of every page it continues
    /// on, and a row never splits across pages.
    pub fn table(&mut self, columns: &[Column<'_>], rows: &[Vec<String>]) {
        let total: f32 = columns.iter().map(|c| c.share).sum();
        let widths: Vec<f32> = columns.iter().map(|c| c.share / total * COLUMN).collect();
        let line = TABLE * 1.4;
        let header: Vec<Vec<String>> = columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| self.metrics.wrap(c.title, TABLE, true, w - 2.0 * CELL_PAD))
            .collect();
        let header_height = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * line + 2.0 * CELL_PAD;
        let wrapped: Vec<Vec<Vec<String>>> = rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&widths)
                    .map(|(cell, w)| {
                        let mut lines = self.metrics.wrap(cell, TABLE, false, w - 2.0 * CELL_PAD);
                        // A row must fit on a page; a cell longer than that is cut with an
                        // ellipsis (the report prints every long text whole outside tables).
                        if lines.len() > MAX_CELL_LINES {
                            lines.truncate(MAX_CELL_LINES);
                            lines[MAX_CELL_LINES - 1].push('…');
                        }
                        lines
                    })
                    .collect()
            })
            .collect();
        let first_height = wrapped.first().map_or(0.0, |cells| row_height(cells, line));
        self.need(header_height + first_height);
        self.table_header(columns, &widths, &header, header_height, line);
        for cells in &wrapped {
            let height = row_height(cells, line);
            if self.y + height > Self::bottom() {
                self.new_page();
                self.table_header(columns, &widths, &header, header_height, line);
            }
            self.table_row(columns, &widths, cells, height, line, false);
        }
        self.y += 6.0;
    }

    fn table_header(&mut self, columns: &[Column<'_>], widths: &[f32], header: &[Vec<String>], height: f32, line: f32) {
        let y = self.y;
        self.rect(MARGIN_X, y, COLUMN, height, SHADE);
        self.table_row(columns, widths, header, height, line, true);
    }

    fn table_row(
        &mut self,
        columns: &[Column<'_>],
        widths: &[f32],
        cells: &[Vec<String>],
        height: f32,
        line: f32,
        bold: bool,
    ) {
        let top = self.y;
        let mut x = MARGIN_X;
        for ((column, width), lines) in columns.iter().zip(widths).zip(cells) {
            for (i, text) in lines.iter().enumerate() {
                let text_x = if column.right {
                    x + width - CELL_PAD - self.metrics.width(text, TABLE, bold)
                } else {
                    x + CELL_PAD
                };
                self.text_at(text_x, top + CELL_PAD + i as f32 * line + (line - TABLE) / 2.0, TABLE, bold, INK, text);
            }
            x += width;
        }
        self.y = top + height;
        let y = self.y;
        self.rule(y, RULE);
    }

    /// A horizontal bar `width` wide showing the stretches `[start, end)` of `0..total` filled.
    pub fn stretches_bar(&mut self, x: f32, width: f32, height: f32, total: u64, stretches: &[(u64, u64)]) {
        let y = self.y;
        self.rect(x, y, width, height, SHADE);
        if total > 0 {
            for &(start, end) in stretches {
                let from = start.min(total) as f32 / total as f32 * width;
                let to = end.min(total) as f32 / total as f32 * width;
                // A stretch too short to see at this scale is still drawn as a hairline.
                self.rect(x + from, y, (to - from).max(0.6), height, ACCENT);
            }
        }
    }

    /// Bars of percentages by group: the label, a bar per series with its value at its end.
    pub fn bar_chart(&mut self, groups: &[(String, Vec<Option<f64>>)], series: &[(&str, Colour)], missing: &str) {
        let label_width = 110.0;
        let bar_height = 6.0;
        let gap = 2.0;
        let group_height = series.len() as f32 * (bar_height + gap) + 6.0;
        let bar_width = COLUMN - label_width - 46.0;
        // The legend.
        self.need(14.0 + group_height);
        let mut x = MARGIN_X + label_width;
        for (name, colour) in series {
            let y = self.y;
            self.rect(x, y + 2.0, 8.0, 6.0, *colour);
            self.text_at(x + 11.0, y, SMALL, false, MUTED, name);
            x += 16.0 + self.metrics.width(name, SMALL, false) + 10.0;
        }
        self.y += 14.0;
        for (label, values) in groups {
            self.need(group_height);
            let top = self.y;
            let label_lines = self.metrics.wrap(label, SMALL, false, label_width - 6.0);
            self.text_at(MARGIN_X, top, SMALL, false, INK, label_lines.first().map_or("", String::as_str));
            for (i, (value, (_, colour))) in values.iter().zip(series).enumerate() {
                let y = top + i as f32 * (bar_height + gap);
                self.rect(MARGIN_X + label_width, y, bar_width, bar_height, SHADE);
                let text = match value {
                    Some(v) => {
                        self.rect(
                            MARGIN_X + label_width,
                            y,
                            (*v as f32 / 100.0).clamp(0.0, 1.0) * bar_width,
                            bar_height,
                            *colour,
                        );
                        format!("{v:.1}%")
                    }
                    None => missing.to_owned(),
                };
                self.text_at(MARGIN_X + label_width + bar_width + 4.0, y - 1.0, SMALL - 1.0, false, MUTED, &text);
            }
            self.y = top + group_height;
        }
        self.y += 4.0;
    }

    /// A QR code of `text`, `size` points square, its top-left at (x, y); nothing when the text
    /// is too long for any QR version.
    pub fn qr(&mut self, text: &str, x: f32, y: f32, size: f32) -> bool {
        let Ok(code) = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Low) else {
            return false;
        };
        let modules = code.size();
        // Four modules of quiet zone on every side, as readers expect.
        let module = size / (modules + 8) as f32;
        for row in 0..modules {
            let mut run_start: Option<i32> = None;
            for column in 0..=modules {
                let dark = column < modules && code.get_module(column, row);
                match (dark, run_start) {
                    (true, None) => run_start = Some(column),
                    (false, Some(start)) => {
                        self.rect(
                            x + (start + 4) as f32 * module,
                            y + (row + 4) as f32 * module,
                            (column - start) as f32 * module,
                            module,
                            Colour(0, 0, 0),
                        );
                        run_start = None;
                    }
                    _ => {}
                }
            }
        }
        true
    }

    /// Draws the laid-out pages into a PDF: every page gets `header` at its top and
    /// `footer(page, pages)` at its bottom.
    pub fn render(
        self,
        fonts: &ReportFonts,
        metadata: krilla::metadata::Metadata,
        header: &str,
        footer: impl Fn(usize, usize) -> String,
        stamp: Option<&str>,
    ) -> Result<crate::Typeset, ReportError> {
        let regular =
            Font::new(krilla::Data::from(fonts.regular.data.clone()), fonts.regular.index).ok_or_else(|| {
                ReportError::FontUnreadable {
                    path: fonts.regular.path.clone(),
                    reason: "not an OpenType face".to_owned(),
                }
            })?;
        let bold = Font::new(krilla::Data::from(fonts.bold.data.clone()), fonts.bold.index).ok_or_else(|| {
            ReportError::FontUnreadable { path: fonts.bold.path.clone(), reason: "not an OpenType face".to_owned() }
        })?;
        let mut document = Document::new();
        document.set_metadata(metadata);
        let pages = self.pages.len();
        for (index, items) in self.pages.iter().enumerate() {
            let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or(ReportError::Layout("page size"))?;
            let mut page = document.start_page_with(settings);
            let mut surface = page.surface();
            let mut chrome = Vec::new();
            if index > 0 {
                let w = self.metrics.width(header, SMALL, false);
                chrome.push(Item::Text {
                    x: MARGIN_X + COLUMN - w,
                    baseline: 36.0 + SMALL * BASELINE,
                    size: SMALL,
                    bold: false,
                    colour: MUTED,
                    text: header.to_owned(),
                });
            }
            let footer_text = footer(index + 1, pages);
            let w = self.metrics.width(&footer_text, SMALL, false);
            chrome.push(Item::Text {
                x: (PAGE_WIDTH - w) / 2.0,
                baseline: PAGE_HEIGHT - 36.0,
                size: SMALL,
                bold: false,
                colour: MUTED,
                text: footer_text,
            });
            if let Some(stamp) = stamp {
                chrome.push(Item::Text {
                    x: MARGIN_X,
                    baseline: 36.0 + 9.0 * BASELINE,
                    size: 9.0,
                    bold: true,
                    colour: WARN,
                    text: stamp.to_owned(),
                });
            }
            for item in items.iter().chain(&chrome) {
                draw(&mut surface, item, &regular, &bold);
            }
            surface.finish();
            page.finish();
        }
        let mut outline = Outline::new();
        let mut current: Option<OutlineNode> = None;
        for mark in &self.bookmarks {
            let node =
                OutlineNode::new(mark.title.clone(), XyzDestination::new(mark.page, Point::from_xy(0.0, mark.y)));
            if mark.level == 0 {
                if let Some(done) = current.take() {
                    outline.push_child(done);
                }
                current = Some(node);
            } else if let Some(parent) = current.as_mut() {
                parent.push_child(node);
            } else {
                outline.push_child(node);
            }
        }
        if let Some(done) = current {
            outline.push_child(done);
        }
        document.set_outline(outline);
        let pdf = document.finish().map_err(|error| ReportError::Pdf(format!("{error:?}")))?;
        Ok(crate::Typeset { pdf, pages: pages as u32 })
    }
}

fn row_height(cells: &[Vec<String>], line: f32) -> f32 {
    cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * line + 2.0 * CELL_PAD
}

fn fill(colour: Colour) -> Fill {
    Fill { paint: rgb::Color::new(colour.0, colour.1, colour.2).into(), opacity: NormalizedF32::ONE, ..Fill::default() }
}

fn draw(surface: &mut krilla::surface::Surface<'_>, item: &Item, regular: &Font, bold: &Font) {
    match item {
        Item::Text { x, baseline, size, bold: is_bold, colour, text } => {
            surface.set_fill(Some(fill(*colour)));
            surface.set_stroke(None);
            let font = if *is_bold { bold } else { regular };
            surface.draw_text(Point::from_xy(*x, *baseline), font.clone(), *size, text, false, TextDirection::Auto);
        }
        Item::Rect { x, y, width, height, colour } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *width, *height) else {
                return;
            };
            let mut builder = PathBuilder::new();
            builder.push_rect(rect);
            if let Some(path) = builder.finish() {
                surface.set_fill(Some(fill(*colour)));
                surface.set_stroke(None);
                surface.draw_path(&path);
            }
        }
        Item::Line { x1, y1, x2, y2, width, colour } => {
            let mut builder = PathBuilder::new();
            builder.move_to(*x1, *y1);
            builder.line_to(*x2, *y2);
            if let Some(path) = builder.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(colour.0, colour.1, colour.2).into(),
                    width: *width,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> ReportFonts {
        ReportFonts::find().expect("fonts-noto-cjk is installed by make")
    }

    #[test]
    fn chinese_breaks_between_characters_and_latin_between_words() {
        let fonts = fonts();
        let metrics = Metrics::new(&fonts).expect("metrics");
        // Ten ideographs at 10 pt are 100 pt wide: a 45 pt column holds four of them a line.
        let lines = metrics.wrap("季度投诉录音听取整改", 10.0, false, 45.0);
        assert_eq!(lines, ["季度投诉", "录音听取", "整改"]);
        // Closing punctuation stays with the character before it.
        let lines = metrics.wrap("季度投诉。录音", 10.0, false, 40.0);
        assert_eq!(lines[0], "季度投诉。");
        let lines = metrics.wrap("the quarter report of the branch", 10.0, false, 80.0);
        assert!(lines.iter().all(|line| !line.starts_with(' ') && !line.ends_with(' ')), "{lines:?}");
        assert_eq!(lines.join(" "), "the quarter report of the branch", "no word is split");
        // A hash wider than the column is split anywhere, and nothing of it is lost.
        let hash = "6b583ec81de03bf734c3c11e8f8d9e3a24d86b975cba505c726b1e5e43fe65b6";
        let lines = metrics.wrap(hash, 10.0, false, 100.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), hash);
        assert!(lines.iter().all(|line| metrics.width(line, 10.0, false) <= 100.0));
        // Newlines always break; an empty line stays.
        assert_eq!(metrics.wrap("a\n\nb", 10.0, false, 100.0), ["a", "", "b"]);
    }

    #[test]
    fn a_tables_header_is_repeated_on_every_page_it_continues_on() {
        let fonts = fonts();
        let mut flow = Flow::new(Metrics::new(&fonts).expect("metrics"));
        let rows: Vec<Vec<String>> = (0..120).map(|i| vec![format!("TS{i:010}"), "城西支行".to_owned()]).collect();
        flow.table(&[col("投诉编号", 1.0), col("责任机构", 1.0)], &rows);
        assert!(flow.pages.len() >= 3, "120 rows take several pages");
        for page in &flow.pages {
            let heads =
                page.iter().filter(|item| matches!(item, Item::Text { text, .. } if text == "投诉编号")).count();
            assert_eq!(heads, 1, "each page has the header once");
            for item in page {
                if let Item::Text { baseline, .. } = item {
                    assert!(*baseline <= PAGE_HEIGHT - MARGIN_BOTTOM, "nothing runs into the bottom margin");
                }
            }
        }
        let listed: usize = flow
            .pages
            .iter()
            .flatten()
            .filter(|item| matches!(item, Item::Text { text, .. } if text.starts_with("TS")))
            .count();
        assert_eq!(listed, 120, "every row is printed once");
    }

    #[test]
    fn hostile_text_stays_on_the_page() {
        let fonts = fonts();
        let mut flow = Flow::new(Metrics::new(&fonts).expect("metrics"));
        let long_word = "x".repeat(3_000);
        let long_chinese = "整改".repeat(4_000);
        flow.heading(&format!("TS1 · {}", "很长的投诉类别".repeat(40)), 1, 0.0);
        flow.paragraph(&format!("a\tb\r\nc\u{7}d {long_word}"), BODY, INK, 8.0);
        flow.table(&[col("内容", 1.0), num("数", 0.2)], &[vec![long_chinese.clone(), "1".to_owned()]]);
        flow.fields(&[("须整改".to_owned(), long_chinese)], 90.0);
        for page in &flow.pages {
            for item in page {
                if let Item::Text { x, baseline, size, bold, text, .. } = item {
                    assert!(
                        *baseline <= PAGE_HEIGHT - MARGIN_BOTTOM + 1.0,
                        "below the bottom margin: {baseline} {:?}",
                        text.chars().take(20).collect::<String>()
                    );
                    let right = x + flow.metrics.width(text, *size, *bold);
                    assert!(
                        right <= MARGIN_X + COLUMN + *size,
                        "past the right margin by {}",
                        right - MARGIN_X - COLUMN
                    );
                    assert!(!text.chars().any(char::is_control), "a control character is printed: {text:?}");
                }
            }
        }
        let cell_lines = flow
            .pages
            .iter()
            .flatten()
            .filter(|item| matches!(item, Item::Text { text, .. } if text.ends_with('…')))
            .count();
        assert_eq!(cell_lines, 1, "the over-long cell is cut once, with an ellipsis");
    }

    #[test]
    fn missing_fonts_name_the_folders_searched_and_the_package() {
        let empty = std::env::temp_dir().join(format!("tingjian-no-fonts-{}", std::process::id()));
        std::fs::create_dir_all(&empty).expect("mkdir");
        let error = ReportFonts::find_in(std::slice::from_ref(&empty)).expect_err("no fonts there");
        let message = tingjian_core::Coded::message_zh(&error);
        assert!(message.contains(&empty.display().to_string()) && message.contains("fonts-noto-cjk"), "{message}");
        assert_eq!(tingjian_core::Coded::code(&error), tingjian_core::ErrorCode::FontsMissing);
        let _ = std::fs::remove_dir(&empty);
    }
}
