#!/usr/bin/env python3
"""Independent reference for the false-positive rates of the bundled chi-square checks.

For every bundled scenario with a [checks.chi_square] table, this computes the probability that
the check fails a *correct* sampler (the false-positive rate, which should be at most alpha),
without any of coinflip's code:

- asymptotic checks: simulation. numpy multinomial draws from each tested distribution, pooled
  by the rule of docs/statistics.md (re-implemented below), Pearson's X^2 or G, the p-value from
  scipy.stats.chi2.sf, and Holm over the tested distributions (some distribution fails exactly
  when the smallest p-value is <= alpha / m). Rates come with a 95% Clopper-Pearson interval.
- Monte Carlo checks: exact, by enumerating every possible sample. With T the statistic and
  S(t) = P(T >= (1 - 64 eps) t) its survival function, the p-value is (1 + K) / (R + 1) with
  K ~ Binomial(R, S(t_obs)), so the rate is sum_t P(T = t) P(K <= K_max), K_max the largest K
  with (1 + K) / (R + 1) <= alpha.

It also simulates, for the scenarios whose tested distributions have expected counts below 20,
the alternatives weighed in docs/statistics.md (Pearson or G, min_expected 5, 20, 50, 100).

Inputs: tests/reference/bundled_chi_square.json (the tested distributions and check settings,
written by `COINFLIP_UPDATE_REFERENCE=1 cargo test --test bundled_calibration reference_inputs`).
Output: tests/reference/bundled_calibration.json, read by tests/bundled_calibration.rs.

    python3 docs/scripts/calibration_reference.py [REPLICATIONS]   # default 400000; ~8 CPU-minutes
"""
import json
import math
import sys
from itertools import combinations

import numpy as np
import scipy
from scipy import stats

INPUTS = "tests/reference/bundled_chi_square.json"
OUTPUT = "tests/reference/bundled_calibration.json"
ALMOST_ONE = 1.0 - 64.0 * 2.0**-52
CHUNK = 50_000


def groups_of(p, n, m):
    """The bins of docs/statistics.md: lists of outcome indices, impossible bin last."""
    e = [n * x for x in p]
    kept = [i for i, x in enumerate(p) if x > 0 and e[i] >= m]
    pooled = [i for i, x in enumerate(p) if x > 0 and e[i] < m]
    impossible = [i for i, x in enumerate(p) if x == 0]
    if pooled:
        while n * sum(p[i] for i in pooled) < m and kept:
            j = min(kept, key=lambda i: (p[i], kept.index(i)))
            kept.remove(j)
            pooled.append(j)
    groups = [[i] for i in kept] + ([sorted(pooled)] if pooled else [])
    return groups, impossible


def statistic(observed, expected, kind):
    """X^2 or G of rows of observed bin counts (float arrays) against expected counts."""
    if kind == "pearson":
        return ((observed - expected) ** 2 / expected).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(observed > 0, observed * np.log(observed / expected), 0.0)
    return 2.0 * terms.sum(axis=-1)


def clopper_pearson(k, n):
    lower = 0.0 if k == 0 else stats.beta.ppf(0.025, k, n - k + 1)
    upper = 1.0 if k == n else stats.beta.ppf(0.975, k + 1, n - k)
    return float(lower), float(upper)


def simulate(contexts, n, alpha, kind, m, replications, seed):
    """False positives of the asymptotic check in `replications` simulated runs."""
    rng = np.random.default_rng(seed)
    binned = []
    for p in contexts:
        groups, impossible = groups_of(p, n, m)
        binned.append((np.asarray(p), groups, np.array([n * sum(p[i] for i in g) for g in groups])))
    threshold = alpha / len(contexts)
    count = 0
    for start in range(0, replications, CHUNK):
        size = min(CHUNK, replications - start)
        smallest = np.ones(size)
        for p, groups, expected in binned:
            counts = rng.multinomial(n, p / p.sum(), size=size)
            observed = np.stack([counts[:, g].sum(axis=1) for g in groups], axis=1).astype(float)
            pv = stats.chi2.sf(statistic(observed, expected, kind), len(groups) - 1)
            smallest = np.minimum(smallest, pv)
        count += int((smallest <= threshold).sum())
    lower, upper = clopper_pearson(count, replications)
    return {
        "dfs": [len(groups) - 1 for _, groups, _ in binned],
        "replications": replications,
        "count": count,
        "rate": count / replications,
        "lower": lower,
        "upper": upper,
    }


