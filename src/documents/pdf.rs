//! A [`Sheet`] as an A4 PDF, its text in Noto Sans CJK SC, embedded and subsetted to the
//! glyphs the document uses (`config/fonts/`, SIL Open Font License; docs/documents.md#font).

use std::sync::LazyLock;

use krilla::Document;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

use super::Sheet;
use crate::i18n::Lang;

/// The font, as shipped: Noto Sans CJK SC Regular cut to Latin, punctuation and the CJK Unified
/// Ideographs block (config/fonts/README.md).
static FONT_DATA: &[u8] = include_bytes!("../../config/fonts/NotoSansSC-Regular.otf");

/// The font as the PDF writer embeds it (loaded once: krilla hashes the whole font).
static FONT: LazyLock<Option<Font>> = LazyLock::new(|| Font::new(FONT_DATA.into(), 0));

/// The font's advance widths, to break lines.
static FACE: LazyLock<Option<ttf_parser::Face<'static>>> =
    LazyLock::new(|| ttf_parser::Face::parse(FONT_DATA, 0).ok());

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 64.0;
const FOOT: f32 = 72.0;
const TITLE_SIZE: f32 = 20.0;
const HEADING_SIZE: f32 = 12.5;
const BODY_SIZE: f32 = 10.5;
const FOOT_SIZE: f32 = 8.5;
const LABEL_WIDTH: f32 = 118.0;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.65;

/// The width of `text` at `size` points.
fn width(text: &str, size: f32) -> f32 {
    let Some(face) = FACE.as_ref() else {
        return text.chars().count() as f32 * size;
    };
    let per_unit = size / f32::from(face.units_per_em());
    (text.chars())
        .map(|c| {
            (face.glyph_index(c))
                .and_then(|g| face.glyph_hor_advance(g))
                .map_or(size, |advance| f32::from(advance) * per_unit)
        })
        .sum()
}

/// Punctuation that may not begin a line (it stays at the end of the one before).
fn closes(c: char) -> bool {
    "，。、；：？！）》」』】”’,.;:?!)%".contains(c)
}

/// `text` broken into lines of at most `max` points at `size`: anywhere between Chinese
/// characters, between words in Latin text, and at every line break of the text. One closing
/// punctuation mark may hang past the margin rather than begin a line; an empty text is one
/// empty line.
fn lines(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for c in paragraph.chars() {
            let wider = width(&line, size) + width(&c.to_string(), size);
            let hangs = closes(c) && !line.ends_with(closes);
            if wider > max && !line.trim().is_empty() && !hangs {
                // In a Latin word, break at the space before it when the line has one.
                let mut carry = String::new();
                if c.is_ascii_alphanumeric()
                    && let Some(space) = line.rfind(' ')
                    && !line[..space].trim().is_empty()
                    && line[space + 1..].chars().all(|c| c.is_ascii_alphanumeric())
                {
                    carry = line[space + 1..].to_string();
                    line.truncate(space);
                }
                out.push(std::mem::take(&mut line));
                line = carry;
                if c == ' ' {
                    continue;
                }
            }
            line.push(c);
        }
        out.push(line.trim_end_matches('\r').to_string());
    }
    out
}

/// The characters of `sheet` and `verify` that the shipped font has no glyph for.
fn missing_glyphs(sheet: &Sheet, verify: &str) -> String {
    let Some(face) = FACE.as_ref() else {
        return String::new();
    };
    let mut texts = vec![sheet.title.as_str(), sheet.text.as_str(), verify];
    for (label, value) in sheet
        .head
        .iter()
        .chain(sheet.sections.iter().flat_map(|s| &s.rows))
    {
        texts.extend([label.as_str(), value.as_str()]);
    }
    let mut missing: Vec<char> = (texts.iter().flat_map(|t| t.chars()))
        .filter(|c| !c.is_control() && face.glyph_index(*c).is_none())
        .collect();
    missing.sort_unstable();
    missing.dedup();
    missing.into_iter().collect()
}

