"""Fitting the learned extractor's models on labelled documents (scikit-learn).

Deterministic: features are sorted, the solvers are deterministic and run to convergence,
and weights are rounded before they are written, so `make train` rebuilds the artefact byte
for byte, on any machine.

Convergence is what makes it machine-independent. With scikit-learn's default tolerance
(1e-4) newton-cg stopped 7 to 11 iterations in, up to 0.04 away from the optimum, and where it
stopped depended on the BLAS kernels the CPU selects: the same corpus and pinned versions gave
actor weights differing by up to 0.008 (bias -2.1624 vs -2.1784) between OpenBLAS's Haswell and
SkylakeX kernels. Run to a gradient of 1e-12, every fit agrees to about 1e-11 across the
kernels tried (Haswell, SkylakeX, Zen, Prescott, 1 or 2 threads), far below the 4 decimals
kept (1e-10 still left 1e-8; 1e-13 reaches the floating-point floor, where the multinomial fit
wanders by 1e-4). A fit that does not converge stops training with an error.
"""

from __future__ import annotations

import json
from collections import Counter

from tracker.extract import learned as L
from tracker.model import is_flow, may_be_dated_as_stock
from tracker.training.gold import (LabelledDoc, bare_name, source_matches, territory_matches,
                                   time_matches)

MODEL_FORMAT = 1
_DIGITS = 4  # decimals kept for every weight: enough for the decisions, stable across machines
_MIN_COUNT = 2  # a feature seen once teaches nothing that generalises
C_KEEP = 0.5
C_METRIC = 0.5
C_RANK = 0.5  # grouped CV: 4.0 gave +0.02 full-match on train/ folds but -0.15 on train-only -> dev
INNER_FOLDS = 4
MIN_STEP_CLAIMS = 40  # the fewest claims one step of the confidence calibration rests on
TOL = 1e-12  # newton-cg stops when every gradient component is below this (see the module doc)
MAX_ITER = 500  # the fits here converge in 10 to 14 iterations


def _logistic(C: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, solver="newton-cg", tol=TOL, max_iter=MAX_ITER)


