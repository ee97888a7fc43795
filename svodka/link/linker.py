"""The linker: keeps the vector index, the copy finder and the stories in step with the store.

Articles are linked one by one in time order (online clustering, as a desk receives them): each finds the text it
copies, joins the story whose closest members are, on average, most probably the same event, or one member of its
last two days surely is (a story quiet for days only when the article names the rare person or organisation it is
about), or starts one.
"""
from __future__ import annotations

import json
import math
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

from ..model import Analysis, Article, Related, Story
from ..understand.lemmas import lemmas as lemmatise
from . import event
from .dedup import SAME_FIGURES, CopyFinder
from .index import VectorIndex
from .related import related_score
from .similarity import (RECURRING_AFTER_H, LinkDoc, hours_apart, idf, link_features, link_model, link_score,
                         make_doc, person_word, rare_matter, recurring, shares_rare_word, specific_numbers)
from .vectors import DIM

STORY_WINDOW_H = 96  # an article joins only stories active within four days of it
STORY_GAP_H = 48  # ... and not one whose last report is older than two days,
DEVELOPING_GAP_H = 14 * 24  # unless it is still developing (a law's readings, a trial's hearings): a report up to
# two weeks after its last one joins when it names what the story is about (`developing`), judged as if the story's
# reports were four days old (the link model learned pairs of a story's window, not weeks apart)
DEVELOPING_MATES = 2  # ... the story's members that must share that rare word with it,
OWN_SHARE = 0.5  # ... a word that is the story's own: of the last NAMED_RECENT texts that named it, this share is in
NAMED_RECENT = 50  # the story (the mayor who announces every night's drones, "Собянин", carries no night into the next)
NAMED_WORDS = 200_000  # rare names remembered, the most recently named (two weeks of a national flow)
NAMED_ON_LOAD = 5_000  # after a restart, the names of this many newest linked texts are read back (a day or two)
COPIES_ON_LOAD = 5_000  # ... and the texts of the last two days (a copy follows its text within SAME_FIGURES), at
# most this many of the newest: the next `svodka ingest` finds the rewrite of a post the last one stored
NEIGHBOURS = 30  # nearest by each vector (navec, and e5 where there is one)
VECTOR_FLOOR = 0.3  # below this navec cosine a pair is never one story: skip the link model
MERGE_PROBES = 2  # other stories an article could join that are checked for being the same event as its own
MERGE_SAMPLE = 6  # members of each story compared when checking
MERGE_FACTOR = 0.8  # two stories merge when their members are, on average, this share of the join threshold
TRIANGLE_SMALL = 3  # ... or, when one has at most this many, through an article sure of both (`sure_triangle`): the
# first reports of one turn of an event, told apart, join the event; two big stories never merge that way
WORDS_FLOOR = 0.1  # below this lemma TF-IDF cosine, with no rare word in common, two texts are never one story:
# e5 puts every war report near every other (cosines 0.8-0.9), words tell one strike from the next
BEST_OF = 3  # a story's score for an article: the mean of its best BEST_OF members' (average of the closest),
SURE = 0.85  # or its best member's where that one is this sure to be the same event: the next step of an event
# (an arrest after a fight, the suspect after a blast) is told like one report of it and unlike the others;
SURE_HOURS = STORY_GAP_H  # ... a member of the last two days that shares a rare word with it (not a template's
# words: "Госдума приняла закон" of two laws, one night's drone report and the next)
RELATED_CANDIDATES = 40  # nearest by each vector
RELATED_TERMS, RELATED_MATCHES, RELATED_OWN = 20, 100, 60  # full-text candidates: the best matches of any of the
# article's rarest words; and the newest of its own story
LARGE_TERMS, LARGE_MATCHES, LARGE_OWN = 5, 20, 30  # the same above RANKED_SEARCH_UP_TO, where matches come newest
# first (not best) and nearly every candidate is a read from the store: fewer, and the own story pruned like any
# other, to keep a list within ~20 ms
RELATED_HOURS = 48.0  # a related item older or newer than this counts as this far apart: matter over freshness
RELATED_PER_STORY = 4  # items of any one OTHER story in a list: the article's own story is not capped (the same event
# is what its reader wants next, and what the judges of news_flow_dev grade highest)
CANDIDATES_PER_STORY = 8  # scored per story for a related list (of which it shows RELATED_PER_STORY)
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
        """Whether an article of this time may join: within the window of the story's span, and no longer than
        STORY_GAP_H after its last report (a story gone quiet for days is over; a new report is a new story)."""
        if when is None or self.first_at is None or self.last_at is None:
            return True
        window = timedelta(hours=STORY_WINDOW_H)
        return self.first_at - window <= when <= self.last_at + timedelta(hours=STORY_GAP_H)

    def quiet_at(self, when: datetime | None) -> bool:
        """Whether the story had gone quiet at this time, but not for so long that a new report cannot carry it on."""
        if when is None or self.last_at is None:
            return False
        return self.last_at + timedelta(hours=STORY_GAP_H) < when <= self.last_at + timedelta(hours=DEVELOPING_GAP_H)

    def as_story(self) -> Story:
        return Story(id=self.id, title=self.title, title_article=self.title_article, first_at=self.first_at,
                     last_at=self.last_at, size=len(self.members), sources=len(self.sources),
                     members=list(self.members))