def compositions(n, k):
    """Every vector of k non-negative integers summing to n (stars and bars)."""
    for bars in combinations(range(n + k - 1), k - 1):
        edges = (-1,) + bars + (n + k - 1,)
        yield [edges[i + 1] - edges[i] - 1 for i in range(k)]


def monte_carlo_rejection(p, n, alpha, kind, replicates):
    """P(Monte Carlo p-value <= alpha) for one distribution under H0, exactly."""
    support = [x for x in p if x > 0]
    k = len(support)
    if math.comb(n + k - 1, k - 1) > 2_000_000:
        raise NotImplementedError("too many possible samples to enumerate")
    counts = np.array(list(compositions(n, k)), dtype=float)
    probs = np.asarray(support) / sum(support)
    log_pmf = (
        math.lgamma(n + 1)
        - np.array([sum(math.lgamma(c + 1) for c in row) for row in counts])
        + (counts * np.log(probs)).sum(axis=1)
    )
    pmf = np.exp(log_pmf)
    t = statistic(counts, n * probs, kind)
    order = np.argsort(t)
    t_sorted, pmf_sorted = t[order], pmf[order]
    tail = np.cumsum(pmf_sorted[::-1])[::-1]  # tail[i] = P(T >= t_sorted[i])
    survival = tail[np.searchsorted(t_sorted, ALMOST_ONE * t, side="left")]
    k_max = max(j for j in range(replicates + 1) if (1 + j) / (replicates + 1) <= alpha)
    return float((pmf * stats.binom.cdf(k_max, replicates, np.minimum(survival, 1.0))).sum())


def fingerprint(p):
    total = 0.0
    for i, x in enumerate(p):
        total += (i + 1) * x
    return total


def main():
    replications = int(sys.argv[1]) if len(sys.argv) > 1 else 400_000
    inputs = json.load(open(INPUTS))
    scenarios, alternatives = [], []
    for index, sc in enumerate(inputs["scenarios"]):
        check = sc["check"]
        contexts = [c["probs"] for c in sc["contexts"]]
        n, alpha = check["samples"], check["alpha"]
        entry = {
            "scenario": sc["scenario"],
            "check": check,
            "fingerprints": [fingerprint(p) for p in contexts],
        }
        if check["method"] == "monte-carlo":
            per = [monte_carlo_rejection(p, n, alpha / len(contexts), check["statistic"],
                                         check["replicates"]) for p in contexts]
            entry.update(method="exact", rate=1.0 - math.prod(1.0 - r for r in per))
        else:
            entry["method"] = "simulation"
            entry.update(simulate(contexts, n, alpha, check["statistic"],
                                  check["min_expected"], replications, 1000 + index))
        scenarios.append(entry)
        print(json.dumps({k: entry[k] for k in entry if k != "fingerprints"}), flush=True)
        if check["method"] == "asymptotic" and min(n * x for p in contexts for x in p if x > 0) < 20:
            for kind in ["g-test", "pearson"]:
                for m in [5, 20, 50, 100]:
                    alt = {"scenario": sc["scenario"], "statistic": kind, "min_expected": m}
                    alt.update(simulate(contexts, n, alpha, kind, m, replications, 2000 + index))
                    alternatives.append(alt)
                    print(json.dumps(alt), flush=True)
    out = {
        "generated_by": "docs/scripts/calibration_reference.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scenarios": scenarios,
        "alternatives": alternatives,
    }
    with open(OUTPUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
