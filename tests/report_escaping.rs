//! Hostile texts in the run reports (issue 14, "Injection and encoding"): each format shows what a
//! scenario or corpus holds as text and never lets it act. The Markdown is read back with a
//! CommonMark parser (pulldown-cmark), the JUnit file with an XML parser and against the XML 1.0
//! `Char` production, the text report against the list of characters a terminal obeys; the text
//! report's tables are measured in display columns. Fixtures: tests/fixtures/report/.

use assert_cmd::Command;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use unicode_width::UnicodeWidthStr;

const HOSTILE: &str = "tests/fixtures/report/hostile.toml";
const MARKUP: &str = "tests/fixtures/html/markup.toml";
const WIDE: &str = "tests/fixtures/report/wide-labels.toml";

fn run(file: &str, format: &str) -> String {
    let out = Command::cargo_bin("coinflip")
        .unwrap()
        .args(["run", "-v", file, "--format", format])
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The scenario of a one-scenario file, from its JSON report.
fn scenario(file: &str) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_str(&run(file, "json")).unwrap();
    json["scenarios"][0].clone()
}

/// What a CommonMark reader sees: the text of each heading, paragraph and table cell, the
/// content of each fenced code block, and every event that is raw HTML, a link or an image.
#[derive(Default)]
struct Markdown {
    headings: Vec<(HeadingLevel, String)>,
    paragraphs: Vec<String>,
    cells: Vec<String>,
    code_blocks: Vec<String>,
    active: Vec<String>,
}

fn read_markdown(md: &str) -> Markdown {
    let mut m = Markdown::default();
    let mut text = String::new();
    for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { .. } | Tag::Paragraph | Tag::TableCell) => text.clear(),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => text.clear(),
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak => text.push('\n'),
            Event::End(TagEnd::Heading(level)) => m.headings.push((level, text.clone())),
            Event::End(TagEnd::Paragraph) => m.paragraphs.push(text.clone()),
            Event::End(TagEnd::TableCell) => m.cells.push(text.clone()),
            Event::End(TagEnd::CodeBlock) => m.code_blocks.push(text.clone()),
            Event::Html(h) | Event::InlineHtml(h) => m.active.push(format!("HTML {h:?}")),
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                m.active.push(format!("link {dest_url:?}"))
            }
            _ => {}
        }
    }
    m
}