def doc_data(doc: LinkDoc, kind: str, is_news: bool) -> str:
    return json.dumps({
        "title": doc.title, "lemmas": doc.lemmas, "title_lemmas": sorted(doc.title_lemmas),
        "entities": sorted(doc.entities), "figures": sorted(doc.figures, key=str), "numbers": sorted(doc.numbers),
        "opening": doc.opening, "announcers": sorted(doc.announcers),
        "published_at": doc.published_at.isoformat() if doc.published_at else None, "source": doc.source,
        "kind": kind, "is_news": is_news}, ensure_ascii=False)


def link_doc(article: Article, analysis: Analysis) -> LinkDoc:
    """What the linker knows of a stored article; the one recipe, whether made here or in a Ray task."""
    return make_doc(article.id, article.title, article.text, analysis.entities, analysis.figures,
                    article.published_at, article.source)


def add_event_vectors(docs: list[tuple[LinkDoc, Article]], how: str) -> None:
    """Event vectors for the docs that have none, in one call (known ones looked up; made only when `how`, an
    event.mode(), is "make"): batching is what makes e5 affordable."""
    missing = [(d, a) for d, a in docs if d.event is None]
    if how == "off" or not missing:
        return
    vectors = event.vectors_for([event.event_text(a.title, a.text) for _, a in missing], make=how == "make")
    for (d, _), v in zip(missing, vectors):
        d.event = v


def doc_from_row(article_id: str, vector: bytes, data: str) -> tuple[LinkDoc, dict]:
    d = json.loads(data)
    navec, e5 = event.unpack(vector, DIM)
    doc = LinkDoc(id=article_id, title=d["title"], lemmas=Counter(d["lemmas"]),
                  title_lemmas=frozenset(d["title_lemmas"]), entities=frozenset(tuple(e) for e in d["entities"]),
                  figures=frozenset(tuple(f) for f in d["figures"]), vector=navec,
                  published_at=datetime.fromisoformat(d["published_at"]) if d["published_at"] else None,
                  source=d["source"], event=e5, numbers=frozenset(d.get("numbers", ())),
                  opening=d.get("opening", ""), announcers=frozenset(d.get("announcers", ())))
    return doc, {"kind": d.get("kind"), "is_news": d.get("is_news")}  # the rest is in the doc: keep the cache lean


