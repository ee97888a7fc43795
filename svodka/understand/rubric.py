"""Rubric of a news article and news / not-news: small linear models over lemmas plus a few transparent rules.

Both models are TF-IDF weights times logistic-regression coefficients, exported by scripts/train_rubric.py to
JSON in svodka/data/, so prediction here is plain numpy: no scikit-learn at run time, and a load in tens of
milliseconds. Features are pymorphy3 lemmas of the title (counted 2 or 3 times, as the model's spec says: it
carries the topic) and of the first LEAD_CHARS of the text, optionally with character 4-grams of the lemmas
(they let unseen names and forms vote), and optionally the mean of navec's word vectors over the same words
(natasha's NewsEmbedding, which the NER loads anyway): it lets words the labelled data never had vote by their
neighbours ("Instagram", "Gylt", "сэйв").

The public labelled data files politics, world and incidents under one "society" (the tgcontest guideline says
so outright), so the rubric model learns the gold classes economy / culture / science / sports / other /
society, and an article it calls society is split by lexicon rules (split_society): the same rules a reader can
check, rather than a model fitted to a dozen silver examples per class.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .lemmas import lemma as _lemma

RUBRICS = ("politics", "world", "economy", "society", "incidents", "science", "sports", "culture", "other")
RUBRIC_NAMES_RU = {
    "politics": "Политика", "world": "В мире", "economy": "Экономика", "society": "Общество",
    "incidents": "Происшествия", "science": "Наука и технологии", "sports": "Спорт", "culture": "Культура",
    "other": "Разное",
}

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
RUBRIC_MODEL_PATH = DATA_DIR / "rubric_model.json"
NEWS_MODEL_PATH = DATA_DIR / "rubric_news_model.json"

LEAD_CHARS = 1000
NAVEC_DIM = 300
TITLE_CHARS = 300
TITLE_WEIGHT = 2  # a model's spec may set its own ("title_weight"; the rubric model's is 3)
# A web server sees an open-ended stream of word forms: forget them all rather than grow without bound.
MAX_CACHED_FORMS = 300_000

# Lemmas that split "society" into the rubrics the public data does not label (see split_society); "other" is
# weather and horoscopes, which tgcontest files as other and ria.ru as society.
LEXICONS = {
    "incident": frozenset("""погибнуть гибель погибший дтп авария катастрофа крушение пожар возгорание взрыв взорваться
        убийство убить убийца труп изнасилование изнасиловать насиловать похищение похитить ранить ранение пострадать
        пострадавший утонуть спасатель мчс стрельба стрелок нападение напасть ограбление ограбить грабитель мошенник
        мошенничество задержать задержание арестовать приговорить приговор обвиняемый подозреваемый преступление
        преступник пропавший обрушение обрушиться перевернуться столкновение сгореть теракт смертельный скончаться
        разбиться уголовный угнать поджог""".split()),
    "politics": frozenset("""госдума депутат парламент законопроект выборы избирательный партия кремль песков санкция
        мид посол дипломат переговоры саммит оппозиция сенатор совфед спикер кпрф лдпр голосование референдум
        инаугурация иноагент политик политический""".split()),
    "other": frozenset("""погода синоптик гидрометцентр метеоролог метеорологический метеобюро снегопад снег снежный
        осадки дождь дождливый ливень гроза туман метель гололедица гололед заморозок похолодание потепление мороз
        морозный жара облачность облачно пасмурно пасмурный циклон антициклон градус гороскоп ураган шторм
        штормовой""".split()),
    "foreign": frozenset("""сша америка американский вашингтон трамп байден украина украинский киев зеленский германия
        немецкий берлин франция французский париж макрон великобритания британия британский лондон китай китайский
        пекин япония японский токио турция турецкий эрдоган израиль израильский палестина палестинский газа хамас
        сирия сирийский иран иранский ирак афганистан польша польский варшава белоруссия беларусь белорусский минск
        лукашенко казахстан узбекистан киргизия армения азербайджан грузия молдавия молдова латвия литва эстония
        финляндия швеция норвегия италия испания европа европейский ес евросоюз нато оон боливия венесуэла бразилия
        мексика канада индия пакистан корея кндр австралия африка египет оаэ катар сербия венгрия болгария румыния
        чехия австрия швейцария нидерланды бельгия дания греция куба аргентина вьетнам таиланд индонезия""".split()),
    "home": frozenset("россия российский рф москва московский петербург россиянин москвич подмосковье кремль "
                      "госдума".split()),
}

# "Сегодня отмечается Всемирный день мужчин", "Сегодня в России отмечается День оладушек", "Сегодня День матери":
# the daily observance post of the city and Топор channels (46 of the 8,800 DEV posts of news channels), filed
# under "other" as horoscopes are
_OBSERVANCE_TITLE = re.compile(
    r"^\W*Сегодня(?:\s+в\s+[А-ЯЁ][а-яё]+)?\s+(?:отмечается\s+)?(?:[Вв]семирный\s+|[Мм]еждународный\s+)?[Дд]ень\b(?!\s+рождени)")
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# "МОСКВА, 2 окт - РИА Новости." and the like: an agency's dateline says who wrote it, not what it is about.
_DATELINE = re.compile(
    r"^\s*[А-ЯЁA-Z][^\n]{0,80}?,\s*\d{1,2}\s+[а-яё]+\.?\s*[-–—/]\s*[^\n.]{0,60}?"
    r"(?:РИА Новости|Sputnik|ТАСС|Интерфакс|ПРАЙМ)(?:,[^\n.]{0,40})?\.?\s+")

# Ads carry a legal label (Реклама. ООО ..., erid) or a promo code; how-tos and listicles announce themselves in
# the title. Channel-labelled training data calls the ads in news channels news, so these need rules.
_AD = re.compile(r"\berid\b|на\s+правах\s+рекламы|#реклама|промокод", re.I)
# case-sensitive: the label is "Реклама. ООО «…»"; news about advertising says "реклама о…", "рекламу"
_AD_LABEL = re.compile(r"(?:^|[\s.!])Реклама[.:]?\s+(?:ООО|АО|ПАО|ИП|ЗАО|Банк|[«\"А-ЯЁA-Z])")
_HOWTO_TITLE = re.compile(
    r"^\W*(?:как\s+[а-яё]+(?:ть|ться|ти|тись)\b|(?:топ[-– ]?)?\d+\s+(?:[а-яё]+\s+)?(?:способ|причин|правил|совет|"
    r"ошиб|книг|инструмент|лайфхак|вещ|фильм|сервис|библиотек|привыч|продукт|иде[йи]|вопрос|шаг|признак|мест|"
    r"мелоч|рецепт|упражнен))", re.I)
# The shipped rubric model is calibrated (scripts/train_rubric.py), so below this its best guess is more
# likely wrong than right among the rubrics it weighs: the text is filed under "other" rather than misfiled.
UNSURE_BELOW = 0.3
AD_NEWS_PROBABILITY = 0.05
HOWTO_NEWS_PROBABILITY = 0.15


@dataclass
class RubricResult:
    rubric: str
    confidence: float
    scores: dict[str, float]


# Lemma of a lower-case word form, ё folded so that sources that drop it agree: the analysis' own cached lemma
# (lemmas.lemma: the same pymorphy3 lemma, for 94,194 of the training texts' 94,194 forms), so that a word the
# rubric has parsed is not parsed again by a second analyser for the article's lemmas.
lemma = _lemma


def form_features(form: str, char_n: int) -> list[str]:
    lem = lemma(form)
    if not char_n:
        return ["w:" + lem]
    padded = f" {lem} "
    return ["w:" + lem] + ["c:" + padded[i:i + char_n] for i in range(len(padded) - char_n + 1)]


def navec_id(form: str) -> int | None:
    """navec's row for a lower-case word form (ё folded as in the lemmas), None when navec does not know it."""
    return _embedding().vocab.get(form.replace("ё", "е"))


