//! `coinflip generate`: a scenario from command-line options. The options become the text of a
//! scenario file ([`scenario_toml`]) and that text goes through the same parser and validation as
//! any file ([`crate::scenario::parse`]), so `generate` and `run` share one pipeline and
//! `--save-scenario` writes exactly the scenario that was run (with the corpus path made
//! relative to the saved file's folder).

use std::path::{Component, Path, PathBuf};

use crate::error::Diagnostic;
use crate::scenario::Scenario;

/// The options of `coinflip generate`, as scenario values (no clap here).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub corpus: PathBuf,
    pub tokenizer: String,
    pub lowercase: bool,
    pub order: i64,
    pub smoothing: String,
    pub k: Option<f64>,
    pub discount: Option<f64>,
    pub alpha: Option<f64>,
    pub prefix: String,
    pub samples: i64,
    pub max_tokens: i64,
    pub seed: u64,
    pub temperature: Option<f64>,
    pub top_k: Option<i64>,
    pub top_p: Option<f64>,
}

/// Each scenario key `generate` writes, and the option that sets it (for errors).
const FLAGS: [(&str, &str); 16] = [
    ("seed", "--seed"),
    ("corpus.path", "--corpus"),
    ("corpus", "--corpus"),
    ("model.tokenizer", "--tokenizer"),
    ("model.lowercase", "--lowercase"),
    ("model.order", "--order"),
    ("model.smoothing", "--smoothing"),
    ("model.k", "--k"),
    ("model.discount", "--discount"),
    ("model.alpha", "--alpha"),
    ("generate.prefix", "--prefix"),
    ("generate.samples", "--samples"),
    ("generate.max_tokens", "--max-tokens"),
    ("sampling.temperature", "--temperature"),
    ("sampling.top_k", "--top-k"),
    ("sampling.top_p", "--top-p"),
];

/// The option that sets scenario key `key`.
fn flag(key: &str) -> Option<&'static str> {
    FLAGS.iter().find(|(k, _)| *k == key).map(|(_, f)| *f)
}

/// The scenario file for `o`, its corpus written as `corpus_path`: every option, defaults
/// included, so the file says what was run.
pub fn scenario_toml(o: &Options, corpus_path: &str) -> String {
    use toml::{Table, Value};
    let mut corpus = Table::new();
    corpus.insert("path".into(), Value::String(corpus_path.into()));
    let mut model = Table::new();
    model.insert("order".into(), Value::Integer(o.order));
    model.insert("tokenizer".into(), Value::String(o.tokenizer.clone()));
    if o.lowercase {
        model.insert("lowercase".into(), Value::Boolean(true));
    }
    model.insert("smoothing".into(), Value::String(o.smoothing.clone()));
    for (key, v) in [("k", o.k), ("discount", o.discount), ("alpha", o.alpha)] {
        if let Some(v) = v {
            model.insert(key.into(), Value::Float(v));
        }
    }
    let mut generate = Table::new();
    generate.insert("prefix".into(), Value::String(o.prefix.clone()));
    generate.insert("samples".into(), Value::Integer(o.samples));
    generate.insert("max_tokens".into(), Value::Integer(o.max_tokens));
    let mut sampling = Table::new();
    if let Some(t) = o.temperature {
        sampling.insert("temperature".into(), Value::Float(t));
    }
    if let Some(k) = o.top_k {
        sampling.insert("top_k".into(), Value::Integer(k));
    }
    if let Some(p) = o.top_p {
        sampling.insert("top_p".into(), Value::Float(p));
    }
    // A seed above i64::MAX cannot be a TOML integer; validation would refuse it anyway.
    let seed = i64::try_from(o.seed).unwrap_or(-1);
    let mut text = format!(
        "# Written by `coinflip generate`: `coinflip run` on this file draws the same samples.\n\
         seed = {seed}\n\n"
    );
    let mut tables = Table::new();
    tables.insert("corpus".into(), Value::Table(corpus));
    tables.insert("model".into(), Value::Table(model));
    if !sampling.is_empty() {
        tables.insert("sampling".into(), Value::Table(sampling));
    }
    tables.insert("generate".into(), Value::Table(generate));
    // Each table on its own, in the order scenarios.md documents them.
    for name in ["corpus", "model", "sampling", "generate"] {
        if let Some(t) = tables.remove(name) {
            let mut one = Table::new();
            one.insert(name.into(), t);
            text.push_str(&toml::to_string(&one).expect("plain values serialize"));
            text.push('\n');
        }
    }
    text.truncate(text.trim_end().len());
    text.push('\n');
    text
}