class Linker:
    def __init__(self, store, load: bool = True):
        self.store = store
        self.index = VectorIndex()
        self.events = VectorIndex(dim=event.DIM)  # e5 vectors, of the articles that have one
        self.copies = CopyFinder()
        self.docs: OrderedDict[str, tuple[LinkDoc, dict]] = OrderedDict()
        self.dup_of: dict[str, str] = {}
        self.story_of: dict[str, int] = {}
        self.stories: dict[int, StoryState] = {}
        self.linked: set[str] = set()
        self.merged: list[tuple[int, int]] = []  # (gone, into) since the last batch was written
        # rare name -> the last texts linked that named it (`developing`)
        self.named: OrderedDict[str, list[str]] = OrderedDict()
        self.restored = False  # what the store linked before this linker started is in `named` and `copies`
        self.last_story_id = 0  # ids are never reused: a follower must not take a new story for a merged one
        self.last_seq = 0  # the store's link docs up to this one are in memory
        # docs made elsewhere (Ray tasks: svodka/distributed.py), by (article id, content hash); each taken once
        self.prepared: dict[tuple[str, str], LinkDoc] = {}
        if load:
            self.load()

    # -- state from the store

    def load(self) -> None:
        self.index = VectorIndex(expected=self.store.count_linked())
        self.events = VectorIndex(dim=event.DIM, expected=self.store.count_linked())
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
        if self.restored and new:  # the other process's texts: copies of them may arrive here next
            self._take_texts(self.store.articles(new))
        return len(new)

    def restore(self) -> None:
        """What a linker that ran on would know of the texts linked before this one started: their rare names
        (`own_share`) and, in the copy finder, the last two days' texts. Done at the first add: a reader needs
        neither."""
        self.restored = True
        self.read_names()
        self.read_copies()

    def read_copies(self) -> None:
        """A copy is found whether its text came in this run or an earlier one."""
        self._take_texts(self.store.newest_linked(SAME_FIGURES, COPIES_ON_LOAD))

    def _take_texts(self, articles: list[Article]) -> None:
        far = datetime.min.replace(tzinfo=timezone.utc)
        for a in sorted(articles, key=lambda a: (a.published_at or far, a.id)):
            self.copies.add(a.id, copy_text(a), a.published_at)

    def _take_vectors(self, batches) -> list[str]:
        new = []
        for rows in batches:
            self.last_seq = rows[-1][0]
            rows = [r for r in rows if r[1] not in self.linked]
            if rows:
                ids = [r[1] for r in rows]
                both = [event.unpack(r[2], DIM) for r in rows]
                self.index.add(ids, np.vstack([v for v, _ in both]))
                with_event = [(i, e) for i, (_, e) in zip(ids, both) if e is not None]
                if with_event:
                    self.events.add([i for i, _ in with_event], np.vstack([e for _, e in with_event]))
                self.linked.update(ids)
                self.dup_of.update({r[1]: r[3] for r in rows if r[3]})
                new.extend(ids)
        return new

    def _take_story(self, story: Story, members: list[str], sources: set[str]) -> None:
        for m in members:  # a story merged into this one by the process that links is gone
            old = self.story_of.get(m)
            if old is not None and old != story.id:
                self.stories.pop(old, None)
        self.last_story_id = max(self.last_story_id, story.id)
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
        todo = [(a, n) for a, n in sorted(items, key=lambda x: (x[0].published_at or datetime.min.replace(
                tzinfo=timezone.utc), x[0].id)) if a.id not in self.linked and a.kind != "stub"]
        made = [self.prepared.pop((a.id, a.content_hash), None) or link_doc(a, n) for a, n in todo]
        add_event_vectors([(d, a) for d, (a, _) in zip(made, todo)], event.mode())
        for (article, analysis), doc in zip(todo, made):
            row, story, score = self.add(article, analysis, doc)
            docs.append(row)
            members.append((article.id, story.id, score))
            touched[story.id] = story
        merged, self.merged = self.merged, []
        gone = {g for g, _ in merged}
        self.store.put_links(docs, [s.as_story() for s in touched.values() if s.id not in gone], members, merged)

    def add(self, article: Article, analysis: Analysis, doc: LinkDoc | None = None) -> tuple[tuple, StoryState, float]:
        if doc is None:
            doc = self.prepared.pop((article.id, article.content_hash), None) or link_doc(article, analysis)
        data = doc_data(doc, article.kind, analysis.is_news)
        self.docs[article.id] = (doc, {"kind": article.kind, "is_news": analysis.is_news})
        if not self.restored:
            self.restore()
        dup = self.copies.add(article.id, copy_text(article), article.published_at)
        if dup:
            self.dup_of[article.id] = dup
        story, score = self.assign_story(doc, dup)
        self.remember_names(doc)
        self.index.add([article.id], doc.vector[None, :])
        if doc.event is not None:
            self.events.add([article.id], doc.event[None, :])
        self.linked.add(article.id)
        return (article.id, event.pack(doc.vector, doc.event), data, dup), story, score

    def neighbours(self, doc: LinkDoc, k: int) -> list[str]:
        """Nearest articles by navec and, where the article has one, by its e5 vector."""
        found = [n for n, c in self.index.search(doc.vector, k) if c >= VECTOR_FLOOR]
        if doc.event is not None:
            found += [n for n, _ in self.events.search(doc.event, k)]
        return list(dict.fromkeys(found))

    def assign_story(self, doc: LinkDoc, dup: str | None) -> tuple[StoryState, float]:
        """Join the story whose closest members are, on average, most probably the same event (average linkage
        over the best few: one lucky member cannot chain two events, a big story is not diluted by its tail);
        otherwise start one. A copy joins its text's story."""
        best_id, best_score, bridged = None, 0.0, []
        sure_of: dict[int, list[LinkDoc]] = {}  # per story, the members this article is sure to be one event with
        if dup and dup in self.story_of and self.stories[self.story_of[dup]].active_at(doc.published_at):
            best_id, best_score = self.story_of[dup], 1.0
        else:
            per_story: dict[int, list[tuple[float, bool]]] = {}
            carried: dict[int, bool] = {}  # quiet stories: whether this report carries them on (`developing`)
            threshold = link_model(event=doc.event is not None).story_threshold
            when = doc.published_at
            neighbours = [n for n in self.neighbours(doc, NEIGHBOURS) if n in self.story_of and (
                self.stories[self.story_of[n]].active_at(when) or self.stories[self.story_of[n]].quiet_at(when))]
            self.preload(neighbours)
            for nid in neighbours:
                other, sid = self.doc(nid), self.story_of[nid]
                quiet = not self.stories[sid].active_at(when)
                if quiet and sid not in carried:
                    carried[sid] = self.developing(self.stories[sid], doc)
                if quiet and not carried[sid]:
                    continue
                apart = hours_apart(doc, other[0]) if other else None
                if other is None or (apart is not None and apart > (DEVELOPING_GAP_H if quiet else STORY_WINDOW_H)):
                    continue
                score = story_score(doc, other[0], STORY_WINDOW_H if quiet else None)
                sure = score >= SURE and not quiet and apart is not None and apart <= SURE_HOURS \
                    and shares_rare_word(doc, other[0])
                per_story.setdefault(sid, []).append((score, sure))
                if sure:
                    sure_of.setdefault(sid, []).append(other[0])
            ranked = best_of(per_story)
            if ranked and ranked[0][0] >= threshold:
                best_score, best_id = ranked[0]
                bridged = [sid for score, sid in ranked[1:MERGE_PROBES + 1] if score >= threshold]
        if best_id is None:
            self.last_story_id = best_id = max(self.last_story_id, max(self.stories, default=0)) + 1
            self.stories[best_id] = StoryState(id=best_id)
        story = self.stories[best_id]
        self.join(story, doc)
        for sid in bridged:
            if sid in self.stories and sid != story.id and (
                    self.stories_agree(story, self.stories[sid], threshold)
                    or (min(len(story.members), len(self.stories[sid].members)) <= TRIANGLE_SMALL
                        and sure_triangle(doc, sure_of.get(story.id, ()), sure_of.get(sid, ()), threshold))):
                self.merge(self.stories[sid], story)
        return story, best_score

    def developing(self, story: StoryState, doc: LinkDoc) -> bool:
        """Whether a report carries on a story gone quiet: it names a rare person or organisation that
        DEVELOPING_MATES of the story's reports named ("Гуф", "Лиам Пейн"), that is the story's own (OWN_SHARE:
        not the mayor who announces every night's drones and much else) and that the report does not only quote
        (LinkDoc.announcers: "— Сергей Собянин" tells the news, is not in it), or it is sure to be the same event as
        one of them and gives the same specific figure (a law's "22 440 рублей" from its first reading to its
        signing, days apart): so a new step of one matter. A rare common word is not enough: magnetic storms and
        airport closures come back with the same words, and each is its own event."""
        names = {w for w in doc.rare_names - doc.announcers if self.own_share(w, story) >= OWN_SHARE}
        if not names and not specific_numbers(doc.numbers):
            return False  # neither test can pass: leave the story's members unread
        recent = [d[0] for d in (self.doc(m) for m in story.members[-MERGE_SAMPLE * 2:]) if d]
        mates = [d.rare_names for d in recent] if names else []
        if any(sum(w in m for m in mates) >= DEVELOPING_MATES for w in names):
            return True
        return any(specific_numbers(doc.numbers & d.numbers) and story_score(doc, d, STORY_WINDOW_H) >= SURE
                   for d in recent)

    def remember_names(self, doc: LinkDoc) -> None:
        """Note that this text named its rare names (`own_share` reads it)."""
        for w in doc.rare_names:
            ids = self.named.pop(w, [])
            ids.append(doc.id)
            self.named[w] = ids[-NAMED_RECENT:]
        while len(self.named) > NAMED_WORDS:
            self.named.popitem(last=False)

    def read_names(self) -> None:
        """The names of the newest texts linked before this linker started, oldest first: a restarted desk judges
        a quiet story's names as the one that ran on would."""
        newest = self.index.ids[-NAMED_ON_LOAD:]
        self.preload(newest)
        for article_id in newest:
            if (found := self.docs.get(article_id)) is not None:
                self.remember_names(found[0])

    def own_share(self, word: str, story: StoryState) -> float:
        """Of the last texts linked that named `word`, the share in `story` (1 when none did)."""
        named = self.named.get(word)
        return sum(self.story_of.get(a) == story.id for a in named) / len(named) if named else 1.0

    def stories_agree(self, a: StoryState, b: StoryState, threshold: float) -> bool:
        """Average linkage between two stories, over their newest members: an article that belongs to both
        shows that one event was split in two when its first reports arrived; two events it merely mentions
        stay apart."""
        left = [d[0] for d in (self.doc(m) for m in a.members[-MERGE_SAMPLE:]) if d]
        right = [d[0] for d in (self.doc(m) for m in b.members[-MERGE_SAMPLE:]) if d]
        scores = [story_score(x, y) for x in left for y in right
                  if (hours_apart(x, y) or 0) <= STORY_WINDOW_H]
        return bool(scores) and sum(scores) / len(scores) >= threshold * MERGE_FACTOR

    def merge(self, gone: StoryState, into: StoryState) -> None:
        for m in gone.members:
            self.story_of[m] = into.id
        members = into.members + gone.members
        self.preload(members)
        when = {m: _ts(d[0].published_at) if (d := self.docs.get(m)) else 0.0 for m in members}
        into.members = sorted(members, key=lambda m: (when[m], m))
        into.sources |= gone.sources
        into.first_at = min((t for t in (into.first_at, gone.first_at) if t), default=None)
        into.last_at = max((t for t in (into.last_at, gone.last_at) if t), default=None)
        del self.stories[gone.id]
        self.merged.append((gone.id, into.id))
        self.retitle(into)

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
        own_root = self.root(article_id)
        own_story = self.story_of.get(article_id)
        found = self.neighbours(doc, RELATED_CANDIDATES)
        ranked = len(self.index) <= RANKED_SEARCH_UP_TO
        terms, matches, own = (RELATED_TERMS, RELATED_MATCHES, RELATED_OWN) if ranked else (
            LARGE_TERMS, LARGE_MATCHES, LARGE_OWN)
        found += self.store.search_lemma_ids(top_terms(doc, terms), limit=matches, by_rank=ranked)
        if own_story is not None:
            found += reversed(self.stories[own_story].members[-own:])
        candidates = self.pruned(found, keep=own_story if ranked else None)
        self.preload(candidates)
        scored = []
        for cid in candidates:
            if cid == article_id or self.root(cid) == own_root:
                continue
            other = self.doc(cid)
            if other is None or other[1].get("kind") == "stub":
                continue
            same = own_story is not None and self.story_of.get(cid) == own_story and near_in_story(doc, other[0])
            score, parts, model = related_score(doc, other[0], RELATED_HOURS, same)
            if score >= model.floor:
                scored.append((score, other[0], parts, same))
        # by the score itself (no rounding: ties of rounded scores put lower ones first), the newer among equals
        scored.sort(key=lambda x: (-x[0], -_ts(x[1].published_at), x[1].id))
        out: list[Related] = []
        seen_roots: dict[str, Related] = {}
        per_story: dict[int, int] = {}
        for score, other, parts, same in scored:
            root = self.root(other.id)
            if root in seen_roots:
                seen_roots[root].copies += 1
                continue
            sid = self.story_of.get(other.id)
            if sid is not None and sid != own_story and per_story.get(sid, 0) >= RELATED_PER_STORY:
                continue
            if len(out) >= k:
                continue
            item = Related(article_id=other.id, title=other.title, source=other.source,
                           published_at=other.published_at, score=round(score, 3),
                           shared_entities=shared_names(doc, other), same_story=same,
                           parts=parts, shared_figures=shared_figures(doc, other),
                           shared_terms=shared_terms(doc, other))
            seen_roots[root] = item
            per_story[sid] = per_story.get(sid, 0) + 1
            out.append(item)
        return out

    def pruned(self, found: list[str], per_story: int = CANDIDATES_PER_STORY, keep: int | None = None) -> list[str]:
        """Candidates in the order found (nearest vectors, best words, newest of the story), at most a few per
        story but the article's own (`keep`): a list shows four of another story, and scoring the tenth copy of a
        big story only costs time."""
        out, taken = [], Counter()
        for cid in dict.fromkeys(found):
            sid = self.story_of.get(cid)
            if sid is not None and sid != keep:
                if taken[sid] >= per_story:
                    continue
                taken[sid] += 1
            out.append(cid)
        return out

    def top_stories(self, n: int = 20, since: timedelta | None = None, now: datetime | None = None,
                    min_size: int = 1) -> list[Story]:
        """The heaviest stories; with `since`, only those whose last article is within `since` of the desk's 'now'
        (reference_time): older ones are over, and one dated further ahead (the odd late page reference_time looks
        past, a misread year) is not news of that span either."""
        now = reference_time(self.store, now)
        stories = []
        for st in self.stories.values():
            if len(st.members) < min_size:
                continue
            if since and (st.last_at is None or abs(st.last_at - now) > since):
                continue
            story = st.as_story()
            story.weight = story_weight(story, now)
            stories.append(story)
        stories.sort(key=lambda s: (-s.weight, -s.size, s.id))
        return stories[:n]


