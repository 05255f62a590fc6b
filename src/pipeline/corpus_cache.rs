//! Corpora shared by the scenarios of one run: each distinct (files or text, document split,
//! tokenizer) is read, split and tokenized once, and its remix index built once, however many
//! scenarios train on it and however many threads run them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use crate::corpus::{Corpus, CorpusSource, TokenizedCorpus};
use crate::error::Diagnostic;
use crate::pipeline::discover::shown;
use crate::remix::CorpusIndex;
use crate::scenario::{CorpusSpec, Scenario};
use crate::tokenize::{TokenId, Tokenizer};

/// Tokenized corpora shared by the scenarios of one run.
#[derive(Default)]
pub struct CorpusCache {
    slots: Mutex<HashMap<CorpusKey, Arc<CorpusSlot>>>,
}

/// A corpus loaded once (or the error loading it gave), and its remix index built once.
#[derive(Default)]
struct CorpusSlot {
    corpus: OnceLock<Result<Arc<TokenizedCorpus>, Diagnostic>>,
    index: OnceLock<Result<Arc<CorpusIndex>, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CorpusKey {
    source: CorpusSource,
    documents: crate::corpus::DocumentSplit,
    tokenizer: Tokenizer,
}

impl CorpusCache {
    /// The tokenized corpus of a scenario, loading it on first use.
    pub fn get(
        &self,
        sc: &Scenario,
        spec: &CorpusSpec,
        tokenizer: Tokenizer,
    ) -> Result<Arc<TokenizedCorpus>, Diagnostic> {
        let slot = self.slot(sc, spec, tokenizer);
        slot.corpus
            .get_or_init(|| load_corpus(sc, spec, tokenizer).map(Arc::new))
            .clone()
    }

