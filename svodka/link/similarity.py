"""How alike two articles are: score parts from lemmas, vectors, entities, figures and time, combined by a small
logistic regression trained by scripts/train_pairs.py and shipped as JSON (svodka/data/pair_model.json).

Rare shared words, shared entities and figures carry the matter ("same event?"); dense vectors carry the topic.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from ..understand.dates import wire_dateline
from ..understand.lemmas import lemmas as lemmatise, names_a_matter
from ..understand.quotes.words import lower, plain, speech_forms
from .vectors import article_text, embed

DATA = Path(__file__).resolve().parent.parent / "data"
TEXT_CHARS = 1500  # the head of the text: where news says what happened
STOP_POS_WORDS = frozenset(
    "и в во на с со по к ко о об от до за из у не что как а но или же ли бы это этот тот весь свой быть "
    "который он она они оно мы вы я его ее их для при также уже еще так то все год".split())

# no public labelled pairs carry dates, so time is not learned here: related ranking and stories weigh it apart
FEATURES = ("tfidf", "title_tfidf", "title_jaccard", "chars", "dense", "entities", "entities_any", "figures", "short")


@dataclass
class LinkDoc:
    """What the linker knows of one article."""
    id: str
    title: str
    lemmas: Counter  # of title + head of text, content words only
    title_lemmas: frozenset
    entities: frozenset  # (type, normal)
    figures: frozenset  # (value, unit or what)
    vector: np.ndarray
    published_at: datetime | None = None
    source: str = ""
    event: np.ndarray | None = None  # the e5 vector (link/event.py), where one was made
    numbers: frozenset = frozenset()  # the numbers written in the head of the text ("22", "10.30")
    opening: str = ""  # the headline's first two words: a recurring report's template shows there
    announcers: frozenset = frozenset()  # rare names of persons who only tell the text's news (`announcers`)

    # derived on first use, then kept: a doc read only to find it is out of a story's time window never needs them

    @cached_property
    def chars(self) -> frozenset:
        return char_grams(self.title)

    @cached_property
    def _tfidf(self) -> tuple[dict[str, float], float]:  # lemma -> tf x idf, and its norm
        return tfidf_weights(self.lemmas)

    @cached_property
    def _title_tfidf(self) -> tuple[dict[str, float], float]:
        # sorted: a set's order follows the process's hash seed, and float sums follow their order
        return tfidf_weights(Counter(sorted(self.title_lemmas)))

    @cached_property
    def bm25(self) -> tuple[dict[str, float], float]:  # lemma -> its BM25 weight in this text, and their sum
        return bm25_weights(self.lemmas)

    @cached_property
    def rare_names(self) -> frozenset[str]:
        """The rare words of the persons (their last word: "гуф" of "Рэпер Гуф", not "рэпер") and organisations
        the text names: what can carry a story over days; not "путин", "минобороны"."""
        words = set()
        for etype, name in self.entities:
            if etype == "PER" and (word := person_word(name)):
                words.add(word)
            elif etype == "ORG":  # by lemma, as the idf counts them: "России" of "Минобороны России" is "россия"
                words.update(content_lemmas(name))
        return frozenset(w for w in words if idf(w) >= RARE_IDF)

    @property
    def weights(self) -> dict[str, float]:
        return self._tfidf[0]

    @property
    def norm(self) -> float:
        return self._tfidf[1]

    @property
    def title_weights(self) -> dict[str, float]:
        return self._title_tfidf[0]

    @property
    def title_norm(self) -> float:
        return self._title_tfidf[1]


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_OPENING = re.compile(r"[^\W\d_]+", re.U)


def opening(title: str) -> str:
    words = _OPENING.findall(title.lower().replace("ё", "е"))
    return " ".join(words[:2]) if len(words) >= 2 else ""


def content_lemmas(text: str) -> list[str]:
    return [w for w in lemmatise(text) if len(w) > 1 and w not in STOP_POS_WORDS and not w.isdigit()]


def char_grams(title: str, n: int = 4) -> frozenset:
    t = " ".join(title.lower().replace("ё", "е").split())
    return frozenset(t[i:i + n] for i in range(max(len(t) - n + 1, 0)))


def person_word(name: str) -> str:
    """What names a person in a story: the last word of the name ("гуф" of "Рэпер Гуф", "собянин")."""
    parts = plain(name).split()
    return parts[-1] if parts else ""


_WORD = re.compile(r"[\w-]+", re.U)
_DASH_BEFORE = re.compile(r"(^|[.!?»\"\s])[—–-]\s*$")  # "…сбит, — Сергей Собянин"
_COLON_AFTER = re.compile(r"\s*:")  # "Сергей Собянин: «…»"
ATTRIBUTION_WORDS = 3  # a speech verb this many words before or after a name makes it the news's teller
ACCORDING_TO = frozenset({"словам", "слова", "сообщению", "заявлению", "данным", "согласно"})  # "по словам X"


def attributes(text: str, start: int, end: int) -> bool:
    """Whether the mention text[start:end] tells the news rather than being in it: "— Сергей Собянин", "Об этом
    сообщил Сергей Собянин", "Сергей Собянин объявил, что…", "Сергей Собянин: «…", "согласно сообщению Собянина"."""
    before, after = lower(text[max(0, start - 60):start]), lower(text[end:end + 60])
    if _DASH_BEFORE.search(before) or _COLON_AFTER.match(after):
        return True
    forms = speech_forms()
    near = _WORD.findall(before)[-ATTRIBUTION_WORDS:] + _WORD.findall(after)[:ATTRIBUTION_WORDS]
    return any(w in forms or w in ACCORDING_TO for w in near)