def navec_vectors(ids: list[int]) -> np.ndarray:
    """navec's vectors of these rows, (len(ids), NAVEC_DIM), decoded from its product quantisation."""
    pq = _embedding().pq
    idx = np.asarray(ids, dtype=np.int64)
    return pq.codes[pq.qdims[None, :], pq.indexes[idx]].reshape(len(idx), NAVEC_DIM).astype(np.float32)


def navec_mean(ids: list[int]) -> np.ndarray:
    """The mean of navec's vectors of these rows (each counted as often as listed); zeros if none. Not
    normalised: so a linear model's score of it is the mean of its words' scores, which can be cached per word."""
    if not ids:
        return np.zeros(NAVEC_DIM, dtype=np.float32)
    return navec_vectors(ids).mean(axis=0)


def dense_features(title: str, text: str, title_weight: int = TITLE_WEIGHT) -> np.ndarray:
    """The navec part of an article's features, as the training script computes it: the mean vector of the
    title's words (counted title_weight times) and the lead's."""
    title_forms, body_forms = word_forms(title, text)
    return navec_mean([i for i in map(navec_id, title_forms * title_weight + body_forms) if i is not None])


@lru_cache(maxsize=1)
def _embedding():
    from .baseform import embedding  # natasha's NewsEmbedding, loaded once per process and shared with the NER

    return embedding()


