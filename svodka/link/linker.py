"""The linker: keeps the vector index, the copy finder and the stories in step with the store.

Articles are linked one by one in time order (online clustering, as a desk receives them): each finds the text it
copies, joins the best story above a threshold that tightens as the story grows, or starts one.
"""
from __future__ import annotations

import json
import math
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

from ..model import Analysis, Article, Related, Story
from .dedup import CopyFinder
from .index import VectorIndex
from .similarity import LinkDoc, features, hours_apart, idf, make_doc, pair_model

STORY_WINDOW_H = 96  # an article joins only stories active within four days of it
NEIGHBOURS = 20
VECTOR_FLOOR = 0.35  # below this cosine a pair is never one story: skip the pair model
STORY_MARGIN = 0.0  # the pair model's own same-story threshold (tuned for F1 on tgcontest pairs)
TIGHTEN = 0.02  # per doubling of the story's size, up to 4 doublings: big stories do not chain on
RELATED_CANDIDATES = 40
RELATED_PER_STORY = 3
CANDIDATES_PER_STORY = 8  # scored per story for a related list (of which it shows 3)
RELATED_FLOOR = 0.08  # below this the pair model sees nothing in common: an empty list beats a random one
DOC_CACHE = 20_000  # link docs in memory (~30 KB each with their tf-idf weights); the rest are read from the store
RANKED_SEARCH_UP_TO = 200_000  # above this many articles, full-text candidates are the newest matches, not the best


@dataclass
class StoryState:
    id: int
    members: list[str] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    first_at: datetime | None = None
    last_at: datetime | None = None
    title: str = ""
    title_article: str = ""

    def active_at(self, when: datetime | None) -> bool:
        """Whether an article of this time may join: within the window of the story's span."""
        if when is None or self.first_at is None or self.last_at is None:
            return True
        window = timedelta(hours=STORY_WINDOW_H)
        return self.first_at - window <= when <= self.last_at + window

    def as_story(self) -> Story:
        return Story(id=self.id, title=self.title, title_article=self.title_article, first_at=self.first_at,
                     last_at=self.last_at, size=len(self.members), sources=len(self.sources),
                     members=list(self.members))


def doc_data(doc: LinkDoc, kind: str, is_news: bool) -> str:
    return json.dumps({
        "title": doc.title, "lemmas": doc.lemmas, "title_lemmas": sorted(doc.title_lemmas),
        "entities": sorted(doc.entities), "figures": sorted(doc.figures, key=str),
        "published_at": doc.published_at.isoformat() if doc.published_at else None, "source": doc.source,
        "kind": kind, "is_news": is_news}, ensure_ascii=False)


def link_doc(article: Article, analysis: Analysis) -> LinkDoc:
    """What the linker knows of a stored article; the one recipe, whether made here or in a Ray task."""
    return make_doc(article.id, article.title, article.text, analysis.entities, analysis.figures,
                    article.published_at, article.source)


def doc_from_row(article_id: str, vector: bytes, data: str) -> tuple[LinkDoc, dict]:
    d = json.loads(data)
    doc = LinkDoc(id=article_id, title=d["title"], lemmas=Counter(d["lemmas"]),
                  title_lemmas=frozenset(d["title_lemmas"]), entities=frozenset(tuple(e) for e in d["entities"]),
                  figures=frozenset(tuple(f) for f in d["figures"]), vector=np.frombuffer(vector, dtype=np.float32),
                  published_at=datetime.fromisoformat(d["published_at"]) if d["published_at"] else None,
                  source=d["source"])
    return doc, {"kind": d.get("kind"), "is_news": d.get("is_news")}  # the rest is in the doc: keep the cache lean


def story_threshold(size: int) -> float:
    return pair_model().threshold + STORY_MARGIN + TIGHTEN * min(math.log2(max(size, 1)), 4)


