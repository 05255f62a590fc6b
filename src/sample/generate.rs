//! Generation: one step at a time ([`Sampler::step`], the rules of `docs/sampling.md`), a whole
//! sample ([`generate`]), and the same loop watched step by step ([`generate_observed`], for
//! `coinflip trace`), which lists every distribution as well and gives the same tokens.

use rand_chacha::ChaCha20Rng;
use serde::Serialize;

use super::hier::{Hier, MAX_PROPOSALS, Uniforms};
use super::memo::{Kept, MEMO_BYTES, Memo, NUCLEUS_DRAW_MAX, Nucleus};
use super::rank::{Head, Ranking};
use super::tail::{Tail, repeat_add};
use super::{Cumulative, DrawScratch, SamplerConfig, draw};
use crate::lm::{LanguageModel, Level, Plan, start_history};
use crate::tokenize::{BOS, EOS, TokenId};

/// Why a sample stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model drew the end-of-document token (and `stop_at_end` is on).
    EndOfDocument,
    /// `max_tokens` tokens were generated.
    MaxTokens,
    /// The model had no candidate to offer.
    DeadEnd,
}

impl StopReason {
    pub fn name(self) -> &'static str {
        match self {
            StopReason::EndOfDocument => "end_of_document",
            StopReason::MaxTokens => "max_tokens",
            StopReason::DeadEnd => "dead_end",
        }
    }
}

/// One step of generation, kept so a sample can be traced and analysed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Which of docs/sampling.md's draws picked the token.
    pub draw: Draw,
    /// The first uniform number the step drew.
    pub u: f64,
    /// How many uniforms the step drew (contract 2: one per level visited, more after a
    /// rejection).
    pub uniforms: u32,
    /// The token picked.
    pub token: TokenId,
    /// The model's probability of the picked token (before transforms), as `score` gives it.
    pub p_model: f64,
    /// The probability with which the sampler picked it (after the transforms, normalised):
    /// computed once, and shown as it is wherever it is shown. NaN only where [`generate`] did
    /// not need the normaliser to draw — temperature alone (it sums over every candidate) and
    /// top-p alone when the token was found before the end of the nucleus;
    /// [`generate_observed`] always computes it.
    pub p_sampled: f64,
    /// Context tokens the model used.
    pub context_len: usize,
}

/// Which draw of docs/sampling.md picked a step's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Draw {
    /// One uniform over the cumulative sums of the (transformed) listed distribution in ascending
    /// id: the flat draw (MLE) or the listed transforms. Each candidate has an interval of u.
    Flat,
    /// The hierarchical draw: one uniform per level visited (more after a rejection).
    Hierarchical,
    /// T = 0: the first candidate of the ranking (one uniform, unused).
    Greedy,
    /// Temperature alone: rejection from the hierarchical draw.
    Rejection,
    /// Top-k, or top-p with T = 1: over the kept candidates in ranking order.
    Ranking,
}

impl Draw {
    /// Whether each candidate has an interval of the step's single uniform (the flat draw).
    pub fn has_intervals(self) -> bool {
        self == Draw::Flat
    }

    /// How the trace names the draw.
    pub fn name(self) -> &'static str {
        match self {
            Draw::Flat => "flat",
            Draw::Hierarchical => "hierarchical",
            Draw::Greedy => "greedy",
            Draw::Rejection => "rejection",
            Draw::Ranking => "ranking",
        }
    }
}

/// Settings of one generation run.
#[derive(Debug, Clone, Copy)]
pub struct GenerateConfig {
    pub max_tokens: usize,
    pub stop_at_end: bool,
    pub sampler: SamplerConfig,
}

/// A generated continuation.
#[derive(Debug, Clone)]
pub struct Generated {
    pub tokens: Vec<TokenId>,
    pub steps: Vec<Step>,
    pub stopped: StopReason,
}

/// What one step of generation saw, for `coinflip trace`.
pub struct StepView<'a> {
    /// Everything so far, start padding included.
    pub history: &'a [TokenId],
    /// The model's distribution (ascending id), the values `prob` gives.
    pub model: &'a [(TokenId, f64)],
    /// The probabilities the sampler drew with (ascending id): the candidates that survived the
    /// transforms, each with exactly the `p_sampled` a step that picks it reports.
    pub sampled: &'a [(TokenId, f64)],
    pub step: Step,
}

/// What a step picked, before it becomes a [`Step`].
struct Picked {
    token: TokenId,
    p_model: f64,
    p_sampled: f64,
}

