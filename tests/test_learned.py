"""The learned layer: candidate readings, deterministic training, the shipped artefact,
confidence, story-grouped folds, and failures that are counted rather than swallowed."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED
from tracker import extract as extract_package
from tracker.extract import engine, extract, learned, load_model
from tracker.model import Document

GOLD = SHARED / "gold"


def doc(text: str, published: str = "2025-06-02", language: str = "en", doc_id: str = "t") -> Document:
    return Document(doc_id=doc_id, text=text, published=published, language=language,
                    publisher="Example Wire", url="https://example.org/x")


# --- candidate readings --------------------------------------------------------------------

def test_explore_adds_figures_the_rules_drop_without_changing_their_own_readings():
    text = ("The region, which covers some 26,500 square kilometres, has been shelled daily. "
            "Russian forces captured 210 square kilometres in May, the ministry said.")
    plain = engine.read_document(doc(text), "t")
    explored = engine.read_document(doc(text), "t", explore=True)
    rules = [c for c, _, _ in explored if "probe:" not in c.flags]
    assert [c.to_dict() for c in rules] == [c.to_dict() for c, _, _ in plain]
    probes = [c for c, _, _ in explored if "probe:" in c.flags]
    assert [c.value for c in probes] == [26500.0]  # the region's size: read, flagged, no rule claim
    assert any(f.startswith("probe:") for f in probes[0].flags.split(";"))


def test_candidates_offer_the_rules_choice_and_other_sides_and_places():
    text = ("Ukraine's army said on Monday that Russian troops had taken 64 square kilometres "
            "in the Pokrovsk direction over the past week.")
    readings = learned.read_candidates(doc(text), "t")
    assert len(readings) == 1
    r = readings[0]
    actors = {a.value: a.features for a in r.actors}
    assert "rules" in actors[r.claim.actor]
    assert {"Russia", "Ukraine"} <= set(actors)
    assert any("rules" in a.features for a in r.flow_times)
    assert any("past_week" in a.features for a in r.flow_times)
    assert any(a.value == "" for a in r.sources)  # "nobody" is always a choice


# --- extraction with the shipped model ------------------------------------------------------

def test_every_claim_carries_a_confidence_between_zero_and_one():
    text = ("Russian forces seized about 480 square kilometres of Ukrainian territory in October, "
            "according to an analysis of ISW data, and now hold 19.1% of the country.")
    claims = extract(doc(text, published="2025-11-03"))
    assert {c.metric for c in claims} == {"area_gained_km2", "share_controlled_pct"}
    gain = next(c for c in claims if c.metric == "area_gained_km2")
    # The period and the phrase that fixed it travel together, whoever chose them.
    assert (gain.period_start, gain.period_end, gain.period_text) == ("2025-10-01", "2025-10-31", "in October")
    for c in claims:
        assert c.confidence is not None and 0.0 <= c.confidence <= 1.0
        assert "probe:" not in c.flags


def test_a_document_without_figures_gives_no_claims():
    assert extract(doc("Talks resumed in Geneva on Tuesday, officials said.")) == []


def test_the_calibration_never_gives_a_lower_score_more_confidence():
    part = load_model()["confidence"]
    assert part["bin_precision"] == sorted(part["bin_precision"])
    assert part["bin_edges"] == sorted(part["bin_edges"]) and part["bin_edges"][-1] == 1.0
    assert all(0.0 <= p <= 1.0 for p in part["bin_precision"])


def test_a_failure_inside_extraction_is_logged_with_the_document_and_counted(monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise KeyError("lexicon entry")

    monkeypatch.setattr(extract_package, "extract_with_model", broken)
    before = extract_package.failures()
    with caplog.at_level(logging.WARNING, logger="tracker.extract"):
        assert extract(doc("Russian forces took 12 square kilometres.", doc_id="doc-77")) == []
    assert extract_package.failures() == before + 1
    assert "doc-77" in caplog.text and "KeyError" in caplog.text


# --- training -------------------------------------------------------------------------------

def _item(i: int, text: str, claims: list[dict], url: str | None = None) -> dict:
    return {"id": f"own-{i:03d}", "url": url or f"https://example.org/{i}", "publisher": "Example",
            "published": "2025-06-02", "language": "en", "conflict": "russia-ukraine",
            "text": text, "claims": claims, "distractors": []}


def _gain(value: float, surface: str, **extra) -> dict:
    claim = {"metric": "area_gained_km2", "value": value, "qualifier": "exact", "actor": "Russia",
             "territory": "Ukraine", "period_start": "2025-05-01", "period_end": "2025-05-31",
             "as_of": None, "attribution": "ISW", "surface": surface}
    claim.update(extra)
    return claim


def _own_items() -> list[dict]:
    items = []
    for i, km2 in enumerate((120, 95, 310, 74, 205, 160, 88, 142)):
        text = (f"Russian troops captured {km2} square kilometres in May, ISW said. "
                f"Engineers cleared {km2 + 7} square kilometres of mines near Kharkiv.")
        items.append(_item(i, text, [_gain(km2, f"{km2} square kilometres")]))
    items.append(_item(20, "The front line stretches for 1,200 kilometres, officials said.", []))
    return items


def test_training_is_deterministic_and_learns_from_the_labels():
    pytest.importorskip("sklearn")
    from tracker.training import fit
    from tracker.training.gold import label

    docs = [label(item) for item in _own_items()]
    assert sum(g is not None for d in docs for g in d.gold_of) == 8
    first = fit.dumps(fit.fit(docs))
    second = fit.dumps(fit.fit([label(item) for item in _own_items()]))
    assert first == second
    model = json.loads(first)
    # Held-out readings of the same two kinds: the capture is kept, the demined area is not.
    held_out = learned.read_candidates(doc(
        "Russian troops captured 133 square kilometres in May, ISW said. "
        "Engineers cleared 140 square kilometres of mines near Kharkiv."), "t")
    keep = {r.claim.value: learned.keep_probability(model, r) for r in held_out}
    assert keep[133.0] > 0.5 > keep[140.0]


def test_copies_of_one_story_never_sit_on_both_sides_of_a_fold():
    from tracker.training.gold import folds, story_groups

    items = [
        _item(1, "a", [_gain(701, "701")], url="https://a.example/story"),
        _item(2, "b", [_gain(701, "701")], url="https://b.example/copy"),  # same figure: a copy
        _item(3, "c", [], url="https://a.example/story"),  # same page
        _item(4, "d", [_gain(55, "55")]),
        _item(5, "e", [_gain(100, "100")]),  # 100 is too common to tie stories together
        _item(6, "f", [_gain(100, "100")]),
    ]
    groups = story_groups(items)
    assert groups[0] == groups[1] == groups[2]
    assert len({groups[3], groups[4], groups[5], groups[0]}) == 4
    fold_of = folds(groups, 3)
    assert fold_of[0] == fold_of[1] == fold_of[2]


@pytest.mark.skipif(not GOLD.is_dir(), reason="../shared/gold is absent: the artefact cannot be rebuilt here")
def test_the_shipped_model_is_what_make_train_builds():
    pytest.importorskip("sklearn")
    from tracker.training.train import build

    """Byte for byte on any machine: every fit runs to convergence (tracker/training/fit.py),
    so the CPU's BLAS kernels change the weights by about 1e-11, far below the 4 decimals
    written. A stale file means the corpus or the code changed, not the machine."""
    shipped = (REPO / "tracker" / "extract" / "model.json").read_text(encoding="utf-8")
    assert build(GOLD) == shipped, "tracker/extract/model.json is stale: run `make train` and commit it"


def test_training_refuses_a_solver_that_stopped_before_converging(monkeypatch):
    """An unconverged fit's weights depend on the machine's floating-point path (with the
    default tolerance they differed in the 3rd decimal between two CPUs): never written."""
    pytest.importorskip("sklearn")
    from tracker.training import fit
    from tracker.training.gold import label

    monkeypatch.setattr(fit, "MAX_ITER", 2)
    with pytest.raises(RuntimeError, match="did not converge"):
        fit.fit([label(item) for item in _own_items()])


def test_the_training_command_refuses_a_folder_without_a_corpus(tmp_path: Path, capsys):
    from tracker.training.__main__ import main

    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--gold", str(tmp_path), "--out", str(tmp_path / "m.json")])
    assert exit_info.value.code == 2
    assert "no gold corpus here" in capsys.readouterr().err
    assert not (tmp_path / "m.json").exists()


def test_tracker_extract_reports_documents_the_extractor_failed_on(monkeypatch, tmp_path: Path):
    from click.testing import CliRunner

    from tracker.cli import cli

    def broken(document, *_args, **_kwargs):
        if "poison" in document.text:
            raise IndexError("offset past the end")
        return []

    monkeypatch.setattr(extract_package, "extract_with_model", broken)
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"id": "ok", "text": "Nothing here."}) + "\n" +
                    json.dumps({"id": "bad", "text": "poison 12 km2"}) + "\n", encoding="utf-8")
    before = extract_package.failures()
    result = CliRunner().invoke(cli, ["extract", "--jsonl", str(docs), "--format", "jsonl"])
    assert result.exit_code == 1
    assert extract_package.failures() == before + 1
    assert "failed on" in result.stderr and "document(s)" in result.stderr


def test_the_rankers_fast_sum_is_the_linear_model_over_the_crossed_features():
    model = load_model()
    text = ("Ukraine's army said on Monday that Russian troops had taken 64 square kilometres "
            "in the Pokrovsk direction over the past week, and now hold 19% of Donetsk oblast.")
    for r in learned.read_candidates(doc(text), "t"):
        context = learned.field_context("area_gained_km2")
        for name, alternatives in (("actor", r.actors), ("time", r.flow_times), ("source", r.sources)):
            if len(alternatives) < 2:
                continue
            part = model[name]
            slow = [learned.linear_scores(part["weights"], part["bias"], learned.pair_features(a, context))[0]
                    for a in alternatives]
            best, p_best = learned.rank(model, name, alternatives, context)
            expected = learned._softmax(slow)
            assert best is alternatives[expected.index(max(expected))]
            assert p_best == pytest.approx(max(expected), abs=1e-9)