    /// The remix index of a scenario's corpus (which must have loaded), built on first use and
    /// shared by every scenario with the same corpus and tokenizer; or why it cannot be built.
    pub fn index(
        &self,
        sc: &Scenario,
        spec: &CorpusSpec,
        tokenizer: Tokenizer,
    ) -> Result<Arc<CorpusIndex>, String> {
        let corpus = self.get(sc, spec, tokenizer).map_err(|d| d.message)?;
        let slot = self.slot(sc, spec, tokenizer);
        slot.index
            .get_or_init(|| {
                // Each document ends with </s>, so a sample that ends where a document ends
                // matches it; a match still never runs from one document into the next.
                let docs: Vec<Vec<TokenId>> = corpus
                    .documents
                    .iter()
                    .map(|d| {
                        let mut v = d.clone();
                        v.push(crate::tokenize::EOS);
                        v
                    })
                    .collect();
                CorpusIndex::try_build(&docs)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
    }

    fn slot(&self, sc: &Scenario, spec: &CorpusSpec, tokenizer: Tokenizer) -> Arc<CorpusSlot> {
        let source = match &spec.source {
            CorpusSource::Text(t) => CorpusSource::Text(t.clone()),
            CorpusSource::Files(fs) => CorpusSource::Files(
                fs.iter()
                    .map(|f| {
                        let p = sc.dir.join(f);
                        p.canonicalize().unwrap_or(p)
                    })
                    .collect(),
            ),
        };
        let key = CorpusKey {
            source,
            documents: spec.documents,
            tokenizer,
        };
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(key).or_default().clone()
    }
}

/// Reads, splits and tokenizes a scenario's corpus; errors point at the scenario key naming it.
fn load_corpus(
    sc: &Scenario,
    spec: &CorpusSpec,
    tokenizer: Tokenizer,
) -> Result<TokenizedCorpus, Diagnostic> {
    let at = |i: usize, key: &str, msg: String| {
        Diagnostic::at(
            &sc.file,
            &sc.source,
            spec.spans.get(i).cloned(),
            Some(key.to_string()),
            msg,
        )
    };
    let mut documents = Vec::new();
    match &spec.source {
        CorpusSource::Text(t) => {
            documents.extend(crate::corpus::split_documents(
                &crate::input::normalize_text(t),
                spec.documents,
            ));
        }
        CorpusSource::Files(files) => {
            let key = if files.len() == 1 && !sc.source.contains("paths") {
                "corpus.path"
            } else {
                "corpus.paths"
            };
            for (i, f) in files.iter().enumerate() {
                let full = sc.dir.join(f);
                let shown_path = PathBuf::from(shown(&full));
                let text = crate::corpus::read_text(&full, &shown_path)
                    .map_err(|d| at(i, key, format!("{}: {}", d.file.display(), d.message)))?;
                let docs = crate::corpus::split_documents(&text, spec.documents);
                if docs.is_empty() {
                    return Err(at(
                        i,
                        key,
                        format!(
                            "{}: the file is empty (no text to train on)",
                            shown_path.display()
                        ),
                    ));
                }
                documents.extend(docs);
            }
        }
    }
    let corpus = TokenizedCorpus::build(&Corpus { documents }, tokenizer);
    if corpus.token_count() == 0 {
        return Err(at(
            0,
            "corpus",
            "the corpus has no tokens to train on".to_string(),
        ));
    }
    Ok(corpus)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A model scenario in `dir` whose corpus is `corpus` (a `path = …` or `text = …` line).
    fn scenario(dir: &Path, corpus: &str, tokenizer: &str) -> Scenario {
        let src = format!(
            "[corpus]\n{corpus}\n[model]\norder = 2\ntokenizer = \"{tokenizer}\"\n[generate]\nsamples = 1\n"
        );
        crate::scenario::parse(&src, &dir.join("s.toml"), dir, "s").unwrap()
    }

    fn get(cache: &CorpusCache, sc: &Scenario) -> Result<Arc<TokenizedCorpus>, Diagnostic> {
        let crate::scenario::ScenarioKind::Model {
            corpus: Some(spec),
            model,
            ..
        } = &sc.kind
        else {
            panic!("a model scenario with a corpus")
        };
        cache.get(sc, spec, model.tokenizer)
    }

    #[test]
    fn one_corpus_is_loaded_once_whatever_path_names_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("c.txt"), "a b a c\n").unwrap();
        let cache = CorpusCache::default();
        let a = get(&cache, &scenario(dir.path(), "path = \"c.txt\"", "word")).unwrap();
        let b = get(
            &cache,
            &scenario(&dir.path().join("sub"), "path = \"../c.txt\"", "word"),
        )
        .unwrap();
        assert!(Arc::ptr_eq(&a, &b), "the same file is read once");
        assert_eq!(a.token_count(), 4);
        // Another tokenizer is another corpus.
        let chars = get(&cache, &scenario(dir.path(), "path = \"c.txt\"", "char")).unwrap();
        assert!(!Arc::ptr_eq(&a, &chars));
        // Inline text is keyed by the text itself.
        let t1 = get(&cache, &scenario(dir.path(), "text = \"x y\"", "word")).unwrap();
        let t2 = get(&cache, &scenario(dir.path(), "text = \"x y\"", "word")).unwrap();
        assert!(Arc::ptr_eq(&t1, &t2));
    }

    #[test]
    fn the_remix_index_is_built_once_and_a_load_error_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("c.txt"), "a b a c\n").unwrap();
        let cache = CorpusCache::default();
        let sc = scenario(dir.path(), "path = \"c.txt\"", "word");
        let crate::scenario::ScenarioKind::Model {
            corpus: Some(spec),
            model,
            ..
        } = &sc.kind
        else {
            unreachable!()
        };
        let i1 = cache.index(&sc, spec, model.tokenizer).unwrap();
        let i2 = cache.index(&sc, spec, model.tokenizer).unwrap();
        assert!(Arc::ptr_eq(&i1, &i2));
        // A missing file is an error at the scenario's corpus key, for every scenario naming it.
        let missing = scenario(dir.path(), "path = \"gone.txt\"", "word");
        let e = get(&cache, &missing).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("corpus.path"));
        assert!(e.message.contains("gone.txt"), "{}", e.message);
        assert_eq!(get(&cache, &missing).unwrap_err(), e);
    }
}
