//! The gradebook: every submission graded against the quiz, or rejected. This is where duplicate
//! student ids are caught (all submissions sharing an id are rejected, each naming the others, so
//! the instructor decides which one counts) and where the order of the outputs is fixed: students
//! by student id, then file and line; rejections by file, then line.

use std::collections::BTreeMap;

use super::grade::{self, Outcome};
use super::key::Quiz;
use super::submission::{Origin, Rejection, Submission};
use crate::error::Diagnostic;

/// One graded student.
#[derive(Debug, Clone, PartialEq)]
pub struct StudentResult {
    /// Student id.
    pub student: String,
    /// Name (may be empty).
    pub name: String,
    /// Where the submission came from.
    pub origin: Origin,
    /// Total points.
    pub score: f64,
    /// `score / max × 100`.
    pub percent: f64,
    /// One outcome per question, in quiz order.
    pub outcomes: Vec<Outcome>,
    /// Notes for this student: `qid: note` for questions, and answers to unknown questions.
    pub notes: Vec<String>,
}

/// Everything graded and rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradebook {
    /// The most points a student can get.
    pub max: f64,
    /// Graded students, sorted by student id, then origin.
    pub students: Vec<StudentResult>,
    /// Rejected inputs, sorted by origin.
    pub rejected: Vec<Rejection>,
}

impl Gradebook {
    /// Grades `inputs` (submissions and earlier rejections) against `quiz`.
    pub fn build(quiz: &Quiz, inputs: Vec<Result<Submission, Rejection>>) -> Gradebook {
        let mut submissions = vec![];
        let mut rejected = vec![];
        for i in inputs {
            match i {
                Ok(s) => submissions.push(s),
                Err(r) => rejected.push(r),
            }
        }
        let mut by_id: BTreeMap<&str, Vec<&Origin>> = BTreeMap::new();
        for s in &submissions {
            by_id.entry(&s.student).or_default().push(&s.origin);
        }
        let mut students = vec![];
        let mut duplicates = vec![];
        for s in &submissions {
            let origins = &by_id[s.student.as_str()];
            if origins.len() > 1 {
                let others: Vec<String> = origins
                    .iter()
                    .filter(|o| ***o != s.origin)
                    .map(|o| o.to_string())
                    .collect();
                let mut d = Diagnostic::file(
                    &s.origin.file,
                    format!(
                        "duplicate student id `{}`: also submitted in {}; none of these submissions is graded (keep one and grade again)",
                        s.student,
                        others.join(", ")
                    ),
                );
                d.line = s.origin.line;
                d.key = Some("student".into());
                duplicates.push(Rejection::from_diagnostic(s.origin.clone(), d));
            } else {
                students.push(grade_submission(quiz, s));
            }
        }
        rejected.extend(duplicates);
        students.sort_by(|a, b| (&a.student, &a.origin).cmp(&(&b.student, &b.origin)));
        rejected.sort_by(|a, b| a.origin.cmp(&b.origin));
        Gradebook {
            max: quiz.max_points(),
            students,
            rejected,
        }
    }

    /// Number of graded students.
    pub fn graded(&self) -> usize {
        self.students.len()
    }

    /// The closing line of every report: `N graded, N rejected`.
    pub fn tally(&self) -> String {
        format!(
            "{} graded, {} rejected",
            self.students.len(),
            self.rejected.len()
        )
    }
}

/// Grades one submission.
pub fn grade_submission(quiz: &Quiz, s: &Submission) -> StudentResult {
    let mut notes = vec![];
    let outcomes: Vec<Outcome> = quiz
        .questions
        .iter()
        .map(|q| {
            let response = s.answers.iter().find(|(id, _)| *id == q.id).map(|(_, r)| r);
            let o = grade::grade(q, response);
            if let Some(n) = &o.note {
                notes.push(format!("{}: {n}", q.id));
            }
            o
        })
        .collect();
    for (id, _) in &s.answers {
        if !quiz.questions.iter().any(|q| q.id == *id) {
            notes.push(format!(
                "{id}: the quiz has no question `{id}`; this answer is ignored"
            ));
        }
    }
    let score: f64 = outcomes.iter().map(|o| o.points).sum();
    let max = quiz.max_points();
    StudentResult {
        student: s.student.clone(),
        name: s.name.clone(),
        origin: s.origin.clone(),
        score,
        percent: if max > 0.0 { score / max * 100.0 } else { 0.0 },
        outcomes,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::submission::Response;
    use std::path::Path;

    fn quiz() -> Quiz {
        Quiz::parse(
            Path::new("q.toml"),
            "id = \"t\"\ntitle = \"t\"\n[[questions]]\nid = \"q1\"\nkind = \"true-false\"\nprompt = \"p\"\nanswer = true\n[[questions]]\nid = \"q2\"\nkind = \"true-false\"\npoints = 3\nprompt = \"p\"\nanswer = false\n",
        )
        .unwrap()
    }

    fn sub(
        student: &str,
        file: &str,
        line: Option<usize>,
        q1: bool,
    ) -> Result<Submission, Rejection> {
        Ok(Submission {
            origin: Origin {
                file: file.into(),
                line,
            },
            student: student.into(),
            name: String::new(),
            answers: vec![("q1".into(), Response::Bool(q1))],
        })
    }

    #[test]
    fn duplicates_are_all_rejected_and_nothing_is_lost() {
        let inputs = vec![
            sub("s2", "b.toml", None, true),
            sub("s1", "z.toml", None, false),
            sub("s2", "class.csv", Some(4), true),
            Err(Rejection::file("bad.toml", "the file is empty")),
            sub("s3", "a.toml", None, true),
        ];
        let n = inputs.len();
        let book = Gradebook::build(&quiz(), inputs);
        assert_eq!(book.students.len() + book.rejected.len(), n);
        let ids: Vec<_> = book.students.iter().map(|s| s.student.as_str()).collect();
        assert_eq!(ids, ["s1", "s3"]);
        let rejected: Vec<_> = book
            .rejected
            .iter()
            .map(|r| r.diagnostic.headline())
            .collect();
        assert_eq!(
            rejected,
            [
                "b.toml: `student`: duplicate student id `s2`: also submitted in class.csv:4; none of these submissions is graded (keep one and grade again)",
                "bad.toml: the file is empty",
                "class.csv:4: `student`: duplicate student id `s2`: also submitted in b.toml; none of these submissions is graded (keep one and grade again)",
            ]
        );
        assert_eq!(book.tally(), "2 graded, 3 rejected");
    }

    #[test]
    fn totals_percent_and_notes() {
        let s = Submission {
            origin: Origin {
                file: "a.toml".into(),
                line: None,
            },
            student: "s1".into(),
            name: "Ann".into(),
            answers: vec![
                ("q1".into(), Response::Bool(true)),
                ("q2".into(), Response::Text("false".into())),
                ("q9".into(), Response::Bool(true)),
            ],
        };
        let r = grade_submission(&quiz(), &s);
        // q1 right (1 point), q2 invalid (a string, not a boolean): 1 / 4 = 25 %.
        assert_eq!(r.score, 1.0);
        assert_eq!(r.percent, 25.0);
        assert_eq!(
            r.notes,
            [
                "q2: expected `true` or `false`, found a string; scored 0",
                "q9: the quiz has no question `q9`; this answer is ignored",
            ]
        );
    }
}