/// Draws tokens from one model with one sampler configuration, reusing its buffers from one
/// step to the next.
pub struct Sampler<'m> {
    model: &'m dyn LanguageModel,
    cfg: SamplerConfig,
    /// Watched (`generate_observed`): list the distributions, compute every `p_sampled`.
    observe: bool,
    levels: Vec<Level<'m>>,
    heads: Vec<Head>,
    flat: DrawScratch,
    dist: Vec<(TokenId, f64)>,
    order: Vec<(u64, u32)>,
    /// The transforms' survivors: (id, model probability, weight), in ranking order.
    kept: Vec<(TokenId, f64, f64)>,
    cumulative: Cumulative,
    /// Observed steps: the model's distribution and the sampled one.
    view_model: Vec<(TokenId, f64)>,
    view_sampled: Vec<(TokenId, f64)>,
    /// The tokens of the history that the distribution depends on: its last `order − 1`.
    context: usize,
    /// Per context (`memo.rs`; never consulted when watched): top-k's kept candidates,
    memo_ranked: Memo<Kept>,
    /// contract 1's listed survivors for MLE (flat) and for the other models,
    memo_flat: Memo<Kept>,
    memo_listed: Memo<Kept>,
    /// and the nucleus of top-p alone (kept when a step had to read it whole: reading every
    /// new context's nucleus whole to keep it made top-p alone 2–5× slower).
    memo_nucleus: Memo<Nucleus>,
    /// Top-k and top-p alone read a run of equal probabilities in closed form (`tail.rs`); off
    /// only in the tests that compare it with reading token by token.
    closed_form: bool,
}

impl<'m> Sampler<'m> {
    pub fn new(model: &'m dyn LanguageModel, cfg: SamplerConfig) -> Self {
        Self::with_memo(model, cfg, MEMO_BYTES)
    }

    /// A sampler whose per-context memos take at most `memo_bytes` together (0: none, every
    /// step computes everything). The tokens drawn do not depend on it.
    pub(super) fn with_memo(
        model: &'m dyn LanguageModel,
        cfg: SamplerConfig,
        memo_bytes: usize,
    ) -> Self {
        // A configuration fills one kind of memo (two for a model drawn flat after some
        // contexts and by levels after others).
        let limit = memo_bytes / 2;
        Sampler {
            model,
            cfg,
            observe: false,
            levels: Vec::new(),
            heads: Vec::new(),
            flat: DrawScratch::default(),
            dist: Vec::new(),
            order: Vec::new(),
            kept: Vec::new(),
            cumulative: Cumulative::default(),
            view_model: Vec::new(),
            view_sampled: Vec::new(),
            context: model.order().saturating_sub(1),
            memo_ranked: Memo::new(limit),
            memo_flat: Memo::new(limit),
            memo_listed: Memo::new(limit),
            memo_nucleus: Memo::new(limit),
            closed_form: true,
        }
    }