def copy_text(article: Article) -> str:
    """What the copy finder compares of an article."""
    return f"{article.title}\n{article.text}"


def best_of(scores: dict[int, list[tuple[float, bool]]]) -> list[tuple[float, int]]:
    """Stories by the mean of their best BEST_OF member scores, or by their best sure member's (SURE), best first;
    `scores` are (score, sure) per member."""
    ranked = []
    for sid, v in scores.items():
        best = sorted((s for s, _ in v), reverse=True)[:BEST_OF]
        sure = max((s for s, is_sure in v if is_sure), default=0.0)
        ranked.append((max(sum(best) / len(best), sure), sid))
    return sorted(ranked, key=lambda x: (-x[0], x[1]))


def sure_triangle(doc: LinkDoc, left: list[LinkDoc], right: list[LinkDoc], threshold: float) -> bool:
    """Whether an article is sure to be one event (SURE) with a member of each of two stories that are themselves
    linked, all three sharing a rare word: "Задержан подозреваемый в подрыве машины на Профсоюзной" is sure of the
    blast's reports and of the suspect's, told apart the evening before. A digest sure of two stories' members does
    not merge them: members of two events are not linked."""
    return any(story_score(a, b) >= threshold and shares_rare_word(doc, a, b) for a in left for b in right)