/// Where the next line goes, starting new pages as they fill.
struct Writer {
    pages: Vec<Vec<(f32, f32, f32, String)>>,
    rules: Vec<Vec<f32>>,
    y: f32,
}

impl Writer {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            rules: vec![Vec::new()],
            y: MARGIN,
        }
    }

    /// Room for `height` more points on this page, or a new page.
    fn room(&mut self, height: f32) {
        if self.y + height > PAGE_HEIGHT - FOOT {
            self.pages.push(Vec::new());
            self.rules.push(Vec::new());
            self.y = MARGIN;
        }
    }

    /// A line of `text` at `x`, `size` points, its baseline one line below.
    fn line(&mut self, x: f32, size: f32, text: String) {
        self.room(size * LEADING);
        self.y += size * LEADING;
        if let Some(page) = self.pages.last_mut() {
            page.push((x, self.y, size, text));
        }
    }

    /// Lines of `text` wrapped at `x`, as wide as is left of the page.
    fn wrapped(&mut self, x: f32, size: f32, text: &str) {
        for line in lines(text, size, PAGE_WIDTH - MARGIN - x) {
            self.line(x, size, line);
        }
    }

    /// A label with its value beside it, each wrapped in its column.
    fn row(&mut self, label: &str, value: &str) {
        let labels = lines(label, BODY_SIZE, LABEL_WIDTH - 8.0);
        let values = lines(value, BODY_SIZE, PAGE_WIDTH - 2.0 * MARGIN - LABEL_WIDTH);
        for i in 0..labels.len().max(values.len()) {
            self.room(BODY_SIZE * LEADING);
            self.y += BODY_SIZE * LEADING;
            let y = self.y;
            if let Some(page) = self.pages.last_mut() {
                if let Some(label) = labels.get(i) {
                    page.push((MARGIN, y, BODY_SIZE, label.clone()));
                }
                if let Some(value) = values.get(i) {
                    page.push((MARGIN + LABEL_WIDTH, y, BODY_SIZE, value.clone()));
                }
            }
        }
    }

    fn gap(&mut self, points: f32) {
        self.y += points;
    }

    /// A thin line across the page under what was written.
    fn rule(&mut self) {
        self.y += 6.0;
        if let Some(rules) = self.rules.last_mut() {
            rules.push(self.y);
        }
    }
}