    /// The part of `history` the model's distribution depends on: the memos' key.
    fn context<'h>(&self, history: &'h [TokenId]) -> &'h [TokenId] {
        &history[history.len() - history.len().min(self.context)..]
    }

    /// One generation step after `history` (start padding included): the token and what it
    /// cost, or `None` when the model has no candidate.
    pub fn step(&mut self, history: &[TokenId], rng: &mut ChaCha20Rng) -> Option<Step> {
        let mut src = Uniforms::new(rng);
        let path = Path::of(&self.cfg);
        if path == Path::Truncated && self.cfg.top_k > 0 && !self.observe {
            // Top-k after a context seen before: one look-up, no plan, no ranking.
            let key = self.context(history);
            if let Some(kept) = self.memo_ranked.get(key) {
                let item = kept.items[kept.pick(src.next())?];
                return Some(Step {
                    draw: Draw::Ranking,
                    u: src.first,
                    uniforms: src.used,
                    token: item.id,
                    p_model: item.p_model,
                    p_sampled: item.p_sampled,
                    context_len: kept.context_len,
                });
            }
        }
        let ranked = matches!(path, Path::Greedy | Path::Tempered | Path::Truncated);
        let plan = self.model.plan(history, ranked, &mut self.levels);
        let (picked, context_len, draw) = match plan {
            None => {
                let (picked, context_len) = self.flat_step(history, &mut src)?;
                (picked, context_len, Draw::Flat)
            }
            Some(plan) => (
                self.plan_step(history, plan, path, &mut src)?,
                plan.context_len,
                path.draw(),
            ),
        };
        Some(Step {
            draw,
            u: src.first,
            uniforms: src.used,
            token: picked.token,
            p_model: picked.p_model,
            p_sampled: picked.p_sampled,
            context_len,
        })
    }

    /// Contract 1: MLE (and any model without levels), one uniform.
    fn flat_step(&mut self, history: &[TokenId], src: &mut Uniforms) -> Option<(Picked, usize)> {
        if !self.cfg.is_identity() {
            return self.listed(history, src, true);
        }
        let u = src.next();
        let d = draw(self.model, history, u, &mut self.flat)?;
        if self.observe {
            self.model.distribution(history, &mut self.view_model);
            let total = d.total;
            self.view_sampled.clear();
            self.view_sampled
                .extend(self.view_model.iter().map(|&(w, p)| (w, p / total)));
        }
        let picked = Picked {
            token: d.token,
            p_model: d.p,
            p_sampled: d.p / d.total,
        };
        Some((picked, d.context_len))
    }

    /// Contract 1's transforms over the listed distribution after `history`, one uniform, through
    /// the memo (`flat`: MLE's, else the other models'); with the context length the
    /// distribution used.
    fn listed(
        &mut self,
        history: &[TokenId],
        src: &mut Uniforms,
        flat: bool,
    ) -> Option<(Picked, usize)> {
        let key = &history[history.len() - history.len().min(self.context)..];
        let memo = if flat {
            &mut self.memo_flat
        } else {
            &mut self.memo_listed
        };
        if !self.observe
            && let Some(kept) = memo.get_mut(key)
        {
            let j = kept.pick(src.next())?;
            let item = &mut kept.items[j];
            // The model's probability of a survivor is asked for once, when first drawn.
            if item.p_model.is_nan() {
                item.p_model = self.model.prob(history, item.id).p;
            }
            let picked = Picked {
                token: item.id,
                p_model: item.p_model,
                p_sampled: item.p_sampled,
            };
            return Some((picked, kept.context_len));
        }
        let context_len = self.model.distribution(history, &mut self.dist);
        let picked = self.listed_transformed(history, src);
        if !self.observe {
            let drawn = picked.as_ref().map(|p| (p.token, p.p_model));
            let survivors = self.dist.iter().map(|&(id, w)| match drawn {
                Some((t, p)) if t == id => (id, p, w),
                _ => (id, f64::NAN, w),
            });
            let (kept, size) = Kept::new(survivors, self.cumulative.sums(), context_len);
            let memo = if flat {
                &mut self.memo_flat
            } else {
                &mut self.memo_listed
            };
            memo.insert(key, kept, size);
        }
        Some((picked?, context_len))
    }

    /// Contract 1's transforms over the listed distribution in `self.dist` (which the caller
    /// filled), one uniform.
    fn listed_transformed(&mut self, history: &[TokenId], src: &mut Uniforms) -> Option<Picked> {
        if self.observe {
            self.view_model.clone_from(&self.dist);
        }
        self.cfg.apply_with(&mut self.dist, &mut self.order);
        let u = src.next();
        self.cumulative.rebuild(self.dist.iter().map(|d| d.1));
        let j = self.cumulative.pick(u)?;
        let total = self.cumulative.total();
        let (token, w) = self.dist[j];
        if self.observe {
            self.view_sampled.clear();
            self.view_sampled
                .extend(self.dist.iter().map(|&(id, w)| (id, w / total)));
        }
        Some(Picked {
            token,
            p_model: self.model.prob(history, token).p,
            p_sampled: w / total,
        })
    }

    /// Contract 2: a model with levels.
    fn plan_step(
        &mut self,
        history: &[TokenId],
        plan: Plan,
        path: Path,
        src: &mut Uniforms,
    ) -> Option<Picked> {
        match path {
            Path::Plain => {
                let (token, drawn) = self.hier(history, plan).draw_located(src)?;
                let p = match drawn {
                    Some(at) => self.model.plan_prob_drawn(&self.levels, history, token, at),
                    None => self.model.plan_prob(&self.levels, history, token),
                };
                if self.observe {
                    self.model.distribution(history, &mut self.view_model);
                    self.view_sampled.clear();
                    let norm = plan.norm;
                    self.view_sampled
                        .extend(self.view_model.iter().map(|&(w, p)| (w, p / norm)));
                }
                Some(Picked {
                    token,
                    p_model: p,
                    p_sampled: p / plan.norm,
                })
            }
            Path::Greedy => {
                src.next();
                let (token, p) = self.ranking(plan).next()?;
                self.observe_kept(history, &[(token, 1.0)]);
                Some(Picked {
                    token,
                    p_model: p,
                    p_sampled: 1.0,
                })
            }
            Path::Tempered => self.tempered(history, plan, src),
            Path::Truncated => self.truncated(history, plan, src),
            Path::Listed => self.listed(history, src, false).map(|p| p.0),
        }
    }

    fn hier<'s>(&'s mut self, history: &'s [TokenId], plan: Plan) -> Hier<'s, 'm> {
        Hier {
            model: self.model,
            history,
            levels: &self.levels,
            exclusive: plan.exclusive,
            dist: &mut self.dist,
            cumulative: &mut self.cumulative,
        }
    }

    fn ranking(&mut self, plan: Plan) -> Ranking<'_, 'm> {
        Ranking::new(self.model, &self.levels, plan.nested, &mut self.heads)
    }

    /// Top-k (with temperature and top-p or not): the first k candidates of the ranking,
    /// weighted, cut, and drawn from in ranking order with one uniform. Top-p alone: [`Self::nucleus`].
    fn truncated(&mut self, history: &[TokenId], plan: Plan, src: &mut Uniforms) -> Option<Picked> {
        if self.cfg.top_k == 0 {
            return self.nucleus(history, plan, src);
        }
        let cfg = self.cfg;
        let mut kept = std::mem::take(&mut self.kept);
        kept.clear();
        let mut ranking = Ranking::new(self.model, &self.levels, plan.nested, &mut self.heads);
        while kept.len() < cfg.top_k {
            // The rest is one run of equal probabilities (add-k): no merge to do.
            if let Some(tail) = ranking.tail().filter(|_| self.closed_form) {
                tail.take_into(cfg.top_k - kept.len(), &mut kept);
                break;
            }
            let Some((w, p)) = ranking.next() else { break };
            kept.push((w, p, p));
        }
        weigh_and_cut(&mut kept, &cfg);
        let picked = self.draw_kept(history, &kept, src);
        if !self.observe {
            let (entry, size) = Kept::new(
                kept.iter().copied(),
                self.cumulative.sums(),
                plan.context_len,
            );
            let key = self.context(history);
            self.memo_ranked.insert(key, entry, size);
        }
        self.kept = kept;
        picked
    }

    /// One uniform, the draw over `kept` in ranking order; `p_sampled = w_j / C_m`.
    fn draw_kept(
        &mut self,
        history: &[TokenId],
        kept: &[(TokenId, f64, f64)],
        src: &mut Uniforms,
    ) -> Option<Picked> {
        let u = src.next();
        self.cumulative.rebuild(kept.iter().map(|k| k.2));
        let total = self.cumulative.total();
        let picked = self.cumulative.pick(u).map(|j| Picked {
            token: kept[j].0,
            p_model: kept[j].1,
            p_sampled: kept[j].2 / total,
        });
        if self.observe {
            let mut view: Vec<(TokenId, f64)> = kept.iter().map(|k| (k.0, k.2 / total)).collect();
            view.sort_by_key(|v| v.0);
            self.observe_kept(history, &view);
        }
        picked
    }

    /// Top-p alone (T = 1): the untransformed hierarchical draw proposes a token; the ranking is
    /// read until the token appears (it is in the nucleus: it is the token) or the nucleus is
    /// complete without it (then one more uniform draws from the nucleus, in ranking order).
    /// Exact, and a step reads the ranking only as far as its token, mostly.
    fn nucleus(&mut self, history: &[TokenId], plan: Plan, src: &mut Uniforms) -> Option<Picked> {
        let proposed = self.hier(history, plan).draw(src)?;
        self.nucleus_after(history, plan, proposed, src)
    }

    /// [`Self::nucleus`] once `proposed` is drawn.
    fn nucleus_after(
        &mut self,
        history: &[TokenId],
        plan: Plan,
        proposed: TokenId,
        src: &mut Uniforms,
    ) -> Option<Picked> {
        let key = self.context(history);
        if let Some(picked) = self.nucleus_memoised(history, proposed, src) {
            return picked;
        }
        let mut kept = std::mem::take(&mut self.kept);
        kept.clear();
        let mut ranking = Ranking::new(self.model, &self.levels, plan.nested, &mut self.heads);
        let top_p = self.cfg.top_p;
        let (mut run, mut found, mut complete) = (0.0, None, true);
        loop {
            // The rest is one run of equal probabilities (add-k): in closed form, not kept.
            if self.closed_form
                && !self.observe
                && let Some(tail) = ranking.tail()
            {
                if found.is_some() {
                    complete = false;
                    break;
                }
                let picked = self.nucleus_tail(&kept, run, tail, proposed, plan.norm, src);
                self.kept = kept;
                return picked;
            }
            let Some((w, p)) = ranking.next() else { break };
            kept.push((w, p, p));
            run += p / plan.norm;
            if w == proposed {
                found = Some(kept.len() - 1);
            }
            if run >= top_p {
                break;
            }
            // A watched step reads the whole nucleus, for its p_sampled and the trace's list.
            if found.is_some() && !self.observe {
                complete = false;
                break;
            }
        }
        let picked = match found {
            None => self.draw_kept(history, &kept, src),
            Some(j) => {
                let total: f64 = kept.iter().map(|k| k.2).fold(0.0, |a, b| a + b);
                if self.observe {
                    let mut view: Vec<(TokenId, f64)> =
                        kept.iter().map(|k| (k.0, k.2 / total)).collect();
                    view.sort_by_key(|v| v.0);
                    self.observe_kept(history, &view);
                }
                // Unwatched, a step that stops at its token knows the normaliser only when its
                // token ends the nucleus.
                let known = complete && (self.observe || (j + 1 == kept.len() && run >= top_p));
                Some(Picked {
                    token: proposed,
                    p_model: kept[j].1,
                    p_sampled: if known { kept[j].2 / total } else { f64::NAN },
                })
            }
        };
        // The whole nucleus was read: keep it (its draw's sums too when they were formed).
        if complete && !self.observe && self.memo_nucleus.get(key).is_none() {
            self.keep_nucleus(key, &kept, found.is_some(), run >= top_p);
        }
        self.kept = kept;
        picked
    }

    /// The memo's answer for top-p alone after `history`, once `proposed` is drawn: `Some` when
    /// the context's nucleus is kept and decides the step (the proposal is in it, or its draw's
    /// sums are kept), `None` when the ranking must be read.
    fn nucleus_memoised(
        &mut self,
        history: &[TokenId],
        proposed: TokenId,
        src: &mut Uniforms,
    ) -> Option<Option<Picked>> {
        let n = self
            .memo_nucleus
            .get(self.context(history))
            .filter(|_| !self.observe)?;
        if n.members.contains(proposed) {
            // The ranking's key of a token is its plan probability, bit for bit.
            let p = self.model.plan_prob(&self.levels, history, proposed);
            // Read up to the proposal, a step knows the normaliser only at the nucleus's end.
            let p_sampled = if proposed == n.last && n.reached {
                p / n.total
            } else {
                f64::NAN
            };
            return Some(Some(Picked {
                token: proposed,
                p_model: p,
                p_sampled,
            }));
        }
        let kept = n.draw.as_ref()?;
        Some(kept.pick(src.next()).map(|j| {
            let item = kept.items[j];
            Picked {
                token: item.id,
                p_model: item.p_model,
                p_sampled: item.p_sampled,
            }
        }))
    }

    /// Keeps a nucleus read whole (`kept`, in ranking order; `reached`: its running sum reached
    /// top-p), with its draw's running sums when it is short enough: formed here when the step
    /// took its proposal (`found`); otherwise the step's draw from the nucleus has just formed
    /// them.
    fn keep_nucleus(
        &mut self,
        key: &[TokenId],
        kept: &[(TokenId, f64, f64)],
        found: bool,
        reached: bool,
    ) {
        if found && kept.len() <= NUCLEUS_DRAW_MAX {
            self.cumulative.rebuild(kept.iter().map(|k| k.2));
        }
        let sums = (kept.len() <= NUCLEUS_DRAW_MAX).then(|| self.cumulative.sums());
        let (entry, size) = Nucleus::new(kept, sums, reached);
        self.memo_nucleus.insert(key, entry, size);
    }

    /// [`Self::nucleus`] once the rest of the ranking is `tail`, a run of equal probabilities,
    /// after `kept` (the tokens read, without the proposal) and their running sum `run` of
    /// `p / norm`: the same nucleus end, the same token and probabilities as reading the run
    /// token by token (`tail.rs`).
    fn nucleus_tail(
        &self,
        kept: &[(TokenId, f64, f64)],
        run: f64,
        tail: Tail,
        proposed: TokenId,
        norm: f64,
        src: &mut Uniforms,
    ) -> Option<Picked> {
        let top_p = self.cfg.top_p;
        let key = tail.key;
        // How much of the run the nucleus takes: up to the first sum of p / norm ≥ top-p.
        let (taken, _, reached) = repeat_add(run, key / norm, tail.len(), |r| r >= top_p);
        // The draw's sums of the weights p, in ranking order.
        let before: f64 = kept.iter().map(|k| k.2).fold(0.0, |a, b| a + b);
        let (_, total, _) = repeat_add(before, key, taken, |_| false);
        if let Some(t) = tail.rank_of(proposed).filter(|&t| t < taken) {
            return Some(Picked {
                token: proposed,
                p_model: key,
                // Only a step that read the nucleus to its end (where the sum reached top-p)
                // knows the normaliser.
                p_sampled: if t + 1 == taken && reached {
                    key / total
                } else {
                    f64::NAN
                },
            });
        }
        // Outside the nucleus: one more uniform, the draw over it in ranking order.
        let x = src.next() * total;
        let mut c = 0.0;
        for &(id, p_model, w) in kept {
            c += w;
            if x < c {
                return Some(Picked {
                    token: id,
                    p_model,
                    p_sampled: w / total,
                });
            }
        }
        if taken == 0 {
            // Nothing of the run is in the nucleus, so x ≥ C_m: the last token read.
            let &(token, p_model, w) = kept.last()?;
            return Some(Picked {
                token,
                p_model,
                p_sampled: w / total,
            });
        }
        let (i, _, _) = repeat_add(c, key, taken, |cj| x < cj);
        Some(Picked {
            token: tail.nth(i - 1),
            p_model: key,
            p_sampled: key / total,
        })
    }

    /// Temperature T < 1 alone: the untransformed hierarchical draw proposes a token w, a second
    /// uniform accepts it with probability `(p(w)/p_max)^(1/T − 1)`; after [`MAX_PROPOSALS`]
    /// refusals, contract 1's listed draw.
    fn tempered(&mut self, history: &[TokenId], plan: Plan, src: &mut Uniforms) -> Option<Picked> {
        let t = self.cfg.temperature;
        // (Not memoised: the ranking's first token is a few look-ups, and a memo's look-up and
        // insertion cost as much — much more for add-k, whose contexts rarely come back.)
        let (_, pmax) = self.ranking(plan).next()?;
        let lmax = libm::log(pmax);
        let mut accepted = None;
        for _ in 0..MAX_PROPOSALS {
            let token = self.hier(history, plan).draw(src)?;
            let p = self.model.plan_prob(&self.levels, history, token);
            let d = libm::log(p) - lmax;
            if src.next() < libm::exp(d / t - d) {
                accepted = Some((token, p));
                break;
            }
        }
        let Some((token, p)) = accepted else {
            return self.listed(history, src, false).map(|p| p.0);
        };
        let mut p_sampled = f64::NAN;
        if self.observe {
            // The normaliser of p^(1/T) needs every candidate: only a watched step pays for it.
            self.model.distribution(history, &mut self.view_model);
            let w = |q: f64| libm::exp((libm::log(q) - lmax) / t);
            let total: f64 = self.view_model.iter().map(|&(_, q)| w(q)).sum();
            self.view_sampled.clear();
            self.view_sampled
                .extend(self.view_model.iter().map(|&(id, q)| (id, w(q) / total)));
            let at = self.view_sampled.binary_search_by_key(&token, |v| v.0).ok();
            p_sampled = at.map_or(f64::NAN, |i| self.view_sampled[i].1);
        }
        Some(Picked {
            token,
            p_model: p,
            p_sampled,
        })
    }

    /// Observed steps: the model's distribution and the given sampled one.
    fn observe_kept(&mut self, history: &[TokenId], sampled: &[(TokenId, f64)]) {
        if self.observe {
            self.model.distribution(history, &mut self.view_model);
            self.view_sampled.clear();
            self.view_sampled.extend_from_slice(sampled);
        }
    }
}

