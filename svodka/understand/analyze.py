"""The whole understanding of one text, from the small analysers; models load once per process."""
from __future__ import annotations

from typing import Iterable, Iterator

from ..model import Analysis, Article
from .dates import wire_dateline
from .entities import find_entities
from .figures import find_figures
from .language import detect_language
from .lemmas import lemmas
from .quotes import find_quotes
from .rubric import classify_rubric, is_news, map_page_rubric

VERSION = 4  # raise when an analyser changes what it finds: `svodka reanalyze` redoes older analyses
MAX_TEXT_CHARS = 200_000  # 1 MB of one word must not take minutes: longer texts are analysed on their head


def analyze(text: str, title: str = "", page_rubric: str | None = None) -> Analysis:
    """Offsets in the result point into `text`; the title counts for language, rubric and news only."""
    text = text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS]
    head = f"{title}\n{text}" if title else text
    language, lang_conf = detect_language(head)
    rubric = classify_rubric(title, text)
    news, news_p = is_news(title, text)
    entities = find_entities(text) if language in ("ru", "uk") else []
    if cut := wire_dateline(text):  # "МОСКВА, 2 окт - РИА Новости.": the agency and its desk, not the matter
        entities = [e for e in entities if any(start >= cut for start, _ in e.mentions or [(e.start, e.end)])]
    return Analysis(
        language=language, language_confidence=lang_conf,
        rubric=rubric.rubric, rubric_confidence=rubric.confidence,
        is_news=news, news_probability=news_p,
        entities=entities, quotes=find_quotes(text, entities), figures=find_figures(text),
        lemmas=lemmas(f"{title}\n{text}"), page_rubric=page_rubric, version=VERSION)


def analyze_article(article: Article) -> Analysis:
    return analyze(article.text, article.title, article.rubric)


def analyze_many(articles: Iterable[Article]) -> Iterator[tuple[Article, Analysis]]:
    for article in articles:
        yield article, analyze_article(article)


def feed_rubric(analysis: Analysis) -> str:
    """The rubric an article is filed under: the page's own when we know what it means, else ours."""
    return (map_page_rubric(analysis.page_rubric) if analysis.page_rubric else None) or analysis.rubric