/// The validated scenario `generate` runs (its corpus path as given, relative to the current
/// folder). Problems are phrased with the option that caused them (`--order: expected …`).
pub fn scenario(o: &Options) -> Result<Scenario, Vec<String>> {
    let path = o.corpus.to_string_lossy();
    let text = scenario_toml(o, &path);
    crate::scenario::parse(
        &text,
        Path::new("coinflip generate"),
        Path::new(""),
        "generate",
    )
    .map_err(|diags| diags.iter().map(option_message).collect())
}

/// A diagnostic about the generated scenario (from validation, or from running it: a corpus that
/// is not UTF-8), said with the option that set the key: `--corpus: data.txt: not valid UTF-8 …`.
pub fn option_message(d: &Diagnostic) -> String {
    match d.key.as_deref().and_then(flag) {
        Some(f) => format!("{f}: {}", d.message),
        None => d.headline(),
    }
}

/// The scenario text to save at `save`: as run, with the corpus path relative to the saved
/// file's folder (absolute when there is no such path, as between two Windows drives).
pub fn saved_toml(o: &Options, save: &Path) -> std::io::Result<String> {
    let corpus = o.corpus.canonicalize()?;
    let folder = match save.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let folder = folder.canonicalize()?;
    let shown = relative(&corpus, &folder).unwrap_or(corpus);
    Ok(scenario_toml(o, &crate::text::slashed(&shown)))
}

/// `path` relative to the folder `from` (both absolute), `None` when they share nothing but the
/// root (`../../home/…` from `/tmp` says less than the absolute path).
fn relative(path: &Path, from: &Path) -> Option<PathBuf> {
    let (p, f): (Vec<Component>, Vec<Component>) =
        (path.components().collect(), from.components().collect());
    let common = p.iter().zip(&f).take_while(|(a, b)| a == b).count();
    if common < 2 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Options {
        Options {
            corpus: "docs/classroom/corpus.txt".into(),
            tokenizer: "word".into(),
            order: 3,
            smoothing: "kneser-ney".into(),
            discount: Some(0.5),
            prefix: "say \"hi\"".into(),
            samples: 2,
            max_tokens: 10,
            seed: 7,
            top_k: Some(3),
            ..Options::default()
        }
    }

    #[test]
    fn the_file_holds_every_option_and_parses_back() {
        let text = scenario_toml(&options(), "corpus.txt");
        assert_eq!(
            text,
            "# Written by `coinflip generate`: `coinflip run` on this file draws the same \
             samples.\nseed = 7\n\n[corpus]\npath = \"corpus.txt\"\n\n[model]\ndiscount = 0.5\n\
             order = 3\nsmoothing = \"kneser-ney\"\ntokenizer = \"word\"\n\n[sampling]\n\
             top_k = 3\n\n[generate]\nmax_tokens = 10\nprefix = 'say \"hi\"'\nsamples = 2\n"
        );
        let sc = crate::scenario::parse(&text, Path::new("s.toml"), Path::new(""), "s").unwrap();
        assert_eq!((sc.seed, sc.sampling.top_k), (7, 3));
    }

    #[test]
    fn problems_name_the_option() {
        let mut o = options();
        o.order = 0;
        o.k = Some(2.0);
        let errors = scenario(&o).unwrap_err();
        assert_eq!(
            errors,
            [
                "--order: expected an integer from 1 to 16, found 0",
                "--k: `k` only applies to smoothing = \"add-k\"; remove it or set that smoothing"
            ]
        );
    }

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        let r = relative(Path::new("/a/b/c.txt"), Path::new("/a/d/e")).unwrap();
        assert_eq!(r, Path::new("../../b/c.txt"));
        assert_eq!(
            relative(Path::new("/a/c.txt"), Path::new("/a")).unwrap(),
            Path::new("c.txt")
        );
        assert_eq!(relative(Path::new("/home/c.txt"), Path::new("/tmp")), None);
    }
}
