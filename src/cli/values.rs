//! How the library's enums are spelt on the command line. The enums belong to the modules that
//! use them ([`crate::report`], [`crate::schema`]); their clap side is written here so those
//! modules do not depend on clap. Each value's help is the sentence `--help` and the man page
//! show.

use clap::ValueEnum;
use clap::builder::PossibleValue;

use crate::pipeline::inspect::TraceOrder;
use crate::report::Format;
use crate::report::flip::FlipFormat;
use crate::schema::SchemaFormat;

impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Format::Text,
            Format::Json,
            Format::Markdown,
            Format::Junit,
            Format::Html,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let (name, help) = match self {
            Format::Text => (
                "text",
                "For people: one block per scenario, ✓/✗ per check, a summary line",
            ),
            Format::Json => ("json", "Stable, documented JSON (docs/reports.md)"),
            Format::Markdown => (
                "markdown",
                "Markdown: headings, tables and sample blocks for notes and pull requests",
            ),
            Format::Junit => (
                "junit",
                "JUnit XML: one test case per (scenario, check), for CI systems",
            ),
            Format::Html => (
                "html",
                "One self-contained HTML page with SVG charts (no script, no external assets)",
            ),
        };
        Some(PossibleValue::new(name).help(help))
    }
}

impl ValueEnum for SchemaFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            SchemaFormat::Scenario,
            SchemaFormat::Quiz,
            SchemaFormat::Answers,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let (name, help) = match self {
            SchemaFormat::Scenario => ("scenario", "A scenario file (`coinflip run`)"),
            SchemaFormat::Quiz => ("quiz", "A quiz file (`coinflip quiz`)"),
            SchemaFormat::Answers => ("answers", "A student's answer file (TOML or JSON)"),
        };
        Some(PossibleValue::new(name).help(help))
    }
}

impl ValueEnum for FlipFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[FlipFormat::Text, FlipFormat::Json, FlipFormat::Html]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let (name, help) = match self {
            FlipFormat::Text => (
                "text",
                "For a terminal: the coin with a bar per token, the flips, the tally",
            ),
            FlipFormat::Json => (
                "json",
                "Every candidate, flip and count, floats exact (docs/classroom.md)",
            ),
            FlipFormat::Html => (
                "html",
                "One self-contained page to project, with Flip, flip 10 and reset buttons",
            ),
        };
        Some(PossibleValue::new(name).help(help))
    }
}

impl ValueEnum for TraceOrder {
    fn value_variants<'a>() -> &'a [Self] {
        &[TraceOrder::Draw, TraceOrder::P]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let (name, help) = match self {
            TraceOrder::Draw => (
                "draw",
                "In the order the draw walks them, with their intervals of [0, 1)",
            ),
            TraceOrder::P => ("p", "The most probable first"),
        };
        Some(PossibleValue::new(name).help(help))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_has_a_name_and_reads_back() {
        for f in Format::value_variants() {
            let name = f.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(Format::from_str(&name, false).as_ref(), Ok(f));
        }
        for f in SchemaFormat::value_variants() {
            let name = f.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(SchemaFormat::from_str(&name, false).as_ref(), Ok(f));
        }
        for f in FlipFormat::value_variants() {
            let name = f.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(FlipFormat::from_str(&name, false).as_ref(), Ok(f));
        }
        for f in TraceOrder::value_variants() {
            let name = f.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(TraceOrder::from_str(&name, false).as_ref(), Ok(f));
        }
    }
}