/// How a model with levels is drawn from under a sampler configuration (contract 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// No transform: the hierarchical draw.
    Plain,
    /// T = 0: the first candidate of the ranking.
    Greedy,
    /// 0 < T < 1 alone: rejection from the hierarchical draw.
    Tempered,
    /// Top-k, or top-p with T = 1: the first candidates of the ranking.
    Truncated,
    /// T > 1 alone, or T ≠ 1 with top-p and no top-k: contract 1 over the listed distribution
    /// (its normaliser needs every candidate).
    Listed,
}

impl Path {
    /// The draw this path makes.
    fn draw(self) -> Draw {
        match self {
            Path::Plain => Draw::Hierarchical,
            Path::Greedy => Draw::Greedy,
            Path::Tempered => Draw::Rejection,
            Path::Truncated => Draw::Ranking,
            Path::Listed => Draw::Flat,
        }
    }

    fn of(cfg: &SamplerConfig) -> Path {
        if cfg.is_identity() {
            Path::Plain
        } else if cfg.temperature == 0.0 {
            Path::Greedy
        } else if cfg.top_k > 0 || cfg.temperature == 1.0 {
            Path::Truncated
        } else if cfg.top_p >= 1.0 && cfg.temperature < 1.0 {
            Path::Tempered
        } else {
            Path::Listed
        }
    }
}

