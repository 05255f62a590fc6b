//! The gradebook: every submission graded against the quiz, rejected, or (a duplicate) not counted.
//! This is where duplicate student ids are caught: by default (`--duplicates reject`) all
//! submissions sharing an id are rejected, each naming the others, so the instructor decides which
//! one counts; `latest`/`first` keep one by its timestamp and `best` the highest score, listing the
//! others as not counted with the reason. Nothing disappears: graded + rejected + not counted =
//! inputs. The order of the outputs is fixed here: students by student id, then file and line;
//! rejections and the not counted by file, then line.

use std::collections::{BTreeMap, HashMap};

use super::args::Duplicates;
use super::grade::{self, Outcome};
use super::key::Quiz;
use super::note::{Note, StudentNote};
use super::submission::{Origin, Rejection, Response, Submission};
use super::timestamp::Timestamp;
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
    /// Notes for this student: the questions' notes in quiz order, then answers to unknown
    /// questions.
    pub notes: Vec<StudentNote>,
}

/// A submission that was read and is valid but does not count: another submission of the same
/// student was kept under `--duplicates latest|first|best`.
#[derive(Debug, Clone, PartialEq)]
pub struct NotCounted {
    /// Where it came from.
    pub origin: Origin,
    /// The student id.
    pub student: String,
    /// The student's name.
    pub name: String,
    /// Why it does not count, naming the submission that does.
    pub reason: String,
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
    /// Duplicate submissions that were not counted, sorted by origin.
    pub not_counted: Vec<NotCounted>,
    /// Notes about whole answer files (a CSV column that matches no question, …), in file order.
    pub file_notes: Vec<String>,
}

impl Gradebook {
    /// Grades `inputs` (submissions and earlier rejections) against `quiz`; several submissions of
    /// one student are settled by `duplicates`.
    pub fn build(
        quiz: &Quiz,
        inputs: Vec<Result<Submission, Rejection>>,
        duplicates: Duplicates,
    ) -> Gradebook {
        let index: HashMap<&str, usize> = quiz
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.as_str(), i))
            .collect();
        let mut submissions = vec![];
        let mut rejected = vec![];
        for i in inputs {
            match i {
                Ok(s) => submissions.push(s),
                Err(r) => rejected.push(r),
            }
        }
        let mut by_id: BTreeMap<&str, Vec<&Submission>> = BTreeMap::new();
        for s in &submissions {
            by_id.entry(&s.student).or_default().push(s);
        }
        let mut students = vec![];
        let mut not_counted = vec![];
        for group in by_id.values() {
            if let [one] = group.as_slice() {
                students.push(grade_submission(quiz, &index, one));
                continue;
            }
            match settle(quiz, &index, group, duplicates) {
                Ok((kept, others)) => {
                    students.push(kept);
                    not_counted.extend(others);
                }
                Err(r) => rejected.extend(r),
            }
        }
        students.sort_by(|a, b| (&a.student, &a.origin).cmp(&(&b.student, &b.origin)));
        rejected.sort_by(|a, b| a.origin.cmp(&b.origin));
        not_counted.sort_by(|a, b| a.origin.cmp(&b.origin));
        Gradebook {
            max: quiz.max_points(),
            students,
            rejected,
            not_counted,
            file_notes: vec![],
        }
    }

    /// Number of graded students.
    pub fn graded(&self) -> usize {
        self.students.len()
    }

    /// Every input: graded, rejected and not counted.
    pub fn inputs(&self) -> usize {
        self.students.len() + self.rejected.len() + self.not_counted.len()
    }

    /// The closing line of every report: `N graded, N rejected` (and `, N not counted
    /// (duplicates)` when some were not counted).
    pub fn tally(&self) -> String {
        let mut s = format!(
            "{} graded, {} rejected",
            self.students.len(),
            self.rejected.len()
        );
        if !self.not_counted.is_empty() {
            s.push_str(&format!(
                ", {} not counted (duplicates)",
                self.not_counted.len()
            ));
        }
        s
    }
}