def near_in_story(a: LinkDoc, b: LinkDoc) -> bool:
    """Two members of a story count as "тот же сюжет" for a related list within a story's window of each other: a
    story carried on for weeks (a trial's hearings) holds steps a reader of one step wants less than the news of
    its own days. Nor does a pair that is itself two instances of a recurring report, or a day apart with nothing
    specific in common (`recurring`): the linker may have put them in one story through other members, but a
    reader shown "тот же сюжет" under one should find the other's matter in it."""
    apart = hours_apart(a, b)
    if apart is None or apart <= RECURRING_AFTER_H:
        return True  # nothing recurs within half a day: no need for the pair's parts (a list's time is short)
    return apart <= STORY_WINDOW_H and not recurring(a, b, link_features(a, b))


def story_score(a: LinkDoc, b: LinkDoc, max_hours: float | None = None) -> float:
    """The link model's "one event?" for a story join, none where the texts share neither words nor a rare name."""
    score, parts, _ = link_score(a, b, max_hours)
    return 0.0 if parts["tfidf"] < WORDS_FLOOR and not shares_rare_word(a, b) else score


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
    """The names both texts give, the most specific first ("Хантер Байден" before "США"): a reason line shows the
    first few, and the rare name is what the two share that others do not."""
    order = {"PER": 0, "ORG": 1, "LOC": 2}
    return [name for _, name in sorted(a.entities & b.entities,
                                       key=lambda e: (-name_rarity(*e), order.get(e[0], 3), e[1]))]