def announcers(text: str, entities) -> frozenset[str]:
    """The rare last names of the persons whose every mention tells the news (`attributes`): the mayor who
    announces each night's drones is not what the night's report is about, so his name carries no story over days
    (Linker.developing); a person who is also the news ("…требуют отставки Бжании") is not one."""
    names = set()
    for e in entities:
        mentions = getattr(e, "mentions", None) or ()
        if getattr(e, "type", None) == "PER" and mentions and all(attributes(text, s, t) for s, t in mentions):
            if (word := person_word(e.normalised)) and idf(word) >= RARE_IDF:
                names.add(word)
    return frozenset(names)


def make_doc(id: str, title: str, text: str, entities=(), figures=(), published_at: datetime | None = None,
             source: str = "") -> LinkDoc:
    """`entities` are Entity objects (or (type, normal) pairs); `figures` Figure objects (or (value, unit) pairs).
    The head is read after a wire dateline: every article of one agency names it, its place and its day."""
    head = text[wire_dateline(text):][:TEXT_CHARS]
    ents = frozenset((e.type, e.normalised) if hasattr(e, "normalised") else tuple(e) for e in entities)
    figs = frozenset((f.value, f.unit or f.what) if hasattr(f, "value") else tuple(f) for f in figures)
    return LinkDoc(id=id, title=title, lemmas=Counter(content_lemmas(f"{title}\n{head}")),
                   title_lemmas=frozenset(content_lemmas(title)), entities=ents, figures=figs,
                   numbers=frozenset(_NUMBER.findall(f"{title}\n{head}")), opening=opening(title),
                   announcers=announcers(text, entities),
                   vector=embed(article_text(title, head)), published_at=published_at, source=source)


@lru_cache(maxsize=1)
def idf_table() -> tuple[dict[str, float], float]:
    data = json.loads((DATA / "idf.json").read_text(encoding="utf-8"))
    n = data["documents"]
    table = {w: math.log((n + 1) / (df + 1)) + 1 for w, df in data["df"].items()}
    return table, math.log(n + 1) + 1  # an unseen lemma is as rare as can be


def idf(word: str) -> float:
    table, unseen = idf_table()
    return table.get(word, unseen)


def tfidf_weights(counts: Counter) -> tuple[dict[str, float], float]:
    table, unseen = idf_table()
    weights = {w: c * table.get(w, unseen) for w, c in counts.items()}
    return weights, math.sqrt(sum(v * v for v in weights.values()))


BM25_K1, BM25_B = 1.2, 0.75
AVERAGE_LEMMAS = 40.0  # content lemmas of a link doc, on average (news_flow_dev's posts: 33 in October, 41 in November)


def bm25_weights(counts: Counter) -> tuple[dict[str, float], float]:
    """Each lemma's BM25 weight in a text (idf x saturated, length-normalised tf), and their sum: the text's score
    against itself. Summed in sorted order: float sums follow their order, set order follows the hash seed."""
    length = sum(counts.values())
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / AVERAGE_LEMMAS)
    weights = {w: idf(w) * c * (BM25_K1 + 1) / (c + norm) for w, c in counts.items()}
    return weights, sum(weights[w] for w in sorted(weights))


def tfidf_cosine(a: dict[str, float], na: float, b: dict[str, float], nb: float) -> float:
    if not na or not nb:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b[w] for w, v in a.items() if w in b)
    return dot / (na * nb)


def jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def overlap(a: frozenset, b: frozenset) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def hours_apart(a: LinkDoc, b: LinkDoc) -> float | None:
    if a.published_at and b.published_at:
        return abs((a.published_at - b.published_at).total_seconds()) / 3600
    return None