def word_forms(title: str, text: str) -> tuple[list[str], list[str]]:
    body = _DATELINE.sub("", text[:LEAD_CHARS + 200], count=1)[:LEAD_CHARS]
    return _TOKEN.findall(title[:TITLE_CHARS].lower()), _TOKEN.findall(body.lower())


def features(title: str, text: str, char_n: int = 0, title_weight: int = TITLE_WEIGHT) -> list[str]:
    """The feature strings of an article, as the training script counts them (the title's title_weight times)."""
    title_forms, body_forms = word_forms(title, text)
    out: list[str] = []
    for form in title_forms * title_weight + body_forms:
        out += form_features(form, char_n)
    return out


# Names whose last word is a lexicon word that the name does not mean: "Дед Мороз" is no frost (the
# December posts of his train, his residence, his birthday); the lemma after the first word is not counted.
_NAMES = frozenset({("дед", "мороз")})


def _unnamed(lemmas: list[str]) -> list[str]:
    """The lemmas with the last word of each name in _NAMES blanked."""
    return [w if i == 0 or (lemmas[i - 1], w) not in _NAMES else "" for i, w in enumerate(lemmas)]


def _hits(lexicon: frozenset[str], title: list[str], lead: list[str]) -> int:
    return 2 * sum(w in lexicon for w in title) + sum(w in lexicon for w in lead)


def split_society(title: str, text: str) -> str:
    """world, incidents, other (weather, observance days), politics or society for an article about society at large.

    Counts lexicon lemmas in the title (twice) and the first 400 chars. Foreign places beat incidents: a riot
    abroad is world news. Otherwise the lexicon with the most hits (at least 2) wins, and on a tie incidents beat
    weather and politics: a deputy arrested is an incident; a cyclone that "обрушится" on the city is weather.
    A title announcing the day's observance ("Сегодня отмечается День …") is other. A name's word is no
    lexicon word ("Дед Мороз", _NAMES).
    """
    if _OBSERVANCE_TITLE.match(title):
        return "other"
    title_forms, lead_forms = word_forms(title, text[:400])
    t, lead = _unnamed([lemma(f) for f in title_forms]), _unnamed([lemma(f) for f in lead_forms])
    foreign, home = _hits(LEXICONS["foreign"], t, lead), _hits(LEXICONS["home"], t, lead)
    if foreign >= 3 and foreign > 2 * home:
        return "world"
    hits = {code: _hits(LEXICONS[name], t, lead)
            for name, code in (("incident", "incidents"), ("other", "other"), ("politics", "politics"))}
    best = max(hits, key=hits.get)  # the most hits; a tie goes to the first: incidents, then weather, then politics
    return best if hits[best] >= 2 else "society"