class Linker:
    def __init__(self, store, load: bool = True):
        self.store = store
        self.index = VectorIndex()
        self.copies = CopyFinder()
        self.docs: OrderedDict[str, tuple[LinkDoc, dict]] = OrderedDict()
        self.dup_of: dict[str, str] = {}
        self.story_of: dict[str, int] = {}
        self.stories: dict[int, StoryState] = {}
        self.linked: set[str] = set()
        self.last_seq = 0  # the store's link docs up to this one are in memory
        # docs made elsewhere (Ray tasks: svodka/distributed.py), by (article id, content hash); each taken once
        self.prepared: dict[tuple[str, str], LinkDoc] = {}
        if load:
            self.load()

    # -- state from the store

    def load(self) -> None:
        self.index = VectorIndex(expected=self.store.count_linked())
        self._take_vectors(self.store.link_vectors())
        sources = self.store.story_sources()
        for story, members in self.store.stories_all():
            self._take_story(story, [m for m, _ in members], sources.get(story.id, set()))

    def follow(self) -> int:
        """Take in what another process linked since we last looked (the processes sharing a store link one at a
        time: store.try_lead): its vectors and copies, and the stories its articles joined. Returns how many."""
        new = self._take_vectors(self.store.link_vectors(after=self.last_seq))
        for story, members, sources in self.store.stories_with(new):
            self._take_story(story, members, sources)
        return len(new)

    def _take_vectors(self, batches) -> list[str]:
        new = []
        for rows in batches:
            self.last_seq = rows[-1][0]
            rows = [r for r in rows if r[1] not in self.linked]
            if rows:
                ids = [r[1] for r in rows]
                self.index.add(ids, np.vstack([np.frombuffer(r[2], dtype=np.float32) for r in rows]))
                self.linked.update(ids)
                self.dup_of.update({r[1]: r[3] for r in rows if r[3]})
                new.extend(ids)
        return new

    def _take_story(self, story: Story, members: list[str], sources: set[str]) -> None:
        self.stories[story.id] = StoryState(id=story.id, first_at=story.first_at, last_at=story.last_at,
                                            title=story.title, title_article=story.title_article, members=members,
                                            sources=sources)
        for m in members:
            self.story_of[m] = story.id

    def doc(self, article_id: str) -> tuple[LinkDoc, dict] | None:
        if article_id not in self.docs:
            self.preload([article_id])
        found = self.docs.get(article_id)
        if found is not None:
            self.docs.move_to_end(article_id)
        return found

    def preload(self, article_ids) -> None:
        """Fetch the link docs not in the cache in one query: one round trip instead of one per candidate."""
        missing = [a for a in article_ids if a not in self.docs]
        for i in range(0, len(missing), 500):
            for article_id, vector, data in self.store.link_docs(missing[i:i + 500]):
                self.docs[article_id] = doc_from_row(article_id, vector, data)
        while len(self.docs) > DOC_CACHE:
            self.docs.popitem(last=False)

    def root(self, article_id: str) -> str:
        """The first text of a family of copies."""
        seen = set()
        while article_id in self.dup_of and article_id not in seen:
            seen.add(article_id)
            article_id = self.dup_of[article_id]
        return article_id

    # -- adding articles

    def link_pending(self, batch: int = 500, progress=lambda n: None) -> int:
        """Link every analysed article the linker has not seen yet, oldest first."""
        done = 0
        while pending := self.store.unlinked(limit=batch):
            self.add_batch(pending)
            done += len(pending)
            progress(len(pending))
        return done

    def add_batch(self, items: list[tuple[Article, Analysis]]) -> None:
        docs, members, touched = [], [], {}
        for article, analysis in sorted(items, key=lambda x: (x[0].published_at or datetime.min.replace(
                tzinfo=timezone.utc), x[0].id)):
            if article.id in self.linked or article.kind == "stub":
                continue
            row, story, score = self.add(article, analysis)
            docs.append(row)
            members.append((article.id, story.id, score))
            touched[story.id] = story
        self.store.put_links(docs, [s.as_story() for s in touched.values()], members)

    def add(self, article: Article, analysis: Analysis) -> tuple[tuple, StoryState, float]:
        doc = self.prepared.pop((article.id, article.content_hash), None)
        if doc is None:
            doc = link_doc(article, analysis)
        data = doc_data(doc, article.kind, analysis.is_news)
        self.docs[article.id] = (doc, {"kind": article.kind, "is_news": analysis.is_news})
        dup = self.copies.add(article.id, f"{article.title}\n{article.text}", article.published_at)
        if dup:
            self.dup_of[article.id] = dup
        story, score = self.assign_story(doc, dup)
        self.index.add([article.id], doc.vector[None, :])
        self.linked.add(article.id)
        return (article.id, doc.vector.tobytes(), data, dup), story, score

    def assign_story(self, doc: LinkDoc, dup: str | None) -> tuple[StoryState, float]:
        best_id, best_score = None, 0.0
        if dup and dup in self.story_of:
            best_id, best_score = self.story_of[dup], 1.0
        else:
            model = pair_model()
            per_story: dict[int, float] = {}
            # members of stories that ended (or began) too far from this article are not worth reading
            neighbours = [n for n, c in self.index.search(doc.vector, NEIGHBOURS) if c >= VECTOR_FLOOR
                          and n in self.story_of and self.stories[self.story_of[n]].active_at(doc.published_at)]
            self.preload(neighbours)
            for nid in neighbours:
                sid = self.story_of[nid]
                other = self.doc(nid)
                apart = hours_apart(doc, other[0]) if other else None
                if other is None or (apart is not None and apart > STORY_WINDOW_H):
                    continue
                score = model.score(features(doc, other[0]))
                per_story[sid] = max(per_story.get(sid, 0.0), score)
            for sid, score in sorted(per_story.items(), key=lambda kv: (-kv[1], kv[0])):
                if score >= story_threshold(len(self.stories[sid].members)):
                    best_id, best_score = sid, score
                    break
        if best_id is None:
            best_id = max(self.stories, default=0) + 1
            self.stories[best_id] = StoryState(id=best_id)
        story = self.stories[best_id]
        self.join(story, doc)
        return story, best_score

    def join(self, story: StoryState, doc: LinkDoc) -> None:
        story.members.append(doc.id)
        story.sources.add(doc.source)
        self.story_of[doc.id] = story.id
        when = doc.published_at
        if when:
            story.first_at = min(story.first_at or when, when)
            story.last_at = max(story.last_at or when, when)
        if len(story.members) <= 20 or len(story.members) % 10 == 0:
            self.retitle(story)

    def retitle(self, story: StoryState) -> None:
        """The member headline closest to the story's centre; the earliest among equals."""
        docs = [d[0] for d in (self.doc(m) for m in story.members[-200:]) if d]
        if not docs:
            return
        centre = np.mean([d.vector for d in docs], axis=0)
        best = max(docs, key=lambda d: (round(float(d.vector @ centre), 3), -_ts(d.published_at)))
        story.title, story.title_article = best.title, best.id

    # -- reading

    def related(self, article_id: str, k: int = 10, article: Article | None = None,
                analysis: Analysis | None = None) -> list[Related]:
        found = self.doc(article_id)
        if found is None:
            if article is None or analysis is None:
                return []
            doc = make_doc(article.id, article.title, article.text, analysis.entities, analysis.figures,
                           article.published_at, article.source)
        else:
            doc = found[0]
        model = pair_model()
        own_root = self.root(article_id)
        own_story = self.story_of.get(article_id)
        found = [nid for nid, _ in self.index.search(doc.vector, RELATED_CANDIDATES)]
        found += self.store.search_lemma_ids(top_terms(doc), limit=20, by_rank=len(self.index) <= RANKED_SEARCH_UP_TO)
        if own_story is not None:
            found += reversed(self.stories[own_story].members[-30:])
        candidates = self.pruned(found)
        self.preload(candidates)
        scored = []
        for cid in candidates:
            if cid == article_id or self.root(cid) == own_root:
                continue
            other = self.doc(cid)
            if other is None or other[1].get("kind") == "stub":
                continue
            parts = features(doc, other[0])
            scored.append((model.score(parts), other[0], parts))
        scored.sort(key=lambda x: (-round(x[0], 2), -_ts(x[1].published_at), x[1].id))
        out: list[Related] = []
        seen_roots: dict[str, Related] = {}
        per_story: dict[int, int] = {}
        for score, other, parts in scored:
            if score < RELATED_FLOOR:
                break
            root = self.root(other.id)
            if root in seen_roots:
                seen_roots[root].copies += 1
                continue
            sid = self.story_of.get(other.id)
            if sid is not None and per_story.get(sid, 0) >= RELATED_PER_STORY:
                continue
            if len(out) >= k:
                continue
            item = Related(article_id=other.id, title=other.title, source=other.source,
                           published_at=other.published_at, score=round(score, 3),
                           shared_entities=shared_names(doc, other), same_story=sid is not None and sid == own_story,
                           parts=model.contributions(parts))
            seen_roots[root] = item
            per_story[sid] = per_story.get(sid, 0) + 1
            out.append(item)
        return out

    def pruned(self, found: list[str], per_story: int = CANDIDATES_PER_STORY) -> list[str]:
        """Candidates in the order found (nearest vectors, best words, newest of the story), at most a few per
        story: a list shows three of a story, and scoring the tenth copy of a big story only costs time."""
        out, taken = [], Counter()
        for cid in dict.fromkeys(found):
            sid = self.story_of.get(cid)
            if sid is not None:
                if taken[sid] >= per_story:
                    continue
                taken[sid] += 1
            out.append(cid)
        return out

    def top_stories(self, n: int = 20, since: timedelta | None = None, now: datetime | None = None,
                    min_size: int = 1) -> list[Story]:
        now = reference_time(self.store, now)
        cutoff = now - since if since else None
        stories = []
        for st in self.stories.values():
            if len(st.members) < min_size or (cutoff and (st.last_at is None or st.last_at < cutoff)):
                continue
            story = st.as_story()
            story.weight = story_weight(story, now)
            stories.append(story)
        stories.sort(key=lambda s: (-s.weight, -s.size, s.id))
        return stories[:n]


