//! The HTML pages of `coinflip quiz` (the class report, `--format html`, and feedback pages,
//! `--feedback-format html`), rendered with minijinja from the templates in `templates/`
//! (compiled in with `include_str!`). Every value is auto-escaped for HTML (the templates' names
//! end in `.html`), so text from a quiz or an answer file is shown, never run. The pages are
//! self-contained: inline CSS and SVG, no script, nothing fetched.

use minijinja::Environment;
use minijinja::value::{Serde, Value};
use serde::Serialize;

const FEEDBACK: &str = include_str!("templates/feedback.html");
const REPORT: &str = include_str!("templates/report.html");

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // The templates are part of the program: a syntax error in one is a bug, caught by the tests.
    env.add_template("feedback.html", FEEDBACK)
        .expect("templates/feedback.html parses");
    env.add_template("report.html", REPORT)
        .expect("templates/report.html parses");
    env
}

fn render(name: &str, key: &str, value: impl Serialize) -> String {
    let env = environment();
    let ctx = Value::from(Serde(std::collections::BTreeMap::from([(key, value)])));
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map(|mut s| {
            if !s.ends_with('\n') {
                s.push('\n');
            }
            s
        })
        .unwrap_or_else(|e| format!("<!-- template error: {e} -->\n"))
}

/// A student's feedback page.
pub fn feedback(view: &super::feedback::View) -> String {
    render("feedback.html", "v", view)
}

/// The class report page.
pub fn report(view: &super::export::html::View) -> String {
    render("report.html", "r", view)
}

#[cfg(test)]
mod tests {
    #[test]
    fn templates_parse() {
        let env = super::environment();
        assert!(env.get_template("feedback.html").is_ok());
        assert!(env.get_template("report.html").is_ok());
    }
}
