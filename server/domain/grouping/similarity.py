"""Pairwise scores between teams, and why two teams fit.

Rules:
- ``score(i, j) = text * cosine + tags * jaccard + stage * same``, with the
  weights scaled to sum to 1: symmetric, in [0, 1], 0 on the diagonal.
- Text: the TF-IDF cosine of challenge + request (``text.py``); a team that
  wrote nothing is like no one.
- Tags: the Jaccard index of the two tag sets, without regard to case; two
  teams with no tags share nothing (0, not 1).
- Stage: 1 when both name the same stage (without regard to case), else 0; an
  empty stage matches nothing.
- Shared terms are the terms both texts contain, best first by what they add
  to the cosine (the product of the two weights), ties alphabetical. A two-word
  term is shown only if it stands as written in both texts ("mentor time", not
  "time new" left behind by a dropped "with"), and a term sharing a word with a
  better one is skipped, so "mentor time" is not followed by "mentor" (nor
  "mentor" by "mentors").
- Deterministic: the same profiles and weights always give the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.domain.grouping.explain import explanation, folded
from server.domain.grouping.profile import Profile
from server.domain.grouping.text import TextModel, text_model
from server.domain.grouping.weights import DEFAULT_WEIGHTS, Weights


class Similarity:
    """Pairwise scores for a list of profiles, and why two teams fit."""

    __slots__ = ("_text", "profiles", "scores", "weights")

    def __init__(
        self,
        profiles: Sequence[Profile],
        scores: list[list[float]],
        *,
        weights: Weights = DEFAULT_WEIGHTS,
        text: TextModel | None = None,
    ) -> None:
        """Scores as given (``similarity`` computes them); without a text model no terms
        are shared, which suits scores set by hand."""
        count = len(profiles)
        if len(scores) != count or any(len(row) != count for row in scores):
            raise ValueError(f"scores must be {count} rows of {count}: one per pair of profiles")
        self.profiles: tuple[Profile, ...] = tuple(profiles)
        self.weights = weights
        self.scores = scores
        self._text = text or TextModel(
            [[0.0] * count for _ in range(count)], [{} for _ in range(count)], [" "] * count
        )

    def __len__(self) -> int:
        return len(self.profiles)

    def score(self, i: int, j: int) -> float:
        return self.scores[i][j]

    def shared_terms(self, i: int, j: int, limit: int = 3) -> list[str]:
        ours, theirs = self._text.terms[i], self._text.terms[j]
        if i == j or not ours or not theirs:
            return []
        ranked = sorted(
            (term for term in ours if term in theirs),
            key=lambda term: (-ours[term] * theirs[term], term),
        )
        chosen: list[str] = []
        used: set[str] = set()
        for term in ranked:
            if len(chosen) >= limit:
                break
            parts = [_singular(word) for word in term.split()]
            if used.intersection(parts):
                continue
            if len(parts) > 1 and not all(f" {term} " in self._text.spans[side] for side in (i, j)):
                continue
            chosen.append(term)
            used.update(parts)
        return chosen

    def explain(self, i: int, j: int) -> str:
        return explanation(self.profiles[i], self.profiles[j], self.shared_terms(i, j))


def _singular(word: str) -> str:
    """'mentors' -> 'mentor', so a list never shows both (for skipping only, not scoring)."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def similarity(profiles: Sequence[Profile], weights: Weights = DEFAULT_WEIGHTS) -> Similarity:
    count = len(profiles)
    text = text_model([profile.text for profile in profiles])
    w_text, w_tags, w_stage = weights.normalised()
    tags = [frozenset(folded(tag) for tag in profile.tags if folded(tag)) for profile in profiles]
    stages = [folded(profile.stage) for profile in profiles]
    scores = [[0.0] * count for _ in range(count)]
    for i in range(count):
        row = text.cosine[i]
        for j in range(i + 1, count):
            value = w_text * row[j]
            if tags[i] and tags[j]:
                value += w_tags * _jaccard(tags[i], tags[j])
            if stages[i] and stages[i] == stages[j]:
                value += w_stage
            scores[i][j] = scores[j][i] = min(1.0, value)
    return Similarity(profiles, scores, weights=weights, text=text)
