"""How alike two teams' words are: TF-IDF over challenge and request, compared by cosine.

Rules:
- One vectoriser is fitted per call, over exactly the texts given, so a word
  counts for more when few teams use it ("mentor" among mentoring programmes
  says less than "pull-outs").
- English stop words are dropped; term frequency is sublinear (a word said
  five times is not five times the topic); terms are single words and pairs of
  neighbouring words; a word has two or more letters and may be hyphenated
  ("pull-outs"), so numbers and percentages, which say nothing of the topic,
  never make two teams alike.
- Every word counts, even one only one team uses (``min_df=1``): it lengthens
  that team's vector, so a team with much else on its mind is less alike.
- A text with no words is like no one (similarity 0), not like everyone.
- scikit-learn is imported when a model is built, never at import time: the
  server starts without paying for it.
- Deterministic: the vocabulary is ordered by scikit-learn, the arithmetic is
  fixed; the same texts always give the same numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# A word: two or more letters, optionally joined by hyphens; no digits.
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{2,}(?:-[^\W\d_]+)*\b"
_TOKEN = re.compile(TOKEN_PATTERN)


@dataclass(frozen=True, slots=True)
class TextModel:
    cosine: list[list[float]]
    """Symmetric, in [0, 1], with 0 on the diagonal."""
    terms: list[dict[str, float]]
    """Per text: each of its terms and its TF-IDF weight (the text's vector has length 1)."""
    spans: list[str]
    """Per text: every word, lower-cased and space-separated with a space at each end,
    so a two-word term can be checked to stand in the text as written."""


def words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def text_model(texts: Sequence[str]) -> TextModel:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    count = len(texts)
    spans = [" " + " ".join(words(text)) + " " for text in texts]
    vectorizer = TfidfVectorizer(
        lowercase=True,
        token_pattern=TOKEN_PATTERN,
        stop_words="english",
        ngram_range=(1, 2),
        min_df=1,
        sublinear_tf=True,
        norm="l2",
    )
    try:
        matrix = vectorizer.fit_transform(list(texts))
    except ValueError:
        # No text has a single word that is not a stop word: nobody is alike by text.
        return TextModel([[0.0] * count for _ in range(count)], [{} for _ in texts], spans)
    names = vectorizer.get_feature_names_out()
    matrix = matrix.tocsr()
    terms = [
        {
            str(names[column]): float(value)
            for column, value in zip(
                matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]],
                matrix.data[matrix.indptr[row] : matrix.indptr[row + 1]],
                strict=True,
            )
        }
        for row in range(count)
    ]
    # Vectors have length 1, so the product is the cosine; rounding may stray past [0, 1].
    product = np.clip((matrix @ matrix.T).toarray(), 0.0, 1.0)
    # Symmetric bit for bit, and nobody is compared with themselves.
    upper = np.triu(product, 1)
    cosine: list[list[float]] = (upper + upper.T).tolist()
    return TextModel(cosine, terms, spans)