def name_rarity(kind: str, name: str) -> float:
    """How specific a name is: a person's by the last word ("путин" of "Владимир Путин", not the common first
    name), anything else by its rarest word."""
    words = [person_word(name)] if kind == "PER" else lemmatise(name)
    return max((idf(w) for w in words if w), default=0.0)


SHARED_TERMS = 3  # rare words shown in a reason line


def shared_terms(a: LinkDoc, b: LinkDoc, n: int = SHARED_TERMS) -> list[str]:
    """The rarest words (lemmas) both texts have, other than the names they share and number-words, where a text
    dwells on them (in both headlines, or said again): the matter of a link that no name carries ("редкоземельный").
    A rare word said once in passing ("готовность", "недостаточно") is as rare by idf and tells a reader nothing."""
    named = {w for _, name in a.entities & b.entities for w in lemmatise(name)}  # "средиземный" of "Средиземное море"
    heads = a.title_lemmas & b.title_lemmas
    common = [w for w in a.lemmas.keys() & b.lemmas.keys()
              if w not in named and len(w) > 2 and rare_matter(w)
              and (w in heads or a.lemmas[w] + b.lemmas[w] > 2)]
    return sorted(common, key=lambda w: (-idf(w), w))[:n]


def shared_figures(a: LinkDoc, b: LinkDoc) -> list[str]:
    """The figures both texts give, as a reader writes them ("21 %", "22440 RUB")."""
    def shown(value, unit) -> str:
        number = f"{value:g}" if isinstance(value, (int, float)) else str(value)
        return f"{number} {unit}" if unit else number
    return sorted(shown(*f) for f in a.figures & b.figures)[:3]


def _ts(dt: datetime | None) -> float:
    return dt.timestamp() if dt else 0.0