/// Several submissions of one student (`group`, in input order): the one that counts and the
/// others, or a rejection of each when the policy cannot or may not choose.
fn settle(
    quiz: &Quiz,
    index: &HashMap<&str, usize>,
    group: &[&Submission],
    policy: Duplicates,
) -> Result<(StudentResult, Vec<NotCounted>), Vec<Rejection>> {
    let reject_all = |why: &str| {
        group
            .iter()
            .map(|s| duplicate_rejection(s, group, why))
            .collect::<Vec<_>>()
    };
    let (keep, why) = match policy {
        Duplicates::Reject => {
            return Err(reject_all(
                "none of these submissions is graded (keep one and grade again)",
            ));
        }
        Duplicates::Latest | Duplicates::First => match by_time(group, policy) {
            Ok(keep) => keep,
            Err(why) => return Err(reject_all(&why)),
        },
        Duplicates::Best => {
            let graded: Vec<StudentResult> = group
                .iter()
                .map(|s| grade_submission(quiz, index, s))
                .collect();
            let mut best = 0;
            for (i, g) in graded.iter().enumerate() {
                if g.score > graded[best].score {
                    best = i;
                }
            }
            (
                best,
                "scored higher (or the same, and came first)".to_string(),
            )
        }
    };
    let kept = grade_submission(quiz, index, group[keep]);
    let others = group
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != keep)
        .map(|(_, s)| NotCounted {
            origin: s.origin.clone(),
            student: s.student.clone(),
            name: s.name.clone(),
            reason: format!(
                "duplicate student id `{}`: not counted; {} counts instead (--duplicates {}: it {why})",
                s.student,
                group[keep].origin,
                policy.name()
            ),
        })
        .collect();
    Ok((kept, others))
}

/// The submission `--duplicates latest|first` keeps (the first in input order among equal
/// times) and why, or why none can be chosen (a timestamp missing or unreadable).
fn by_time(group: &[&Submission], policy: Duplicates) -> Result<(usize, String), String> {
    let mut times = vec![];
    for s in group {
        let raw = s.timestamp.as_deref();
        match raw.map(Timestamp::parse) {
            Some(Some(t)) => times.push(t),
            Some(None) => {
                return Err(format!(
                    "--duplicates {} cannot read the timestamp {:?} of {}; none of these submissions is graded",
                    policy.name(),
                    raw.unwrap_or(""),
                    s.origin
                ));
            }
            None => {
                return Err(format!(
                    "--duplicates {} needs a timestamp on each submission and {} has none; none of these submissions is graded",
                    policy.name(),
                    s.origin
                ));
            }
        }
    }
    let mut best = 0;
    for (i, t) in times.iter().enumerate() {
        let better = match policy {
            Duplicates::Latest => *t > times[best],
            _ => *t < times[best],
        };
        if better {
            best = i;
        }
    }
    let word = if policy == Duplicates::Latest {
        "later"
    } else {
        "earlier"
    };
    Ok((best, format!("submitted {word}")))
}

fn duplicate_rejection(s: &Submission, group: &[&Submission], why: &str) -> Rejection {
    let others: Vec<String> = group
        .iter()
        .filter(|o| o.origin != s.origin)
        .map(|o| o.origin.to_string())
        .collect();
    let mut d = Diagnostic::file(
        &s.origin.file,
        format!(
            "duplicate student id `{}`: also submitted in {}; {why}",
            s.student,
            others.join(", ")
        ),
    );
    d.line = s.origin.line;
    d.key = Some("student".into());
    Rejection::from_diagnostic(s.origin.clone(), d)
}