def reference_time(store, now: datetime | None = None) -> datetime:
    """'Now' for a desk: the present, or, when the store holds only older news (an archive, the bundled sample),
    the time of its 20th newest article, so that "top" and "--since 24h" mean something there too; the 20th, not
    the newest, so that one odd late page does not make everything else look stale."""
    now = now or datetime.now(timezone.utc)
    newest = store.newest_time(skip=19)
    return min(now, newest) if newest else now


def story_weight(story: Story, now: datetime) -> float:
    """Distinct sources x freshness (≈1 fresh, 0.5 at 8 h, ≈0 by 16 h); one- and two-article stories pushed down."""
    age_h = max((now - story.last_at).total_seconds() / 3600, 0.0) if story.last_at else 1e6
    freshness = 1 / (1 + math.exp((age_h - 8) / 2)) if age_h < 200 else 0.0
    small = 0.3 if story.size < 3 else 1.0
    return round(story.sources * (freshness + 0.01) * small, 4)


def top_terms(doc: LinkDoc, n: int = 5) -> list[str]:
    """The article's rarest repeated words: what "more like this" looks for. Few and rare, because the full-text
    index pays for every document that matches any of them."""
    return [w for w, _ in sorted(doc.lemmas.items(), key=lambda kv: (-kv[1] * idf(kv[0]) ** 2, kv[0]))[:n]]


def shared_names(a: LinkDoc, b: LinkDoc) -> list[str]:
    shared = a.entities & b.entities
    order = {"PER": 0, "ORG": 1, "LOC": 2}
    return [name for _, name in sorted(shared, key=lambda e: (order.get(e[0], 3), e[1]))]


def _ts(dt: datetime | None) -> float:
    return dt.timestamp() if dt else 0.0