/// The PDF of `sheet`, with `verify` (the verification line) at the foot of every page.
pub fn render(sheet: &Sheet, lang: Lang, verify: &str, seal: &str) -> Result<Vec<u8>, String> {
    let font = FONT.clone().ok_or("the shipped font does not load")?;
    let missing = missing_glyphs(sheet, verify);
    if !missing.is_empty() {
        tracing::warn!(
            characters = %missing,
            "a document has characters the shipped font lacks; they print as empty boxes"
        );
    }
    let mut w = Writer::new();
    let title_x = (PAGE_WIDTH - width(&sheet.title, TITLE_SIZE)) / 2.0;
    w.line(title_x.max(MARGIN), TITLE_SIZE, sheet.title.clone());
    w.gap(6.0);
    for (label, value) in &sheet.head {
        w.row(label, value);
    }
    w.rule();
    for section in &sheet.sections {
        w.gap(8.0);
        w.room(HEADING_SIZE * LEADING + 2.0 * BODY_SIZE * LEADING);
        w.line(MARGIN, HEADING_SIZE, section.heading.clone());
        for (label, value) in &section.rows {
            w.row(label, value);
        }
    }
    w.gap(10.0);
    w.wrapped(MARGIN, BODY_SIZE, &sheet.text);
    if !sheet.signatures.is_empty() {
        w.gap(18.0);
        w.room(sheet.signatures.len() as f32 * 3.0 * BODY_SIZE * LEADING);
        for line in &sheet.signatures {
            w.gap(BODY_SIZE * LEADING);
            w.line(MARGIN, BODY_SIZE, line.clone());
        }
    }
    w.gap(16.0);
    w.line(MARGIN, FOOT_SIZE, sheet.issued_by.clone());

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(sheet.title.clone())
            .language(lang.tag().to_string())
            .creator("ODR".to_string())
            .document_id(seal.to_string()),
    );
    let pages = w.pages.len();
    let size = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or("an A4 page")?;
    for (number, (placed, rules)) in w.pages.iter().zip(&w.rules).enumerate() {
        let mut page = document.start_page_with(size.clone());
        let mut surface = page.surface();
        for (x, y, size, text) in placed {
            draw(&mut surface, &font, *x, *y, *size, text);
        }
        for y in rules {
            let mut path = PathBuilder::new();
            path.move_to(MARGIN, *y);
            path.line_to(PAGE_WIDTH - MARGIN, *y);
            if let Some(path) = path.finish() {
                surface.set_stroke(Some(Stroke {
                    width: 0.6,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        // The verification line, with the page's number at the right of its first line.
        let counter = format!("{}/{pages}", number + 1);
        let counter_width = width(&counter, FOOT_SIZE);
        let mut y = PAGE_HEIGHT - FOOT + 18.0 + FOOT_SIZE * LEADING;
        draw(
            &mut surface,
            &font,
            PAGE_WIDTH - MARGIN - counter_width,
            y,
            FOOT_SIZE,
            &counter,
        );
        let room = PAGE_WIDTH - 2.0 * MARGIN - counter_width - 12.0;
        // At most the three lines the foot has room for.
        for line in lines(verify, FOOT_SIZE, room).into_iter().take(3) {
            draw(&mut surface, &font, MARGIN, y, FOOT_SIZE, &line);
            y += FOOT_SIZE * LEADING;
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("{e:?}"))
}

fn draw(surface: &mut Surface<'_>, font: &Font, x: f32, y: f32, size: f32, text: &str) {
    if text.is_empty() {
        return;
    }
    surface.draw_text(
        Point::from_xy(x, y),
        font.clone(),
        size,
        text,
        false,
        TextDirection::Auto,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_between_chinese_characters_and_at_spaces_in_latin_text() {
        let zh = lines("双方经在线协商，自愿达成上述和解。", 10.0, 60.0);
        assert!(zh.len() > 1, "{zh:?}");
        assert!(zh.iter().all(|l| width(l, 10.0) <= 60.0 + 10.0), "{zh:?}");
        assert!(!zh.iter().skip(1).any(|l| l.starts_with(closes)), "{zh:?}");
        assert_eq!(zh.concat(), "双方经在线协商，自愿达成上述和解。");
        let en = lines("The parties negotiated online and agreed", 10.0, 80.0);
        assert!(en.iter().all(|l| !l.starts_with(' ')), "{en:?}");
        assert_eq!(en.join(" "), "The parties negotiated online and agreed");
        // A run of marks wraps too: only one hangs past the margin.
        let marks = lines(
            &"太差了！".repeat(3).replace('！', "！！！！！！！！"),
            10.0,
            40.0,
        );
        assert!(marks.iter().all(|l| width(l, 10.0) <= 50.0), "{marks:?}");
        assert_eq!(lines("", 10.0, 40.0), vec![String::new()]);
        let long = lines(" Unbreakablewordthatislong words", 10.0, 40.0);
        assert!(!long[0].trim().is_empty(), "{long:?}");
    }

    #[test]
    fn a_long_label_wraps_in_its_column() {
        let mut w = Writer::new();
        w.row("Unified social credit code", "91330106MA2H00003L");
        let placed = &w.pages[0];
        assert_eq!(placed.len(), 3, "{placed:?}");
        assert!(
            placed
                .iter()
                .all(|(x, _, _, text)| *x > MARGIN || width(text, BODY_SIZE) <= LABEL_WIDTH)
        );
    }

    #[test]
    fn characters_outside_the_font_are_named() {
        let sheet = Sheet {
            title: "和解协议书".into(),
            head: vec![("姓名".into(), "王䶮𫖯 한".into())],
            sections: Vec::new(),
            text: String::new(),
            signatures: Vec::new(),
            issued_by: String::new(),
        };
        assert_eq!(missing_glyphs(&sheet, "验证码"), "한");
    }
}
