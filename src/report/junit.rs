//! JUnit XML for CI systems (through quick-junit, the crate nextest uses): one test suite per
//! scenario, one test case per check; a rejected scenario is one test case with an error.
//! No timestamps or durations are written, so the file is byte-identical across runs.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::Exporter;
use crate::results::{BatchReport, Status};

pub struct JunitExporter;

impl Exporter for JunitExporter {
    fn render(&self, report: &BatchReport) -> String {
        let mut junit = Report::new("coinflip");
        for s in &report.scenarios {
            let mut suite = TestSuite::new(s.name.as_str());
            let classname = format!("coinflip.{}", s.name);
            if s.status == Status::Error {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                status.set_message(s.error.clone().unwrap_or_default());
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
            let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
            for c in &s.checks {
                let status = match c.status {
                    Status::Pass => TestCaseStatus::success(),
                    Status::Fail | Status::Error => {
                        let kind = if c.status == Status::Fail {
                            NonSuccessKind::Failure
                        } else {
                            NonSuccessKind::Error
                        };
                        let mut st = TestCaseStatus::non_success(kind);
                        st.set_message(c.message.as_str());
                        st.set_type(format!("{} check", c.kind));
                        st
                    }
                };
                // Case names must be unique within a suite; a check may appear more than once
                // (one `contains` per string): the second is "name (2)", and so on.
                let base = format!("{}.{}", c.kind, c.name);
                let n = seen.entry(base.clone()).or_insert(0);
                *n += 1;
                let name = if *n == 1 {
                    base
                } else {
                    format!("{base} ({n})")
                };
                let mut case = TestCase::new(name, status);
                case.set_classname(classname.as_str());
                suite.add_test_case(case);
            }
            suite.add_property(("file", s.file.as_str()));
            suite.add_property(("seed", s.seed.to_string().as_str()));
            junit.add_test_suite(suite);
        }
        let mut s = junit.to_string().expect("JUnit XML serializes");
        if !s.ends_with('\n') {
            s.push('\n');
        }
        s
    }
}