class LinearModel:
    """TF-IDF (sublinear tf, smooth idf, l2), optionally beside the navec mean vector (dense_features), then
    softmax over linear scores, as exported from scikit-learn."""

    def __init__(self, spec: dict):
        self.classes = list(spec["classes"])
        self.char_n = int(spec["char_n"])
        self.title_weight = int(spec.get("title_weight", TITLE_WEIGHT))  # how many times the title's words count
        self.index = {f: i for i, f in enumerate(spec["vocabulary"])}
        self.idf = np.asarray(spec["idf"], dtype=np.float32)
        self.coef = np.asarray(spec["coef"], dtype=np.float32)  # (features, classes)
        self.intercept = np.asarray(spec["intercept"], dtype=np.float32)
        # (NAVEC_DIM, classes), the feature scale already folded in; absent in a model without the navec part
        self.dense_coef = np.asarray(spec["dense_coef"], dtype=np.float32) if spec.get("dense_coef") else None
        self._navec_table: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # code scores, words', known
        self.clear_caches()

    def clear_caches(self) -> None:
        """Forget the word forms seen so far (their feature ids and navec rows)."""
        self._form_ids: dict[str, tuple[np.ndarray, int]] = {}

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        with open(path, encoding="utf-8") as f:
            return cls(json.load(f))

    def _entry(self, form: str) -> tuple[np.ndarray, int]:
        """The form's feature ids and its navec row (-1: none, or no navec part), cached per form."""
        entry = self._form_ids.get(form)
        if entry is None:
            if len(self._form_ids) >= MAX_CACHED_FORMS:
                self._form_ids = {}
            feats = form_features(form, self.char_n)
            ids = np.array([self.index[f] for f in feats if f in self.index], dtype=np.int32)
            row = navec_id(form) if self.dense_coef is not None else None
            entry = self._form_ids[form] = (ids, -1 if row is None else row)
        return entry

    def _navec_scores(self, rows: list[int]) -> np.ndarray:
        """The navec part's scores of these words, (len(rows), classes): a word's vector times dense_coef.
        navec's vector is a concatenation of product-quantisation codes, so its score is a sum of per-code scores
        (added in code order, from zero); each word's is worked out the first time it comes and kept (a table of
        6 MB at most), so a text costs one lookup a word and no process pays for the 250,000 words up front."""
        if self._navec_table is None:  # one tuple, set at once: threads see all of it or none
            pq = _embedding().pq
            q, _, d = pq.codes.shape
            # (subvectors, codes, classes): each code's part of a score
            code_scores = np.einsum("qkd,qdc->qkc", pq.codes[pq.qdims], self.dense_coef.reshape(q, d, -1)
                                    ).astype(np.float32)
            words = pq.indexes.shape[0]
            self._navec_table = (code_scores, np.zeros((words, code_scores.shape[2]), dtype=np.float32),
                                 np.zeros(words, dtype=bool))
        code_scores, table, known = self._navec_table
        idx = np.asarray(rows, dtype=np.int64)
        new = np.unique(idx[~known[idx]])
        if len(new):
            codes = _embedding().pq.indexes[new].T  # (subvectors, words)
            parts = code_scores[np.arange(len(codes))[:, None], codes]  # (subvectors, words, classes)
            table[new] = np.add.reduce(parts, axis=0, initial=np.float32(0))
            known[new] = True
        return table[idx]

    def probabilities(self, title: str, text: str) -> np.ndarray | None:
        """Class probabilities, or None when the text has no word the model knows."""
        title_forms, body_forms = word_forms(title, text)
        entries = [self._entry(f) for f in title_forms] * self.title_weight + [self._entry(f) for f in body_forms]
        if not entries:
            return None
        ids, counts = np.unique(np.concatenate([e[0] for e in entries]), return_counts=True)
        if not len(ids):
            return None
        weights = (1.0 + np.log(counts)) * self.idf[ids]
        z = weights @ self.coef[ids] / np.linalg.norm(weights) + self.intercept
        if self.dense_coef is not None:  # mean(vectors) @ coef is the mean of the words' cached scores
            rows = [e[1] for e in entries if e[1] >= 0]
            if rows:
                z = z + self._navec_scores(rows).mean(axis=0)
        e = np.exp(z - z.max())
        return e / e.sum()


_models: dict[Path, LinearModel] = {}
_models_lock = threading.Lock()


def model(path: Path) -> LinearModel:
    """The model at `path`, loaded once per process."""
    found = _models.get(path)
    if found is None:
        with _models_lock:
            found = _models.get(path) or LinearModel.load(path)
            _models[path] = found
    return found


def classify_rubric(title: str, text: str) -> RubricResult:
    return classify_with(model(RUBRIC_MODEL_PATH), title, text)


def classify_with(rubric_model: LinearModel, title: str, text: str) -> RubricResult:
    """The rubric, its probability, and a probability per rubric (they sum to 1).

    The model's society probability goes to the one part of society split_society picks; the other parts
    score 0. A text with no word the model knows is "other" with confidence 0; one whose best rubric scores
    under UNSURE_BELOW is "other" too, with the probability the model gives "other".
    """
    title, text = title or "", text or ""
    scores = dict.fromkeys(RUBRICS, 0.0)
    probs = rubric_model.probabilities(title, text)
    if probs is None:
        return RubricResult("other", 0.0, scores)
    for name, p in zip(rubric_model.classes, probs):
        part = split_society(title, text) if name == "society" else name
        scores[part] = round(scores[part] + float(p), 4)
    best = max(scores, key=scores.get)
    if scores[best] < UNSURE_BELOW:
        best = "other"
    return RubricResult(best, scores[best], scores)