/// Grades one submission; `index` maps question ids to their position in the quiz (one look-up
/// per answer: grading is linear in the number of questions and answers).
pub fn grade_submission(
    quiz: &Quiz,
    index: &HashMap<&str, usize>,
    s: &Submission,
) -> StudentResult {
    let mut responses: Vec<Option<&Response>> = vec![None; quiz.questions.len()];
    let mut unknown = vec![];
    for (id, r) in &s.answers {
        match index.get(id.as_str()) {
            Some(&i) => {
                // The first answer counts, as a linear search would find it.
                if responses[i].is_none() {
                    responses[i] = Some(r);
                }
            }
            None => unknown.push(StudentNote {
                question: id.clone(),
                note: Note::UnknownQuestion(id.clone()),
            }),
        }
    }
    let mut notes = vec![];
    let outcomes: Vec<Outcome> = quiz
        .questions
        .iter()
        .zip(responses)
        .map(|(q, r)| {
            let o = grade::grade(q, r);
            notes.extend(o.notes.iter().map(|n| StudentNote {
                question: q.id.clone(),
                note: n.clone(),
            }));
            o
        })
        .collect();
    notes.extend(unknown);
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
    use crate::quiz::text::Lang;
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
            timestamp: None,
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
        let book = Gradebook::build(&quiz(), inputs, Duplicates::Reject);
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

    fn timed(
        student: &str,
        line: usize,
        q1: bool,
        at: Option<&str>,
    ) -> Result<Submission, Rejection> {
        let mut s = sub(student, "class.csv", Some(line), q1)?;
        s.timestamp = at.map(str::to_string);
        Ok(s)
    }

    fn settle_with(policy: Duplicates, inputs: Vec<Result<Submission, Rejection>>) -> Gradebook {
        let n = inputs.len();
        let book = Gradebook::build(&quiz(), inputs, policy);
        assert_eq!(book.inputs(), n, "nothing is lost");
        book
    }

    #[test]
    fn latest_first_and_best_keep_one_and_list_the_others() {
        let class = || {
            vec![
                timed("s1", 2, false, Some("2024-09-12 10:00:00")),
                timed("s1", 3, true, Some("9/12/2024 11:00:00 AM")),
                timed("s2", 4, true, Some("2024-09-12 09:00")),
            ]
        };
        let latest = settle_with(Duplicates::Latest, class());
        assert_eq!(latest.students[0].origin.line, Some(3));
        assert_eq!(latest.students[0].score, 1.0);
        assert_eq!(
            latest.not_counted[0].reason,
            "duplicate student id `s1`: not counted; class.csv:3 counts instead (--duplicates latest: it submitted later)"
        );
        assert_eq!(
            latest.tally(),
            "2 graded, 0 rejected, 1 not counted (duplicates)"
        );
        let first = settle_with(Duplicates::First, class());
        assert_eq!(first.students[0].origin.line, Some(2));
        assert_eq!(first.not_counted[0].origin.line, Some(3));
        let best = settle_with(Duplicates::Best, class());
        assert_eq!(best.students[0].origin.line, Some(3));
        let reject = settle_with(Duplicates::Reject, class());
        assert_eq!(reject.rejected.len(), 2);
        assert!(reject.not_counted.is_empty());
    }

    #[test]
    fn latest_without_a_readable_timestamp_rejects_the_group() {
        let book = settle_with(
            Duplicates::Latest,
            vec![
                timed("s1", 2, false, Some("2024-09-12 10:00:00")),
                timed("s1", 3, true, None),
            ],
        );
        assert_eq!(book.rejected.len(), 2);
        assert!(book.rejected[0].diagnostic.message.ends_with(
            "--duplicates latest needs a timestamp on each submission and class.csv:3 has none; none of these submissions is graded"
        ));
        let book = settle_with(
            Duplicates::First,
            vec![
                timed("s1", 2, false, Some("soon")),
                timed("s1", 3, true, Some("2024-09-12")),
            ],
        );
        assert!(
            book.rejected[1]
                .diagnostic
                .message
                .contains("cannot read the timestamp \"soon\"")
        );
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
            timestamp: None,
        };
        let quiz = quiz();
        let index = quiz
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.as_str(), i))
            .collect();
        let r = grade_submission(&quiz, &index, &s);
        // q1 right (1 point), q2 right (3 points: the string "false" is read as false, noted).
        assert_eq!(r.score, 4.0);
        assert_eq!(r.percent, 100.0);
        let notes: Vec<String> = r.notes.iter().map(|n| n.text(Lang::En)).collect();
        assert_eq!(
            notes,
            [
                "q2: accepted \"false\" as false",
                "q9: the quiz has no question `q9`; this answer is ignored",
            ]
        );
    }
}
