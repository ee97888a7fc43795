"""What a reader of one article wants next: the ranking of a related list.

The link model answers "one event?"; a related list also wants the next step of the same matter, and ranks by
what the two texts share that is rare. So an item's rank is a second small logistic regression over the link
model's log-odds, the rare words the texts share (BM25 of one against the other, as a share of the shorter text's
BM25 against itself), the rarest word they share, whether the linker put them in one story and, where both have
one, e5's cosine. Trained by scripts/train_links.py on news_flow_dev's graded judgments (grade 1 or 2: related)
and October's gold event pairs; shipped as plain numbers in svodka/data/related_model*.json.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .similarity import LinkDoc, LinkModel, PairModel, Shelf, idf_table, link_score, rarest_shared_idf

RELATED_FEATURES = ("link", "words", "rare", "story")


def bm25(query: LinkDoc, doc: LinkDoc) -> float:
    """BM25 of `query`'s lemmas against `doc` (each lemma once)."""
    weights = doc.bm25[0]
    return sum(weights[w] for w in sorted(query.lemmas.keys() & weights.keys()))


def shared_words(a: LinkDoc, b: LinkDoc) -> float:
    """How much of what the shorter text says in rare words the other says too: BM25 of `a` against `b` over the
    smaller of the two texts' BM25 against themselves (a long article and a post that retells one of its facts
    share all of the post)."""
    own = min(a.bm25[1], b.bm25[1])
    return min(bm25(a, b) / own, 1.0) if own > 0 else 0.0


def rarest_shared(a: LinkDoc, b: LinkDoc) -> float:
    """The rarest word the two texts share, as a share of the rarest a word can be ("редкоземельный" 1.0,
    "переговоры" 0.5, "Россия" 0.3): one rare term in common says more about the matter than many common
    ones."""
    return rarest_shared_idf(a, b) / idf_table()[1]


def related_features(a: LinkDoc, b: LinkDoc, max_hours: float, same_story: bool
                     ) -> tuple[dict[str, float], dict[str, float], LinkModel]:
    """The related parts of a pair (`same_story`: the linker put them in one story), the link model's parts they
    came from, the link model."""
    p, parts, link = link_score(a, b, max_hours)
    p = min(max(p, 1e-4), 1 - 1e-4)  # a recurring report's 0 is a strong "no", not minus infinity
    out = {"link": math.log(p / (1 - p)), "words": shared_words(a, b), "rare": rarest_shared(a, b),
           "story": float(same_story)}
    if "e5" in parts:
        out["e5"] = parts["e5"]
    return out, parts, link


@dataclass
class RelatedModel(PairModel):
    floor: float = 0.1  # below this probability of being related an item is not shown: an empty list beats noise


RELATED_MODELS = Shelf(RelatedModel, "related_model")


def related_score(a: LinkDoc, b: LinkDoc, max_hours: float, same_story: bool = False
                  ) -> tuple[float, dict[str, float], RelatedModel]:
    """The probability that `b` is what a reader of `a` wants next; the why (each link-model part's push on its
    log-odds; "words" and "rare": the shared rare words' push on the ranker's); the model that ranked."""
    parts, link_parts, link = related_features(a, b, max_hours, same_story)
    model = RELATED_MODELS.get(event="e5" in parts)
    pushes = model.contributions(parts)
    why = {**link.contributions(link_parts), "words": pushes["words"], "rare": pushes["rare"]}
    return model.score(parts), why, model