#[test]
fn a_line_of_backticks_in_a_sample_does_not_close_its_block() {
    let s = scenario(HOSTILE);
    let samples: Vec<String> = s["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["full_text"].as_str().unwrap().trim_end().to_string())
        .collect();
    assert!(
        samples.iter().any(|t| t.lines().any(|l| l == "```")),
        "the fixture's samples must hold a line of three backticks: {samples:?}"
    );
    let md = read_markdown(&run(HOSTILE, "markdown"));
    // One block per sample, each holding the whole sample and nothing else.
    let blocks: Vec<String> = samples.iter().map(|t| format!("{t}\n")).collect();
    assert_eq!(md.code_blocks, blocks);
}

#[test]
fn raw_html_links_and_block_markers_in_texts_stay_text() {
    for file in [HOSTILE, MARKUP] {
        let s = scenario(file);
        let name = s["name"].as_str().unwrap();
        let description = s["description"].as_str().unwrap();
        let md = read_markdown(&run(file, "markdown"));
        assert_eq!(md.active, Vec::<String>::new(), "{file}");
        // The description (which may start with `#`) is a paragraph, not a heading; the name
        // reads as written in its heading and in the scenarios table.
        let h1: Vec<&(HeadingLevel, String)> = md
            .headings
            .iter()
            .filter(|(l, _)| *l == HeadingLevel::H1)
            .collect();
        assert_eq!(h1.len(), 1, "{file}: {:?}", md.headings);
        let status = s["status"].as_str().unwrap();
        let mark = if status == "pass" { "✅" } else { "❌" };
        assert!(
            md.headings
                .contains(&(HeadingLevel::H2, format!("{name} — {mark} {status}"))),
            "{file}: {:?}",
            md.headings
        );
        assert!(
            md.cells.contains(&name.to_string()),
            "{file}: {:?}",
            md.cells
        );
        assert!(
            md.paragraphs.contains(&description.to_string()),
            "{file}: {:?}",
            md.paragraphs
        );
        // Check messages and outcome labels read as written too.
        for c in s["checks"].as_array().unwrap() {
            let message = c["message"].as_str().unwrap();
            assert!(md.cells.contains(&message.to_string()), "{file}: {message}");
            for b in c["bins"].as_array().into_iter().flatten() {
                let label = b["label"].as_str().unwrap();
                assert!(md.cells.contains(&label.to_string()), "{file}: {label}");
            }
        }
    }
}

/// XML 1.0's `Char` production (section 2.2), written out independently of the code under test.
fn xml_char(c: char) -> bool {
    let c = c as u32;
    c == 0x9
        || c == 0xA
        || c == 0xD
        || (0x20..=0xD7FF).contains(&c)
        || (0xE000..=0xFFFD).contains(&c)
        || (0x10000..=0x10FFFF).contains(&c)
}

#[test]
fn junit_stays_valid_xml_whatever_the_names_hold() {
    let xml = run(HOSTILE, "junit");
    let bad: Vec<char> = xml.chars().filter(|&c| !xml_char(c)).collect();
    assert!(bad.is_empty(), "characters XML 1.0 forbids: {bad:?}");
    // Well formed, and the names say what was there.
    let mut reader = quick_xml::Reader::from_str(&xml);
    reader.config_mut().check_end_names = true;
    let mut suites = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"testsuite" => {
                let name = e.try_get_attribute("name").unwrap().unwrap();
                suites.push(
                    name.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned(),
                );
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(suites.len(), 1);
    assert!(
        suites[0].starts_with("hostile \\u{1b}]0;pwned\\u{7} ") && suites[0].ends_with("\\u{fffe}"),
        "{:?}",
        suites[0]
    );
}

/// Characters a terminal acts on instead of showing (tab and line feed aside): C0 and C1
/// controls, DEL, and the bidirectional controls.
fn terminal_control(c: char) -> bool {
    let c = c as u32;
    (c < 0x20 && c != 0x9 && c != 0xA)
        || (0x7F..=0x9F).contains(&c)
        || [0x61C, 0x200E, 0x200F].contains(&c)
        || (0x202A..=0x202E).contains(&c)
        || (0x2066..=0x2069).contains(&c)
}

#[test]
fn the_text_report_shows_control_and_bidi_characters() {
    let text = run(HOSTILE, "text");
    let bad: Vec<char> = text.chars().filter(|&c| terminal_control(c)).collect();
    assert!(bad.is_empty(), "sent to the terminal: {bad:?}");
    // The name, description, samples and messages say what was there.
    for shown in [
        "hostile \\u{1b}]0;pwned\\u{7} \\u{202e}evil\\u{202c} <img",
        "\\u{1b}[2J",
        "\\u{1b}[31mred\\u{0}",
        "\\u{202e}rtl",
    ] {
        assert!(text.contains(shown), "{shown:?} missing from\n{text}");
    }
}

#[test]
fn text_tables_line_up_wide_characters() {
    let text = run(WIDE, "text");
    let start = text.find("      outcome").expect("a bins table");
    let table: Vec<&str> = text[start..].lines().take(6).collect();
    assert!(
        table.iter().filter(|l| l.contains("面")).count() == 2,
        "{table:?}"
    );
    // Every column after the first is right-aligned, so every line of the table ends in the same
    // display column.
    let widths: Vec<usize> = table.iter().map(|l| l.width()).collect();
    assert!(
        widths.iter().all(|&w| w == widths[0]),
        "{widths:?}\n{}",
        table.join("\n")
    );
}