def _fit_converged(model, X, y):
    """`model.fit(X, y)`, refusing a fit that stopped before converging: its weights would
    depend on the machine's floating-point path (the module doc)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            model.fit(X, y)
        except ConvergenceWarning as exc:
            raise RuntimeError(f"logistic regression did not converge to tol={TOL}: {exc}") from exc
    if max(model.n_iter_) >= MAX_ITER:
        raise RuntimeError(f"logistic regression did not converge in {MAX_ITER} iterations")
    return model


def _vectorise(rows: list[list[str]], vocabulary: dict[str, int]):
    from scipy.sparse import csr_matrix

    indptr, indices, data = [0], [], []
    for feats in rows:
        cols = sorted({vocabulary[f]: L.feature_value(f) for f in feats if f in vocabulary}.items())
        indices.extend(c for c, _ in cols)
        data.extend(v for _, v in cols)
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(rows), len(vocabulary)))


def _vocabulary(rows: list[list[str]]) -> dict[str, int]:
    counts = Counter(f for feats in rows for f in set(feats))
    kept = sorted(f for f, n in counts.items() if n >= _MIN_COUNT)
    return {f: i for i, f in enumerate(kept)}


def _weights(coef, vocabulary: dict[str, int]) -> dict[str, list[float]]:
    out = {}
    for f, i in vocabulary.items():
        w = [round(float(coef[c][i]), _DIGITS) for c in range(len(coef))]
        if any(w):
            out[f] = w
    return out


def _examples(docs: list[LabelledDoc], positives_only: bool):
    for doc in docs:
        for r, g, skip in zip(doc.readings, doc.gold_of, doc.ignore):
            if skip or (positives_only and g is None):
                continue
            yield r, g


def fit_keep(docs: list[LabelledDoc]) -> dict:
    """Binary: is the figure a claim at all."""
    pairs = list(_examples(docs, False))
    rows = [r.features for r, _ in pairs]
    labels = [int(g is not None) for _, g in pairs]
    vocabulary = _vocabulary(rows)
    if len(set(labels)) < 2:
        return {"bias": [10.0 if labels and labels[0] else -10.0], "weights": {}}
    model = _fit_converged(_logistic(C_KEEP), _vectorise(rows, vocabulary), labels)
    return {"bias": [round(float(model.intercept_[0]), _DIGITS)], "weights": _weights(model.coef_, vocabulary)}


def fit_metric(docs: list[LabelledDoc]) -> dict:
    """Multinomial over metrics, on the figures that are claims."""
    pairs = list(_examples(docs, True))
    rows = [r.features for r, _ in pairs]
    labels = [g["metric"] for _, g in pairs]
    vocabulary = _vocabulary(rows)
    classes = sorted(set(labels))
    if len(classes) < 2:
        return {"classes": classes, "bias": [0.0] * len(classes), "weights": {}}
    model = _fit_converged(_logistic(C_METRIC), _vectorise(rows, vocabulary), labels)
    coef, bias = model.coef_, model.intercept_
    classes = list(model.classes_)
    if len(classes) == 2:  # binary: one row of weights for the second class
        coef = [[-x / 2 for x in coef[0]], [x / 2 for x in coef[0]]]
        bias = [-bias[0] / 2, bias[0] / 2]
    return {"classes": classes, "bias": [round(float(b), _DIGITS) for b in bias],
            "weights": _weights(coef, vocabulary)}


def _time_options(r: L.Reading, metric: str) -> list[L.Alternative]:
    if may_be_dated_as_stock(metric):
        return r.flow_times + r.stock_times
    return r.flow_times if is_flow(metric) else r.stock_times


def _field_examples(doc: LabelledDoc, name: str):
    """(alternatives, labels, context) per reading with a gold claim."""
    for r, g in zip(doc.readings, doc.gold_of):
        if g is None:
            continue
        context = L.field_context(g["metric"])
        if name == "actor":
            alts = r.actors
            ok = [bare_name(a.value) == bare_name(g["actor"]) for a in alts]
        elif name == "territory":
            alts = r.territories
            ok = [territory_matches(a.value, g) for a in alts]
        elif name == "time":
            alts = _time_options(r, g["metric"])
            ok = [time_matches(a.value, g) for a in alts]
        else:
            alts = r.sources
            ok = [source_matches(a.value, g) for a in alts]
        if any(ok) and not all(ok):
            yield alts, ok, context


def fit_ranker(docs: list[LabelledDoc], name: str) -> dict:
    rows, labels = [], []
    for doc in docs:
        for alts, ok, context in _field_examples(doc, name):
            for alt, good in zip(alts, ok):
                rows.append(L.pair_features(alt, context))
                labels.append(int(good))
    vocabulary = _vocabulary(rows)
    if len(set(labels)) < 2:
        return {"bias": [0.0], "weights": {}}
    model = _fit_converged(_logistic(C_RANK), _vectorise(rows, vocabulary), labels)
    return {"bias": [round(float(model.intercept_[0]), _DIGITS)],
            "weights": _weights(model.coef_, vocabulary)}


def full_match(d: L.Decision, g: dict | None) -> bool:
    if g is None or d.metric != g["metric"] or bare_name(d.actor) != bare_name(g["actor"]):
        return False
    return (d.reading.claim.qualifier == g.get("qualifier") and time_matches(d.time, g)
            and territory_matches(d.territory, g) and source_matches(d.source, g))


def fit_decisions(docs: list[LabelledDoc]) -> dict:
    return {"keep": fit_keep(docs), "metric": fit_metric(docs), **{n: fit_ranker(docs, n) for n in ("actor", "territory", "time", "source")}}


def _calibration(scores: list[float], outcomes: list[int]) -> tuple[list[float], list[float]]:
    """Steps of observed precision over the raw score, monotone (isotonic regression), each
    step's share shrunk towards one half by one right and one wrong pseudo-claim: a step
    made of five claims that were all right says 0.86, not 1.0, so a high confidence needs
    many right claims behind it."""
    from sklearn.isotonic import IsotonicRegression

    if not scores:
        return [1.0], [0.5]
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    fitted = iso.fit_transform(scores, outcomes)
    steps: list[list[float]] = []  # [upper edge, right, claims]
    for score, level, outcome in sorted(zip(scores, fitted, outcomes)):
        if steps and abs(steps[-1][3] - level) < 1e-12:
            steps[-1][0] = score
            steps[-1][1] += outcome
            steps[-1][2] += 1
        else:
            steps.append([score, outcome, 1, level])
    # A step of few claims is joined to the one below it: without this, held out, claims
    # given 0.8 to 0.9 were right 13 times in 29.
    merged: list[list[float]] = []
    for step in steps:
        if merged and (merged[-1][2] < MIN_STEP_CLAIMS or step[2] < MIN_STEP_CLAIMS):
            merged[-1] = [step[0], merged[-1][1] + step[1], merged[-1][2] + step[2], step[3]]
        else:
            merged.append(list(step))
    # Shrunk shares, pooled again where the shrinking broke the order.
    pooled: list[list[float]] = []  # [upper edge, right + 1, claims + 2]
    for edge, right, n, _level in merged:
        pooled.append([edge, right + 1.0, n + 2.0])
        while len(pooled) > 1 and pooled[-2][1] / pooled[-2][2] > pooled[-1][1] / pooled[-1][2]:
            last = pooled.pop()
            pooled[-1] = [last[0], pooled[-1][1] + last[1] - 1.0, pooled[-1][2] + last[2] - 2.0]
    edges = [round(float(e), 6) for e, _, _ in pooled]
    values = [round(r / n, 3) for _, r, n in pooled]
    edges[-1] = 1.0
    return edges, values


def fit(docs: list[LabelledDoc], folds_of: list[int] | None = None) -> dict:
    """The whole model: decisions fitted on all `docs`; the confidence fitted on decisions
    made for documents the decision models did not see (inner folds by story)."""
    model = {"format": MODEL_FORMAT, **fit_decisions(docs)}
    folds_of = folds_of or [i % INNER_FOLDS for i in range(len(docs))]
    xs, ys = [], []
    for k in sorted(set(folds_of)):
        inner = fit_decisions([d for d, f in zip(docs, folds_of) if f != k])
        for doc, f in zip(docs, folds_of):
            if f != k:
                continue
            for r, g, skip in zip(doc.readings, doc.gold_of, doc.ignore):
                d = L.decide(inner, r)
                if d.metric == L.NONE or skip:
                    continue
                xs.append(L.confidence_features(d))
                ys.append(int(full_match(d, g)))
    if len(set(ys)) < 2:
        model["confidence"] = {"bias": 0.0, "weights": [0.0] * len(xs[0] if xs else []),
                               "bin_edges": [1.0], "bin_precision": [float(ys[0]) if ys else 0.5]}
        return model
    lr = _fit_converged(_logistic(1.0), xs, ys)
    weights = [round(float(w), _DIGITS) for w in lr.coef_[0]]
    bias = round(float(lr.intercept_[0]), _DIGITS)
    model["confidence"] = {"bias": bias, "weights": weights, "bin_edges": [1.0], "bin_precision": [0.5]}
    raw = [L.confidence_raw(model, x) for x in xs]
    edges, values = _calibration(raw, ys)
    model["confidence"].update(bin_edges=edges, bin_precision=values)
    return model


def dumps(model: dict) -> str:
    model = {k: v for k, v in model.items() if not k.startswith("_")}  # caches made at run time
    return json.dumps(model, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