/// The top-k survivors' weights (temperature: `exp((ln p − ln p_1)/T)`, zeros dropped), then
/// top-p over them normalised, in ranking order.
fn weigh_and_cut(kept: &mut Vec<(TokenId, f64, f64)>, cfg: &SamplerConfig) {
    if kept.is_empty() {
        return;
    }
    if cfg.temperature != 1.0 {
        let lmax = libm::log(kept[0].1);
        // Equal probabilities (common: followers seen equally often) share their weight.
        let mut last = (f64::NAN, 0.0);
        for k in kept.iter_mut() {
            if k.1 != last.0 {
                last = (k.1, libm::exp((libm::log(k.1) - lmax) / cfg.temperature));
            }
            k.2 = last.1;
        }
        kept.retain(|k| k.2 > 0.0);
    }
    if cfg.top_p < 1.0 {
        let total: f64 = kept.iter().map(|k| k.2).sum();
        let mut run = 0.0;
        for r in 0..kept.len() {
            run += kept[r].2 / total;
            if run >= cfg.top_p {
                kept.truncate(r + 1);
                break;
            }
        }
    }
}

/// Generates one sample after `prefix` from `rng` (see [`Sampler::step`]). With `stop_at_end`
/// off, a drawn `</s>` is kept and the context starts a new document. For many samples from one
/// model, a [`Generator`] gives the same samples faster.
pub fn generate(
    model: &dyn LanguageModel,
    prefix: &[TokenId],
    cfg: &GenerateConfig,
    rng: &mut ChaCha20Rng,
) -> Generated {
    Generator::new(model, cfg).generate(prefix, rng)
}

