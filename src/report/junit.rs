//! JUnit XML for CI systems (through quick-junit, the crate nextest uses): one test suite per
//! scenario, one test case per check; a rejected scenario is one test case with an error.
//! No timestamps or durations are written, so the file is byte-identical across runs.
//!
//! quick-junit escapes `<`, `&` and quotes; characters XML 1.0 forbids outright (NUL, ESC,
//! U+FFFE, …), which no escape can carry, are written `\u{…}` by [`xml::replace_forbidden`] in
//! every name, message and property, so the file stays valid whatever a corpus holds.

use std::collections::BTreeMap;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::Exporter;
use crate::results::{BatchReport, CheckResult, ScenarioResult, Status};
use crate::text::xml;

pub struct JunitExporter;

/// `s` with the characters XML 1.0 forbids written out.
fn x(s: &str) -> String {
    xml::replace_forbidden(s).into_owned()
}

/// A check's status as a JUnit status: a failure, or an error when it could not be judged.
fn check_status(c: &CheckResult) -> TestCaseStatus {
    let kind = match c.status {
        Status::Pass => return TestCaseStatus::success(),
        Status::Fail => NonSuccessKind::Failure,
        Status::Error => NonSuccessKind::Error,
    };
    let mut st = TestCaseStatus::non_success(kind);
    st.set_message(x(&c.message));
    st.set_type(format!("{} check", c.kind));
    st
}

/// One scenario's suite.
/// `contract`: the report's randomness contract, a property of every suite.
fn suite(s: &ScenarioResult, contract: u32) -> TestSuite {
    let mut suite = TestSuite::new(x(&s.name));
    let classname = x(&format!("coinflip.{}", s.name));
    if s.status == Status::Error {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(x(s.error.as_deref().unwrap_or_default()));
        status.set_type("scenario rejected");
        let mut case = TestCase::new("load", status);
        case.set_classname(classname.as_str());
        suite.add_test_case(case);
    } else if s.checks.is_empty() {
        // A scenario without checks passes when it runs: say so as one test case.
        let mut case = TestCase::new("generate", TestCaseStatus::success());
        case.set_classname(classname.as_str());
        suite.add_test_case(case);
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for c in &s.checks {
        // Case names must be unique within a suite; a check may appear more than once
        // (one `contains` per string): the second is "name (2)", and so on.
        let base = x(&format!("{}.{}", c.kind, c.name));
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        let name = if *n == 1 {
            base
        } else {
            format!("{base} ({n})")
        };
        let mut case = TestCase::new(name, check_status(c));
        case.set_classname(classname.as_str());
        suite.add_test_case(case);
    }
    suite.add_property(("file", x(&s.file).as_str()));
    suite.add_property(("seed", s.seed.to_string().as_str()));
    suite.add_property(("randomness_contract", contract.to_string().as_str()));
    suite
}

impl Exporter for JunitExporter {
    fn render(&self, report: &BatchReport) -> String {
        let mut junit = Report::new("coinflip");
        for s in &report.scenarios {
            junit.add_test_suite(suite(s, report.randomness_contract));
        }
        let mut s = junit.to_string().expect("JUnit XML serializes");
        if !s.ends_with('\n') {
            s.push('\n');
        }
        s
    }
}