def classify_rubrics(items: list[tuple[str, str]]) -> list[RubricResult]:
    return [classify_rubric(title, text) for title, text in items]


def news_rule(title: str, text: str) -> float | None:
    """The news probability an ad or a how-to caps the model at; None when no rule applies."""
    head, body = title[:TITLE_CHARS], text[:LEAD_CHARS * 3]
    if any(p.search(head) or p.search(body) for p in (_AD, _AD_LABEL)):
        return AD_NEWS_PROBABILITY
    if _HOWTO_TITLE.search(title[:TITLE_CHARS]):
        return HOWTO_NEWS_PROBABILITY
    return None


def is_news(title: str, text: str) -> tuple[bool, float]:
    return is_news_with(model(NEWS_MODEL_PATH), title, text)


def is_news_with(news_model: LinearModel, title: str, text: str, rules: bool = True) -> tuple[bool, float]:
    """(is news, probability of news); a text with no known word is not news."""
    title, text = title or "", text or ""
    probs = news_model.probabilities(title, text)
    if probs is None:
        return False, 0.0
    p = float(probs[news_model.classes.index("news")])
    cap = news_rule(title, text) if rules else None
    if cap is not None:
        p = min(p, cap)
    return p >= 0.5, round(p, 4)


def _norm(name: str) -> str:
    return " ".join(re.sub(r"[^\w\s-]", " ", name.lower().replace("ё", "е")).split())


_PAGE_RUBRICS = {
    "политика": "politics", "власть": "politics", "выборы": "politics", "politics": "politics",
    "в мире": "world", "мир": "world", "международные новости": "world", "за рубежом": "world",
    "бывший ссср": "world", "world": "world", "international": "world",
    "экономика": "economy", "бизнес": "economy", "финансы": "economy", "недвижимость": "economy",
    "economy": "economy", "business": "economy", "finance": "economy",
    "общество": "society", "россия": "society", "регионы": "society", "москва": "society", "город": "society",
    "из жизни": "society", "здоровье": "society", "образование": "society", "society": "society",
    "происшествия": "incidents", "криминал": "incidents", "силовые структуры": "incidents", "чп": "incidents",
    "инциденты": "incidents", "incidents": "incidents", "crime": "incidents",
    "наука": "science", "наука и техника": "science", "технологии": "science", "hi-tech": "science",
    "интернет и сми": "science", "авто": "science", "science": "science", "tech": "science", "technology": "science",
    "спорт": "sports", "sport": "sports", "sports": "sports",
    "культура": "culture", "шоу-бизнес": "culture", "кино": "culture", "музыка": "culture",
    "culture": "culture", "entertainment": "culture",
    "разное": "other", "погода": "other", "гороскоп": "other", "other": "other",
}
# Longer names ("Новости спорта", "Мировая экономика"): the first stem found wins, so more specific rubrics
# come first (economy before world: "мировая экономика" is economy).
_PAGE_STEMS = (
    ("sports", ("спорт", "футбол", "хокке", "теннис", "олимпи", "sport")),
    ("incidents", ("происшеств", "криминал", "инцидент", "силов")),
    ("economy", ("эконом", "бизнес", "финанс", "рынк", "недвижим", "банк", "econom", "busines", "financ")),
    ("science", ("наук", "технолог", "техник", "гаджет", "интернет", "hi-tech", "хайтек", "scien", "tech")),
    ("culture", ("культур", "кино", "музык", "театр", "искусств", "шоу", "книг", "звезд", "cultur", "entertain")),
    ("politics", ("политик", "власт", "выбор", "politic")),
    ("world", ("мир", "международ", "зарубеж", "world")),
    ("society", ("обществ", "социальн", "регион", "город", "здоров", "образован", "societ")),
)


def map_page_rubric(name: str) -> str | None:
    """Our rubric code for the rubric a page or a feed gives itself ("В мире" -> "world"); None if unknown."""
    norm = _norm(name or "")
    if norm in _PAGE_RUBRICS:
        return _PAGE_RUBRICS[norm]
    words = norm.split()
    for code, stems in _PAGE_STEMS:
        if any(w.startswith(s) for w in words for s in stems):
            return code
    return None
