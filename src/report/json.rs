//! The JSON report: the [`BatchReport`] structure with a schema version and the tool version on
//! top. Floats are written by serde_json (shortest representation that round-trips), which is
//! the same on every machine for the same value.

use serde::Serialize;

use super::Exporter;
use crate::results::{BatchReport, SCHEMA_VERSION};

pub struct JsonExporter;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool_version: &'static str,
    #[serde(flatten)]
    report: &'a BatchReport,
}

impl Exporter for JsonExporter {
    fn render(&self, report: &BatchReport) -> String {
        let doc = Document {
            schema_version: SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION"),
            report,
        };
        let mut s = serde_json::to_string_pretty(&doc).expect("report serializes");
        s.push('\n');
        s
    }
}
