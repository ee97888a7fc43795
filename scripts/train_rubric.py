"""Train the rubric and the news / not-news models and export them to svodka/data/ as JSON.

    .venv/bin/python scripts/train_rubric.py [--data ../shared/data]

Needs scikit-learn (training only; svodka/understand/rubric.py predicts with numpy).

Rubric labels, mapped to ours (svodka.understand.rubric.RUBRICS):
  tgcontest_ru/categories_dev.jsonl `label` (the organiser's own answers):
    society -> society (then split, below)   economy -> economy     technology -> science   science -> science
    sports -> sports   entertainment -> culture   other -> other (weather, horoscopes)   not_news -> dropped here
  ria_2023_ru/dev.jsonl `topic` (ria.ru's own section): economy -> economy, culture -> culture,
    society -> society (then split); articles listed under several sections are dropped.
  telegram_news_ru/dev.jsonl: posts of the channels whose subject implies a rubric (CHANNEL_RUBRIC: Naked Science
    -> science, Банкста -> economy, КиберТопор -> science, the Moscow city channels and BBC -> society), at most
    POSTS_PER_CHANNEL each, read as ingestion reads posts, so that the model sees posts as well as articles;
    the posts labelled by reading for eval/rubric.py (the 100 it reports on and the 120 it tunes on) are left
    out. `category_llm` is an LLM's guess: not used.
    And 1,361 more DEV posts of the news channels labelled by reading to train on (READ_POSTS:
    eval/data/rubric_posts_train_dev.jsonl, 398, and rubric_posts_train2_dev.jsonl, 963 read later, the one draw
    of draw_posts; politics / world / incidents -> society), weighed READ_WEIGHT: the kind of text the model
    was weakest on, with labels of the same kind as the tuning and held-out posts; their ids are kept out of the
    channel-labelled posts.
    And the match reports of every news channel (at most SPORTS_PER_CHANNEL each, by SPORTS_LEMMAS: two or more
    in the title and lead) as sports: tgcontest alone has only 20 sports articles.
  A channel's label is weak (city channels post mortgage rates and concerts, КиберТопор games, Банкста fraud
    cases) and a model fitted to it learns the channel's style as the rubric. So the posts' labels are checked
    first (clean_channel_labels, Recipe.clean): each group of posts is scored by a model trained without it;
    a post it files elsewhere with probability >= 0.8 is relabelled, one whose own label gets < 0.2 is dropped
    (thresholds tuned on the 120 tuning posts and the tune half of tgcontest and RIA, see eval/rubric.py).
Features and weights (Recipe): TF-IDF of lemmas and their char 4-grams (the title's words counted `title_weight`
times), beside the navec mean vector (rubric.dense_features, scaled by `navec`); classes balanced; tgcontest's
articles weigh 3 times the others (152 articles by the categories' own annotator among 2,300 texts of weaker or
narrower labels).
Calibration: a temperature fitted on 5-fold held-out scores (the log loss of the true class) divides the
coefficients, so the shipped model's probabilities mean what they say; rubric.py answers "other" when unsure.
Neither source labels politics, world or incidents: both fold them into "society" (the tgcontest guideline:
"Общество: политика, выборы, законы, происшествия, криминал"). So the model learns the six gold classes
(economy, culture, science, sports, other, society) and rubric.split_society splits society by lexicon rules
at run time. For evaluation only, each society article also gets a silver fine label (`Example.fine`):
ria.ru's own tags first (Происшествия -> incidents, В мире -> world, Политика -> politics, Погода -> other, as
tgcontest files weather; Наука -> science), else split_society. Scores against these silver labels partly
measure the rules against themselves: eval/rubric.py reports them apart from the gold ones.

News / not news:
  telegram_news_ru/dev.jsonl: the channel is the (weak) label: the five programming channels are not news, the
    other 19 are news. `category_llm` is an LLM's guess and is not used.
  tgcontest_ru/categories_dev.jsonl: not_news -> not news, any other label -> news (gold).
  ria_2023_ru/dev.jsonl: all news (an agency's feed), so that articles, not only posts, are seen as news.
Ads and how-tos inside news channels are handled by the rules in rubric.news_rule, not by the model.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.ingest.jsonl import headline_and_body  # noqa: E402  (posts are read as ingestion reads them)
from svodka.understand import rubric  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"

TGCONTEST_RUBRIC = {"society": "society", "economy": "economy", "technology": "science", "science": "science",
                    "sports": "sports", "entertainment": "culture", "other": "other"}
RIA_RUBRIC = {"economy": "economy", "culture": "culture", "society": "society"}
RIA_SOCIETY_TAGS = {"Происшествия": "incidents", "В мире": "world", "Политика": "politics", "Погода": "other",
                    "Наука": "science"}
NOT_NEWS_CHANNELS = frozenset({
    "Хабр", "Библиотека программиста | программирование, кодинг, разработка",
    "Библиотека питониста | Python, Django, Flask", "Библиотека Go разработчика | Golang", "Типичный программист"})

# channels whose every post is about one subject: a weak but honest label for posts. City news channels and
# the BBC's are society in the gold classes' sense (politics, world, incidents and society at large).
CHANNEL_RUBRIC = {"Naked Science": "science", "Банкста": "economy", "КиберТопор": "science",
                  "Москвач • Новости Москвы": "society", "Москва Live": "society", "Москва - новостная": "society",
                  "Москва с огоньком": "society", "Новости Москвы": "society", "BBC News | Русская служба": "society"}
POSTS_PER_CHANNEL = 150
# science is the weakest class on tgcontest (technology news read as society): its two channels give twice as many
POSTS_OF_CHANNEL = {"Naked Science": 300, "КиберТопор": 300}
# a city channel's match reports are sports, not society: such posts are left out of its weak labels
SPORTS_LEMMAS = frozenset("""матч гол футбол футболист хоккей хоккеист теннис теннисист чемпионат турнир сборная
    тренер нападающий вратарь рпл кхл нхл олимпиада олимпийский спортсмен спорт спортивный забить""".split())
# posts labelled by reading for eval/rubric.py: never trained on (the 100 it reports on, the 120 it tunes on)
HELD_OUT_POSTS = ROOT / "eval" / "data" / "rubric_posts_dev.jsonl"
TUNING_POSTS = ROOT / "eval" / "data" / "rubric_posts_tune_dev.jsonl"
# more DEV posts labelled by reading, to train on (drawn by draw_posts; see eval/data/rubric_posts_train_dev.md)
TRAINING_POSTS = ROOT / "eval" / "data" / "rubric_posts_train_dev.jsonl"
# the next 963 posts of the same draw (draw_posts(data, 1365)[398:]), read in a later round (rubric_posts_train2_dev.md)
MORE_TRAINING_POSTS = ROOT / "eval" / "data" / "rubric_posts_train2_dev.jsonl"
# every file of posts read to train on; the recipe before this round learned from the first alone
READ_POSTS = (TRAINING_POSTS, MORE_TRAINING_POSTS)
READ_POSTS_BEFORE = (TRAINING_POSTS,)
DRAW_SEED = 13
READ_GROUP = "read posts"
SOCIETY_PARTS = {"politics": "society", "world": "society", "incidents": "society"}  # the gold classes' society
TEMPERATURES = np.round(np.arange(0.1, 3.01, 0.02), 2)

SPORTS_PER_CHANNEL = 40
MIN_DF = 2


@dataclass(frozen=True)
class Recipe:
    char_n: int  # char n-grams of lemmas beside the lemmas (0: lemmas only)
    navec: float = 0.0  # scale of the navec mean vector beside the l2-normalised TF-IDF (0: none)
    c: float = 3.0  # inverse regularisation of the logistic regression
    weights: tuple[tuple[str, float], ...] = ()  # (group, sample weight) pairs; other groups weigh 1
    # (relabel at, drop under): channel posts' labels checked by models trained without their channel group
    # (clean_channel_labels); None: the channels' labels as they are
    clean: tuple[float, float] | None = None
    title_weight: int = rubric.TITLE_WEIGHT  # how many times the title's words count (rubric.features)


# the posts read to train on weigh READ_WEIGHT: they are the kind of text the model is weakest on, labelled as the
# tuning and held-out posts are (weight and the title's weight tuned on the 120 tuning posts and the CV's tune
# halves; see eval/rubric.py and docs/benchmarks.md: with 1,361 posts read, 3 cost the articles)
READ_WEIGHT = 2.0
RUBRIC = Recipe(char_n=4, navec=0.5, c=3.0, weights=(("tgcontest", 3.0), (READ_GROUP, READ_WEIGHT)), clean=(0.8, 0.2),
                title_weight=3)
NEWS = Recipe(char_n=0, c=3.0)
# shipped before this round (trained on rubric_examples(data, READ_POSTS_BEFORE): the first 398 posts read)
RUBRIC_BEFORE = Recipe(char_n=4, navec=0.5, c=3.0, weights=(("tgcontest", 3.0), (READ_GROUP, 3.0)), clean=(0.8, 0.2))
DECIMALS = 4


@dataclass
class Example:
    group: str  # source, or the Telegram channel: splits keep a group on one side
    title: str
    text: str
    label: str  # what the model learns: the source's own label mapped to ours
    fine: str = ""  # rubric articles: silver label with society split (see the module docstring)


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def rubric_examples(data: Path, read_posts: tuple[Path, ...] = READ_POSTS) -> list[Example]:
    """The rubric training texts: articles, the posts labelled by reading in the files `read_posts`, channel posts
    with the labels their channels imply (see prepared), none of them a post read."""
    out = []
    for r in read_jsonl(data / "tgcontest_ru" / "categories_dev.jsonl"):
        label = TGCONTEST_RUBRIC.get(r["label"])
        if label:
            out.append(Example("tgcontest", r["title"], r["text"], label, fine_label(label, r)))
    for r in read_jsonl(data / "ria_2023_ru" / "dev.jsonl"):
        label = RIA_RUBRIC.get(r["topic"] or "")
        if label:
            out.append(Example("ria", r["title"], r["text"], label, fine_label(label, r)))
    read = read_post_examples(data, read_posts)
    return out + read + channel_examples(data, also_skip={r["id"] for p in read_posts for r in read_jsonl(p)})


def read_post_examples(data: Path, paths: tuple[Path, ...] = READ_POSTS) -> list[Example]:
    """The DEV posts labelled by reading to train on (the files `paths`), read as ingestion reads them; group
    READ_GROUP, label the gold class (politics, world, incidents -> society), fine the rubric read."""
    labels = {r["id"]: r["label"] for path in paths for r in read_jsonl(path)}
    out = []
    for r in read_jsonl(data / "telegram_news_ru" / "dev.jsonl"):
        if r["id"] in labels:
            title, body = headline_and_body(r["text"], r["channel"])
            fine = labels[r["id"]]
            out.append(Example(READ_GROUP, title, "\n".join(b.text for b in body), SOCIETY_PARTS.get(fine, fine), fine))
    return out


def channel_examples(data: Path, sports: bool = True, caps: dict | None = None,
                     also_skip: frozenset[str] | set[str] = frozenset()) -> list[Example]:
    """Posts of the channels in CHANNEL_RUBRIC, the first POSTS_PER_CHANNEL (POSTS_OF_CHANNEL) of each with a
    headline that is no match report; and (`sports`) the first SPORTS_PER_CHANNEL match reports of every news
    channel, as sports. The posts labelled by reading are never among them (`also_skip`: more ids to pass over,
    the posts read to train on, which come with their own labels)."""
    out, taken, taken_sports = [], dict.fromkeys(CHANNEL_RUBRIC, 0), {}
    held_out = {r["id"] for path in (HELD_OUT_POSTS, TUNING_POSTS) if path.exists() for r in read_jsonl(path)}
    held_out |= set(also_skip)
    for r in read_jsonl(data / "telegram_news_ru" / "dev.jsonl"):
        channel = r["channel"]
        if r["id"] in held_out or channel in NOT_NEWS_CHANNELS:
            continue
        label = CHANNEL_RUBRIC.get(channel)
        cap = (POSTS_OF_CHANNEL if caps is None else caps).get(channel, POSTS_PER_CHANNEL)
        if not (sports and taken_sports.get(channel, 0) < SPORTS_PER_CHANNEL) and \
                (label is None or taken[channel] >= cap):
            continue
        title, body = headline_and_body(r["text"], channel)  # the channel's sign-offs off, as ingestion does
        if not title:
            continue
        text = "\n".join(b.text for b in body)
        if sports_post(title, body):
            if sports and taken_sports.get(channel, 0) < SPORTS_PER_CHANNEL:
                taken_sports[channel] = taken_sports.get(channel, 0) + 1
                out.append(Example(channel, title, text, "sports", "sports"))
        elif label is not None and taken[channel] < cap:
            taken[channel] += 1
            out.append(Example(channel, title, text, label, label))
    return out


def draw_posts(data: Path, n: int, seed: int = DRAW_SEED) -> list[dict]:
    """n DEV posts of the news channels drawn at random (random.Random(seed).sample over the candidates in file
    order) for labelling by reading: not one of the 100 held-out or 120 tuning posts, nor a post whose text is
    theirs (cross-posts), with a headline as ingestion reads it, each text once; then the drawn posts whose
    headline is one of theirs are left out too (a recurring column, an observance day: 2 of 400)."""
    import random

    labelled = {r["id"] for path in (HELD_OUT_POSTS, TUNING_POSTS) for r in read_jsonl(path)}
    headlines = {r["title"] for path in (HELD_OUT_POSTS, TUNING_POSTS) for r in read_jsonl(path)}
    posts = [r for r in read_jsonl(data / "telegram_news_ru" / "dev.jsonl") if r["channel"] not in NOT_NEWS_CHANNELS]
    seen = {r["text"].strip() for r in posts if r["id"] in labelled}
    candidates = []
    for r in posts:
        key = r["text"].strip()
        if r["id"] in labelled or key in seen or not headline_and_body(r["text"], r["channel"])[0]:
            continue
        seen.add(key)
        candidates.append(r)
    return [r for r in random.Random(seed).sample(candidates, n)
            if headline_and_body(r["text"], r["channel"])[0] not in headlines]


def sports_post(title: str, body) -> bool:
    words = rubric.features(title, " ".join(b.text for b in body))
    return sum(w[2:] in SPORTS_LEMMAS for w in words) >= 2


def fine_label(label: str, record: dict) -> str:
    if label != "society":
        return label
    tagged = [RIA_SOCIETY_TAGS[t] for t in record.get("tags", []) if t in RIA_SOCIETY_TAGS]
    return tagged[0] if tagged else rubric.split_society(record["title"], record["text"])


def channel_group(e: Example) -> str | None:
    """Which weak label a post carries: "sports" (a match report), "society" (a city channel or the BBC's), or
    its channel (science, economy); None for an article (gold labels)."""
    if e.group in ("tgcontest", "ria", READ_GROUP):
        return None
    if e.label == "sports":
        return "sports"
    return "society" if CHANNEL_RUBRIC.get(e.group) == "society" else e.group


def clean_channel_labels(examples: list[Example], recipe: Recipe) -> list[Example]:
    """The examples with their channel posts' weak labels checked: each group of posts (channel_group) is scored
    by a model trained on every other text (articles and the other groups) and none of its own, so the channel's
    style cannot vote. A post that model gives another rubric with probability >= relabel_at takes that rubric
    (a city channel's mortgage rates are economy, a games post of КиберТопор culture); one whose own label gets
    under drop_under is dropped; the rest keep their channel's label. Articles are kept as they are."""
    import dataclasses

    relabel_at, drop_under = recipe.clean
    teacher = dataclasses.replace(recipe, clean=None)
    out = [e for e in examples if channel_group(e) is None]
    for g in sorted({channel_group(e) for e in examples} - {None}):
        vectorizer, classifier = fit([e for e in examples if channel_group(e) != g], teacher)
        m = rubric.LinearModel(export(vectorizer, classifier, teacher))
        for e in (e for e in examples if channel_group(e) == g):
            probs = m.probabilities(e.title, e.text)
            if probs is None or e.label not in m.classes:
                out.append(e)
                continue
            best = int(np.argmax(probs))
            if m.classes[best] != e.label and probs[best] >= relabel_at:
                label = m.classes[best]
                fine = rubric.split_society(e.title, e.text) if label == "society" else label
                out.append(dataclasses.replace(e, label=label, fine=fine))
            elif m.classes[best] == e.label or probs[m.classes.index(e.label)] >= drop_under:
                out.append(e)
    return out


def prepared(examples: list[Example], recipe: Recipe) -> list[Example]:
    """The training texts as the recipe learns from them: channel labels cleaned when it says so."""
    return clean_channel_labels(examples, recipe) if recipe.clean else examples


def news_examples(data: Path) -> list[Example]:
    out = []
    for r in read_jsonl(data / "telegram_news_ru" / "dev.jsonl"):
        title, body = headline_and_body(r["text"], r["channel"])
        if title:
            label = "not_news" if r["channel"] in NOT_NEWS_CHANNELS else "news"
            out.append(Example(r["channel"], title, "\n".join(b.text for b in body), label))
    for r in read_jsonl(data / "tgcontest_ru" / "categories_dev.jsonl"):
        label = "not_news" if r["label"] == "not_news" else "news"
        out.append(Example("tgcontest", r["title"], r["text"], label))
    for r in read_jsonl(data / "ria_2023_ru" / "dev.jsonl"):
        out.append(Example("ria", r["title"], r["text"], "news"))
    return out


def design(vectorizer, examples: list[Example], recipe: Recipe, fit: bool = False):
    """The feature matrix of the examples: TF-IDF, then the scaled navec mean vector when the recipe has one."""
    import scipy.sparse as sp

    docs = [rubric.features(e.title, e.text, char_n=recipe.char_n, title_weight=recipe.title_weight) for e in examples]
    x = vectorizer.fit_transform(docs) if fit else vectorizer.transform(docs)
    if recipe.navec:
        dense = np.array([rubric.dense_features(e.title, e.text, recipe.title_weight) for e in examples],
                         dtype=np.float32)
        x = sp.hstack([x, sp.csr_matrix(dense * recipe.navec)]).tocsr()
    return x


def fit(examples: list[Example], recipe: Recipe):
    """(vectorizer, classifier) trained on the examples' labels."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=_identity, min_df=MIN_DF, sublinear_tf=True, dtype=np.float32)
    x = design(vectorizer, examples, recipe, fit=True)
    weights = dict(recipe.weights)
    # balanced: the sources are lopsided (RIA alone brings 355 economy articles, tgcontest 20 sports ones)
    classifier = LogisticRegression(C=recipe.c, max_iter=5000, class_weight="balanced").fit(
        x, [e.label for e in examples], sample_weight=np.array([weights.get(e.group, 1.0) for e in examples]))
    return vectorizer, classifier


def _identity(doc: list[str]) -> list[str]:
    return doc


def export(vectorizer, classifier, recipe: Recipe, temperature: float = 1.0) -> dict:
    """The JSON spec rubric.LinearModel reads: vocabulary, idf, coefficients as (features, classes), divided
    by the calibration temperature (a softmax of scores / t is the softmax of a linear model still); the navec
    part's coefficients (`dense_coef`) with the recipe's scale folded in."""
    classes = [str(c) for c in classifier.classes_]
    coef, intercept = classifier.coef_ / temperature, classifier.intercept_ / temperature
    if len(classes) == 2:  # a binary model keeps one row: put it as the second class against a zero first
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.r_[0.0, intercept]
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    n = len(vocabulary)
    spec = {
        "classes": classes, "char_n": recipe.char_n, "title_weight": recipe.title_weight,
        "vocabulary": vocabulary,
        "idf": _rounded(vectorizer.idf_),
        "coef": _rounded(coef[:, :n].T),
        "intercept": _rounded(intercept),
    }
    if recipe.navec:
        spec["dense_coef"] = _rounded(coef[:, n:].T * recipe.navec)
    return spec


def _rounded(values) -> list:
    # via float64: float32 values print with float32 noise (0.0123 -> 0.012299999594688416)
    return np.round(np.asarray(values, dtype=np.float64), DECIMALS).tolist()


def check_export(spec: dict, vectorizer, classifier, examples: list[Example], recipe: Recipe,
                 temperature: float = 1.0) -> float:
    """Largest gap between scikit-learn's and the exported model's probabilities on the training examples."""
    exported = rubric.LinearModel(spec)
    got = [exported.probabilities(e.title, e.text) for e in examples]
    known = [i for i, p in enumerate(got) if p is not None]  # no known word: rubric.py answers without the model
    z = classifier.decision_function(design(vectorizer, [examples[i] for i in known], recipe)) / temperature
    if z.ndim == 1:  # binary: one score, for the second class
        z = np.c_[np.zeros_like(z), z]
    z = np.exp(z - z.max(axis=1, keepdims=True))
    expected = z / z.sum(axis=1, keepdims=True)
    return float(np.abs(expected - np.array([got[i] for i in known])).max())


def temperature(examples: list[Example], recipe: Recipe) -> float:
    """The temperature that makes held-out probabilities honest: the one minimising the log loss of the
    true class over 5 stratified folds (the scores a model gives texts it was not trained on)."""
    from sklearn.model_selection import StratifiedKFold

    labels = [e.label for e in examples]
    held: list[tuple[np.ndarray, int]] = []
    for train_idx, test_idx in StratifiedKFold(5, shuffle=True, random_state=0).split(examples, labels):
        vectorizer, classifier = fit([examples[i] for i in train_idx], recipe)
        test = [examples[i] for i in test_idx]
        z = classifier.decision_function(design(vectorizer, test, recipe))
        classes = list(classifier.classes_)
        held += [(row, classes.index(e.label)) for row, e in zip(z, test)]
    scores = np.array([row for row, _ in held])
    truth = np.array([k for _, k in held])

    def loss(t: float) -> float:
        s = scores / t
        s = s - s.max(axis=1, keepdims=True)
        return float(-(s[np.arange(len(s)), truth] - np.log(np.exp(s).sum(axis=1))).mean())

    return float(min(TEMPERATURES, key=loss))


def train_and_write(examples: list[Example], recipe: Recipe, path: Path, calibrate: bool = False) -> None:
    if recipe.clean:
        examples = prepared(examples, recipe)
        print("labels as learned (channel posts checked):", label_counts(examples))
    vectorizer, classifier = fit(examples, recipe)
    t = temperature(examples, recipe) if calibrate else 1.0
    spec = export(vectorizer, classifier, recipe, t)
    gap = check_export(spec, vectorizer, classifier, examples, recipe, t)
    if gap > 1e-3:
        raise SystemExit(f"{path.name}: exported model differs from scikit-learn by {gap:.4f}")
    path.write_text(json.dumps(spec, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{path.name}: {len(examples)} examples, {len(spec['vocabulary'])} features, temperature {t:.2f}, "
          f"{path.stat().st_size / 1e6:.2f} MB, max probability gap vs scikit-learn {gap:.1e}")


def label_counts(examples: list[Example]) -> str:
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.label] = counts.get(e.label, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared/data with the public sets")
    ap.add_argument("--out", type=Path, default=rubric.DATA_DIR)
    args = ap.parse_args(argv)
    rubrics = rubric_examples(args.data)
    print("rubric labels (channel posts as their channels imply):", label_counts(rubrics))
    train_and_write(rubrics, RUBRIC, args.out / rubric.RUBRIC_MODEL_PATH.name, calibrate=True)
    news = news_examples(args.data)
    print("news labels:", label_counts(news))
    train_and_write(news, NEWS, args.out / rubric.NEWS_MODEL_PATH.name)


if __name__ == "__main__":
    main()