/// Generates samples from one model with one configuration, keeping one [`Sampler`] — and so
/// what it remembers per context for the transforms — from one sample to the next. Each sample
/// is exactly what [`generate`] gives for the same stream.
pub struct Generator<'m> {
    sampler: Sampler<'m>,
    cfg: GenerateConfig,
}

impl<'m> Generator<'m> {
    pub fn new(model: &'m dyn LanguageModel, cfg: &GenerateConfig) -> Self {
        Generator {
            sampler: Sampler::new(model, cfg.sampler),
            cfg: *cfg,
        }
    }

    /// One sample after `prefix` from `rng`.
    pub fn generate(&mut self, prefix: &[TokenId], rng: &mut ChaCha20Rng) -> Generated {
        run(&mut self.sampler, prefix, &self.cfg, rng, |_| {})
    }
}

/// [`generate`], calling `observe` after every step with the distributions it drew from.
pub fn generate_observed(
    model: &dyn LanguageModel,
    prefix: &[TokenId],
    cfg: &GenerateConfig,
    rng: &mut ChaCha20Rng,
    observe: impl FnMut(&StepView),
) -> Generated {
    // A watched sampler computes every step in full (it never consults its memos).
    let mut sampler = Sampler::with_memo(model, cfg.sampler, 0);
    sampler.observe = true;
    run(&mut sampler, prefix, cfg, rng, observe)
}