def features(a: LinkDoc, b: LinkDoc) -> dict[str, float]:
    return {
        "tfidf": tfidf_cosine(a.weights, a.norm, b.weights, b.norm),
        "title_tfidf": tfidf_cosine(a.title_weights, a.title_norm, b.title_weights, b.title_norm),
        "title_jaccard": jaccard(a.title_lemmas, b.title_lemmas),
        "chars": jaccard(a.chars, b.chars),
        "dense": float(a.vector @ b.vector),
        "entities": overlap(a.entities, b.entities),
        "entities_any": float(bool(a.entities & b.entities)),
        "figures": overlap(a.figures, b.figures),
        "short": float(min(sum(a.lemmas.values()), sum(b.lemmas.values())) < 12),
        **({"e5": float(a.event @ b.event)} if a.event is not None and b.event is not None else {}),
    }


@dataclass
class PairModel:
    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    def score(self, parts: dict[str, float]) -> float:
        x = (np.array([parts[n] for n in self.names]) - self.mean) / self.scale
        return float(1 / (1 + math.exp(-(x @ self.coef + self.intercept))))

    def contributions(self, parts: dict[str, float]) -> dict[str, float]:
        """Each part's push on the log-odds: what a reason line shows."""
        x = (np.array([parts[n] for n in self.names]) - self.mean) / self.scale
        return {n: round(float(v), 3) for n, v in zip(self.names, x * self.coef)}

    @classmethod
    def from_json(cls, d: dict):
        """A model as a training writes it; a subclass's own fields (thresholds, floors) by their names."""
        own = {f.name: d[f.name] for f in fields(cls)[len(fields(PairModel)):] if f.name in d}
        return cls(tuple(d["features"]), np.array(d["mean"]), np.array(d["scale"]), np.array(d["coef"]),
                   d["intercept"], d.get("threshold", 0.5), **own)


class Shelf:
    """The shipped models of one kind (svodka/data/NAME.json, and NAME_e5.json with e5's cosine as a part), read
    on first use; an evaluation may put its own on the shelf for a while (`use`) and go back to them (`reset`)."""

    def __init__(self, kind: type, name: str):
        self.kind, self.name, self.models = kind, name, {}

    def get(self, event: bool = False):
        if event not in self.models:
            path = DATA / f"{self.name}{'_e5' if event else ''}.json"
            self.models[event] = self.kind.from_json(json.loads(path.read_text(encoding="utf-8")))
        return self.models[event]

    def use(self, d: dict | None, event: bool) -> None:
        """Judge with `d` (a training's JSON) where the articles have event vectors or not, as `event` says, and
        with the shipped model otherwise; None: the shipped ones."""
        self.models = {} if d is None else {event: self.kind.from_json(d)}

    def reset(self) -> None:
        self.models = {}


PAIR_MODELS = Shelf(PairModel, "pair_model")


def pair_model(event: bool = False) -> PairModel:
    """The shipped model; with `event`, the one trained with the e5 part too (both articles need event vectors)."""
    return PAIR_MODELS.get(event)


def model_for(parts: dict[str, float]) -> PairModel:
    return pair_model(event="e5" in parts)


# -- the link model: "same event?" for what the linker links (posts and articles as they arrive)

# Trained by scripts/train_links.py on news_flow_dev (DEV gold events and judged related pairs of a Telegram flow):
# the text parts of a pair, how far apart in time, how short the shorter text is; e5's cosine where both have one.
LINK_FEATURES = ("tfidf", "dense", "entities", "figures", "hours", "size")
UNKNOWN_HOURS = 12.0  # a pair without both dates: as if half a day apart


def link_features(a: LinkDoc, b: LinkDoc, max_hours: float | None = None) -> dict[str, float]:
    """`max_hours` caps the time apart: a related list reaches back further than a story, and the model, trained on
    pairs within a story's window, would otherwise extrapolate."""
    apart = hours_apart(a, b)
    if apart is not None and max_hours is not None:
        apart = min(apart, max_hours)
    parts = {
        "tfidf": tfidf_cosine(a.weights, a.norm, b.weights, b.norm),
        "dense": float(a.vector @ b.vector),
        "entities": overlap(a.entities, b.entities),
        "figures": overlap(a.figures, b.figures),
        "hours": math.log1p(UNKNOWN_HOURS if apart is None else apart),
        "size": math.log1p(min(sum(a.lemmas.values()), sum(b.lemmas.values()))),
    }
    if a.event is not None and b.event is not None:
        parts["e5"] = float(a.event @ b.event)
    return parts