fn run(
    sampler: &mut Sampler,
    prefix: &[TokenId],
    cfg: &GenerateConfig,
    rng: &mut ChaCha20Rng,
    mut observe: impl FnMut(&StepView),
) -> Generated {
    let order = sampler.model.order();
    let watched = sampler.observe;
    let mut history = start_history(prefix, order);
    let mut tokens = Vec::with_capacity(cfg.max_tokens);
    let mut steps = Vec::with_capacity(cfg.max_tokens);
    let mut stopped = StopReason::MaxTokens;
    while tokens.len() < cfg.max_tokens {
        let Some(step) = sampler.step(&history, rng) else {
            stopped = StopReason::DeadEnd;
            break;
        };
        if watched {
            observe(&StepView {
                history: &history,
                model: &sampler.view_model,
                sampled: &sampler.view_sampled,
                step,
            });
        }
        steps.push(step);
        tokens.push(step.token);
        if advance(&mut history, step.token, order, cfg.stop_at_end) {
            stopped = StopReason::EndOfDocument;
            break;
        }
    }
    Generated {
        tokens,
        steps,
        stopped,
    }
}

/// Appends `token` to the history (a drawn `</s>` starts a new document); true when generation
/// stops there.
fn advance(history: &mut Vec<TokenId>, token: TokenId, order: usize, stop_at_end: bool) -> bool {
    if token == EOS {
        if stop_at_end {
            return true;
        }
        history.clear();
        history.extend(std::iter::repeat_n(BOS, order - 1));
    } else {
        history.push(token);
    }
    // Only the last order - 1 tokens matter; keep the history short.
    if history.len() > 4 * order + 64 {
        history.drain(..history.len() - (order - 1));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Corpus, DocumentSplit, TokenizedCorpus, split_documents};
    use crate::lm::Estimator;
    use crate::lm::ngram::NgramModel;
    use crate::sample::{Domain, stream};
    use crate::tokenize::{Tokenizer, TokenizerKind};

    const WEATHER: &str = include_str!("../../scenarios/corpora/weather.txt");

    /// The models with levels, and MLE of orders 1–3.
    fn models() -> Vec<Box<dyn LanguageModel>> {
        let c = TokenizedCorpus::build(
            &Corpus {
                documents: split_documents(WEATHER, DocumentSplit::Lines),
            },
            Tokenizer {
                kind: TokenizerKind::Whitespace,
                lowercase: false,
            },
        );
        let mut v = super::super::rank::tests::models();
        for order in [1, 2, 3] {
            v.push(Box::new(NgramModel::train(&c, order, Estimator::Mle)));
        }
        v
    }

    fn settings() -> Vec<SamplerConfig> {
        let c = |temperature, top_k, top_p| SamplerConfig {
            temperature,
            top_k,
            top_p,
        };
        vec![
            c(0.8, 5, 0.93),
            c(0.8, 40, 0.95),
            c(1.0, 3, 1.0),
            c(1.3, 4, 0.7),
            c(1.0, 0, 0.9),
            c(1.0, 0, 0.5),
            c(1.0, 0, 0.999),
            c(1.0, 0, 1.0 - f64::EPSILON / 2.0),
            c(0.6, 0, 1.0),
            c(0.05, 0, 1.0),
            c(1.5, 0, 1.0),
            c(0.7, 0, 0.9),
            c(0.0, 0, 1.0),
        ]
    }

    /// Top-p alone after many contexts, with every candidate as the proposal (so the rare ends
    /// are met: the proposal last in a nucleus, a nucleus that ends where the candidates do):
    /// with the memo and the closed form, the same token, probabilities and uniforms as read
    /// token by token.
    #[test]
    fn the_nucleus_is_read_the_same_every_way() {
        for m in models() {
            let v = m.vocab();
            let words: Vec<TokenId> = ["the", "sky", "rain", "and", ".", "town", "</s>"]
                .iter()
                .filter_map(|w| v.get(w))
                .collect();
            let mut histories = vec![start_history(&[], m.order())];
            for &a in &words {
                for &b in &words {
                    histories.push(start_history(&[a, b], m.order()));
                }
            }
            let ids: Vec<TokenId> = (0..v.len() as TokenId).collect();
            for top_p in [0.3, 0.9, 0.999, 1.0 - f64::EPSILON / 2.0] {
                let cfg = SamplerConfig {
                    top_p,
                    ..Default::default()
                };
                let mut fast = Sampler::new(m.as_ref(), cfg);
                let mut slow = Sampler::with_memo(m.as_ref(), cfg, 0);
                slow.closed_form = false;
                for h in &histories {
                    let Some(plan) = m.plan(h, true, &mut fast.levels) else {
                        continue;
                    };
                    m.plan(h, true, &mut slow.levels);
                    // Twice: the second time from the memo.
                    for (round, &w) in ids.iter().chain(&ids).enumerate() {
                        let draw = |s: &mut Sampler| {
                            let mut rng = stream(1, Domain::Generate, round as u64);
                            let mut src = Uniforms::new(&mut rng);
                            let p = s.nucleus_after(h, plan, w, &mut src);
                            let bits =
                                p.map(|p| (p.token, p.p_model.to_bits(), p.p_sampled.to_bits()));
                            (bits, src.used)
                        };
                        assert_eq!(
                            draw(&mut fast),
                            draw(&mut slow),
                            "{h:?} proposing {w}, top-p {top_p}"
                        );
                    }
                }
            }
        }
    }

    /// A step as bits (NaN included), for exact comparison.
    fn bits(s: &Step) -> (Draw, u64, u32, TokenId, u64, u64, usize) {
        let b = f64::to_bits;
        let (u, p, q) = (b(s.u), b(s.p_model), b(s.p_sampled));
        (s.draw, u, s.uniforms, s.token, p, q, s.context_len)
    }

    /// Samples 0..n of one configuration: each from a fresh sampler without memo or closed form,
    /// from one
    /// generator (its memos filled by the samples before), and from one with a tiny memo (full
    /// after a few contexts), are the same steps bit for bit; so are the watched ones.
    #[test]
    fn the_memo_changes_no_step() {
        let mut used = vec![0; settings().len()];
        for m in models() {
            for (setting, sampler) in settings().into_iter().enumerate() {
                let cfg = GenerateConfig {
                    max_tokens: 60,
                    stop_at_end: false,
                    sampler,
                };
                let mut generator = Generator::new(m.as_ref(), &cfg);
                let mut tiny = Sampler::with_memo(m.as_ref(), sampler, 4096);
                for i in 0..8 {
                    let rng = || stream(7, Domain::Generate, i);
                    let mut bare = Sampler::with_memo(m.as_ref(), sampler, 0);
                    bare.closed_form = false;
                    let want = run(&mut bare, &[], &cfg, &mut rng(), |_| {});
                    let want: Vec<_> = want.steps.iter().map(bits).collect();
                    let got = generator.generate(&[], &mut rng());
                    let got: Vec<_> = got.steps.iter().map(bits).collect();
                    assert_eq!(got, want, "{sampler:?} sample {i}, order {}", m.order());
                    let small = run(&mut tiny, &[], &cfg, &mut rng(), |_| {});
                    let small: Vec<_> = small.steps.iter().map(bits).collect();
                    assert_eq!(small, want, "{sampler:?} sample {i} (tiny memo)");
                    let watched = generate_observed(m.as_ref(), &[], &cfg, &mut rng(), |_| {});
                    let watched: Vec<_> = watched.steps.iter().map(|s| s.token).collect();
                    let tokens: Vec<_> = want.iter().map(|s| s.3).collect();
                    assert_eq!(watched, tokens, "{sampler:?} sample {i} (watched)");
                    let s = &generator.sampler;
                    used[setting] += s.memo_ranked.len()
                        + s.memo_flat.len()
                        + s.memo_listed.len()
                        + s.memo_nucleus.len();
                }
            }
        }
        // The memo was used (greedy has none: its ranking stops at the first token).
        for (n, sampler) in used.iter().zip(settings()) {
            assert!(
                *n > 0 || sampler.temperature == 0.0,
                "{sampler:?}: nothing kept"
            );
        }
    }
}