@dataclass
class LinkModel(PairModel):
    story_threshold: float = 0.5  # an article joins a story whose best members reach this on average


LINK_MODELS = Shelf(LinkModel, "link_model")


def link_model(event: bool = False) -> LinkModel:
    """The shipped link model; with `event`, the one with e5's cosine too (both articles need event vectors)."""
    return LINK_MODELS.get(event)


RECURRING_AFTER_H = 12  # the same report a day later is the next day's report
RECURRING_ALIKE = 0.45  # lemma TF-IDF cosine from which two texts read as one template
RARE_IDF = 6.5  # a lemma this rare (a name, a term: "Кобахидзе", "МРОТ"; not "день", "праздник") is specific
RECURRING_ALIKE_SAME_SOURCE = 0.3  # a channel's own daily report varies less around its template


def rarest_shared_idf(a: LinkDoc, b: LinkDoc) -> float:
    """The idf of the rarest lemma both texts have (a name, a term: the matter), 0 when none is shared."""
    return max((idf(w) for w in a.lemmas.keys() & b.lemmas.keys()), default=0.0)


def rare_matter(word: str) -> bool:
    """A lemma rare enough (idf >= RARE_IDF) to be specific that names a matter: not a number-word ("46-летний" is
    rare as a word and names no matter: a shooting in Kazan and a drift in the Sea of Okhotsk, each of a
    46-year-old; a name with a number in it, "м-2", "су-34", starts with its letters and still counts), nor a verb
    or an adverb (`names_a_matter`: the idf table's 11,773 texts make "проверяться", "взорваться", "недостаточно"
    as rare as "Кобахидзе", and a Superjet's fire and a Boeing's crash share them)."""
    return idf(word) >= RARE_IDF and not word[0].isdigit() and names_a_matter(word)


def shares_rare_word(a: LinkDoc, b: LinkDoc, *more: LinkDoc) -> bool:
    """Whether the texts all have a `rare_matter` lemma in common."""
    common = a.lemmas.keys() & b.lemmas.keys()
    for d in more:
        common &= d.lemmas.keys()
    return any(rare_matter(w) for w in common)


def recurring(a: LinkDoc, b: LinkDoc, parts: dict[str, float]) -> bool:
    """Two instances of a recurring report (the nightly air-defence count, the quotes column, the weather
    warning): worded alike, hours apart, with other numbers. Each is its own event."""
    apart = hours_apart(a, b)
    if apart is None or apart <= RECURRING_AFTER_H:
        return False
    if not shares_rare_word(a, b):
        return True  # a day apart with nothing specific in common: the same kind of news, not the same news
    same_source = bool(a.source) and a.source == b.source
    if same_source and a.opening and a.opening == b.opening:  # "Сегодня отмечается…", "Колонка котировок…"
        return True
    alike = RECURRING_ALIKE_SAME_SOURCE if same_source else RECURRING_ALIKE
    return parts["tfidf"] >= alike and figures_changed(a, b) and not specific_numbers(a.numbers & b.numbers)


def figures_changed(a: LinkDoc, b: LinkDoc) -> bool:
    """Whether two alike texts give other numbers ("сбиты 8" / "сбиты 5": the next night's count). One that gives
    fewer of the same numbers, or none, changed no figure when both headlines name the same rare matter (the
    closures "12 октября из-за марафона" and "в воскресенье из-за марафона"; "Литвин" fined, then arrested "на 13
    суток"): a routine report's headline is its template, and shares no rare word with the next one's."""
    if a.numbers == b.numbers:
        return False
    if not (a.numbers <= b.numbers or b.numbers <= a.numbers):
        return True
    return not any(idf(w) >= RARE_IDF for w in a.title_lemmas & b.title_lemmas)


def specific_numbers(numbers: frozenset) -> frozenset:
    """Figures that name a matter ("22 440" rubles, "210" thousand), not a date, a count or a year: a law's
    readings weeks apart share them, two days' quote columns or drone counts do not."""
    return frozenset(n for n in numbers if len(n.replace(",", "").replace(".", "")) >= 3
                     and not (n.isdigit() and 1990 <= int(n) <= 2040))


def link_score(a: LinkDoc, b: LinkDoc, max_hours: float | None = None) -> tuple[float, dict[str, float], LinkModel]:
    """The probability that two articles report one event, its parts, and the model that judged."""
    parts = link_features(a, b, max_hours)
    model = link_model(event="e5" in parts)
    if recurring(a, b, parts):
        return 0.0, parts, model
    return model.score(parts), parts, model


def similarity(a: LinkDoc, b: LinkDoc) -> float:
    parts = features(a, b)
    return model_for(parts).score(parts)
