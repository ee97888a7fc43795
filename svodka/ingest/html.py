"""HTML article pages: the article's own container when the page marks one, trafilatura otherwise; then the rules
that read a page the way its editors laid it out (each one measured by eval/extract.py):

- hidden elements (a collapsed region menu, a template) are dropped before anything looks for the article;
- the body comes from trafilatura inside the article's container, or from the container's own text blocks when
  trafilatura keeps too little of it (text in nested wrapper <div>s);
- a lead paragraph laid out above the body is the body's first paragraph;
- "Читайте также / Читайте також / До теми" lines, breadcrumbs, view counters, share bars and the headline
  repeated as a paragraph are not body text;
- the headline is the article's <h1>, not og:title (often an SEO variant); the source is the site's name
  (og:site_name, application-name, JSON-LD publisher), never the page title or its description;
- the time is the first one that has a time of day (machine dates are often day-only; a visible or <time> text
  "15.10.2020 21:55" is kept); the rubric is the declared section (article:section, articleSection).
"""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from typing import Iterator
from urllib.parse import urlparse

from ..model import HEADING, PARAGRAPH, Article, Block, IngestError
from ..textutil import split_paragraphs
from ..understand.dates import DEFAULT_TZ, DateError, match_dateline, parse_date, zone

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

_META_TIME_NAMES = ("article:published_time", "og:published_time", "datepublished", "pubdate", "publish-date",
                    "publish_date", "date", "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date")
_BODY_CLASS = re.compile(
    r"(?:^|[\s_-])(?:article[_-]*(?:body|text|content)|articlebody|article__text|news[_-]*(?:body|text|content)|"
    r"post[_-]*(?:body|content|text)|entry[_-]*content|story[_-]*body|material[_-]*text|full[_-]*text|"
    r"text[_-]*content|js-mediator-article|content[_-]*text|b-text|article_full|\w*body[_-]+content)(?:$|[\s_-])",
    re.I)
_RUBRIC_LINK = re.compile(r"(?:^|[\s_-])rubric(?:$|[\s_-])|__rubric", re.I)
_LEAD_CLASS = re.compile(r"(?:^|[\s_-])(?:lead|announce|anons|subtitle|sub-title|intro|summary|excerpt|"
                         r"article__lead|article-lead|description|standfirst)(?:$|[\s_-])", re.I)
_DATE_CLASS = re.compile(r"date|time|publish|posted", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_HIDDEN_CLASSES = {"hidden", "d-none", "is-hidden", "hide", "invisible"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "nav", "aside", "form", "button", "iframe", "svg", "figure",
              "figcaption", "select", "footer", "header"}
# subtrees that are never article text, whatever element they are: readers' comments, related posts, share bars
_SKIP_CLASS = re.compile(r"(?:^|[\s_-])(?:comments?|comment-list|discussion|related\w*|share\w*|social|tags|"
                         r"subscribe|advert\w*|ads|banner|promo|recommend\w*|widget|sidebar|read-also|see-also)"
                         r"(?:$|[\s_-])", re.I)
_BLOCK_TAGS = {"p", "div", "section", "article", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
               "table", "tr", "td", "main", "dl", "dd", "dt", "pre"}
RELATED_LINE = re.compile(
    r"^(?:читайте\s+(?:также|тоже|еще|ещё|також|нас)|также\s+читайте|читать\s+также|смотрите\s+также|"
    r"дивіться\s+також|до\s+теми|по\s+теме|на\s+тему|новости\s+по\s+теме|подробнее\s+по\s+теме|ещ[её]\s+по\s+теме|"
    r"related|read\s+also|see\s+also)\b\s*[:.—-]?", re.I)
_COUNTER = re.compile(r"^(?:просмотр\w*|переглят?д\w*|прочитал\w*|показ\w*|views?|👁\ufe0f?)\s*:?\s*[\d\s\u00a0.,kк]+$"
                      r"|^[\d\s\u00a0]+\s*(?:просмотр\w*|переглят?д\w*|views?)$", re.I)
_COUNTER_TAIL = re.compile(r"\s*(?:просмотр\w*|переглят?д\w*|views?|👁\ufe0f?)\s*:?\s*[\d\s\u00a0]+$", re.I)
_CRUMB_START = re.compile(r"^(?:главная|головна|home|на главную)\b", re.I)
_RIGHTS = re.compile(r"^(?:©|\(c\)|все права защищены|усі права захищені|при (?:пере)?перепечатке|передрук|"
                     r"перепечатка|копирование материалов)", re.I)
# a channel promo, a photo credit, a tag list: a line of the page's furniture, not of the article
_FURNITURE = re.compile(r"^(?:подпис(?:ывайтесь|ывайся|айтесь)|підписуйтесь|следите за|стежте за|присоединяйтесь|"
                        r"читайте нас|читайте наш|фото|фото и видео|видео|иллюстрация|теги|тэги|метки|теги:)\b", re.I)
_AD_LABEL = re.compile(r"^(?:реклама|реклама\s*18\+|реклама\s*/?\s*erid.*|advertisement|загрузка\.*|loading\.*)$",
                       re.I)
_SHARE = re.compile(r"^(?:поделиться|поширити|поділитися|share)\b", re.I)
# the rules, each one switchable so eval/extract.py can show what it adds over trafilatura alone
RULES = frozenset({"hidden", "container", "lead", "boilerplate", "headline", "shown_time", "section"})
MIN_CONTAINER_SHARE = 0.6  # trafilatura inside the container must keep this share of its words, or we read it


def looks_like_html(text: str) -> bool:
    head = text[:2048].lower()
    return "<html" in head or "<!doctype html" in head or "<body" in head or "<article" in head or "<p>" in head


def parse_html(html: str, origin: str, url: str | None = None, source: str | None = None,
               tz: str = DEFAULT_TZ) -> Iterator[Article | IngestError]:
    import lxml.html

    try:
        tree = lxml.html.document_fromstring(html)
    except Exception as e:  # lxml raises assorted errors on broken or empty markup
        yield IngestError(origin, f"HTML could not be parsed: {type(e).__name__}: {e}")
        return
    ld = json_ld(tree)
    meta = meta_tags(tree)
    if "hidden" in RULES:
        drop_hidden(tree)
    container = article_container(tree) if "container" in RULES else None
    title = headline(tree, container, meta, ld) if "headline" in RULES else _plain_title(tree, meta)
    body = container_blocks(container) if container is not None else None
    if not body:
        body = trafilatura_blocks(lxml.html.tostring(tree, encoding="unicode"), url)
    lead = lead_text(tree, container) if "lead" in RULES else None
    rubric = section(tree, meta, ld) if "section" in RULES else None
    body = clean_blocks(body or [], title, lead, rubric)
    if container is not None and not any(b.kind == PARAGRAPH for b in body):
        # the container held only furniture (a teaser list marked up as an article): the whole page's turn
        whole = trafilatura_blocks(lxml.html.tostring(tree, encoding="unicode"), url) or []
        body = clean_blocks(whole, title, lead, rubric)
    if not title and body:
        title = body.pop(0).text
    if not any(b.kind == PARAGRAPH for b in body):
        yield IngestError(origin, "HTML page holds no article text")
        return
    try:
        published = page_time(tree, meta, ld, tz)
    except DateError as e:
        yield IngestError(origin, str(e))
        return
    page_url = url or meta.get("og:url") or _canonical(tree)
    site = site_name(meta, ld) or (urlparse(page_url).hostname if page_url else None)
    yield Article(source=source or site or "web", title=title, body=body, url=page_url,
                  published_at=published, rubric=rubric, origin=origin)


# -- the page's own statements about itself


def meta_tags(tree) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in tree.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        value = (m.get("content") or "").strip()
        if key and value and key not in out:
            out[key] = value
    return out


def json_ld(tree) -> dict:
    """The first JSON-LD object that describes an article (a @graph is searched), with its publisher."""
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.extend(item["@graph"] if isinstance(item["@graph"], list) else [item["@graph"]])
                if any(k in item for k in ("datePublished", "articleSection", "headline")):
                    return item
    return {}


def _ld_str(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return " ".join(str(value).split()) if value else None


def site_name(meta: dict, ld: dict) -> str | None:
    return (meta.get("og:site_name") or meta.get("application-name") or meta.get("apple-mobile-web-app-title")
            or _ld_str(ld.get("publisher")) or None)


def section(tree, meta: dict, ld: dict) -> str | None:
    if meta.get("article:section"):
        return meta["article:section"]
    for el in tree.xpath('//*[@itemprop="articleSection"]'):
        text = el.get("content") or " ".join(el.text_content().split())
        if text:
            return text.strip()
    ld_section = _ld_str(ld.get("articleSection"))
    if ld_section:
        return ld_section
    # not declared, but shown: the rubric's link by the headline (class "rubric"), WordPress's rel="category tag";
    # a menu of rubrics in the page's header or navigation is no rubric of this article
    order = {el: i for i, el in enumerate(tree.iter())}
    h1 = next(tree.iter("h1"), None)
    for el in tree.iter("a", "span", "div"):
        marks = f"{el.get('class') or ''} {el.get('rel') or ''}"
        if not (_RUBRIC_LINK.search(marks) or "category tag" in marks):
            continue
        if any(a.tag in ("nav", "header", "footer", "menu") for a in el.iterancestors()):
            continue
        if "category tag" not in marks and (h1 is None or abs(order[el] - order[h1]) > 40):
            continue
        text = _text(el)
        if 0 < len(text.split()) <= 4:
            return text
    return None


def _canonical(tree) -> str | None:
    for link in tree.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href", "").startswith("http"):
            return link.get("href")
    return None


def _text(el) -> str:
    return " ".join(el.text_content().split())


def headline(tree, container, meta: dict, ld: dict) -> str:
    """The article's <h1> (og:title is often an SEO variant with the site's name); a logo in an <h1> does not count."""
    site = site_name(meta, ld) or ""
    scopes = []
    if container is not None:
        scopes.extend(a for a in container.iterancestors() if a.tag in ("article", "main") or a.get("itemtype"))
        scopes.append(container)
    scopes.append(tree)
    for scope in scopes:
        for h1 in scope.iter("h1"):
            text = _text(h1)
            if len(text.split()) >= 3 and text != site:
                return text
    for candidate in (_ld_str(ld.get("headline")), meta.get("og:title"), meta.get("twitter:title")):
        if candidate:
            return _strip_site_suffix(candidate, site)
    title = tree.find(".//title")
    return _title_part_shown(_text(title), tree, site) if title is not None else ""


_TITLE_SEPARATORS = re.compile(r"\s+(?:[—|–-]|::|/|»|«)\s+")


def _title_part_shown(title: str, tree, site: str) -> str:
    """'Новости Зареченска :: В Зареченске отремонтируют больницу': the part the page also shows as a line of
    its own (a bold headline); else the part that is not the site's name, the longest."""
    parts = [p for p in _TITLE_SEPARATORS.split(title) if p and p != site]
    if len(parts) <= 1:
        return parts[0] if parts else title
    shown = {_text(el) for el in tree.iter("b", "strong", "font", "h2", "h3", "div", "td", "p", "span")
             if len(el.text_content()) < 300}
    return next((p for p in parts if p in shown), max(parts, key=lambda p: len(p.split())))


def _plain_title(tree, meta: dict) -> str:
    title = tree.find(".//title")
    return meta.get("og:title") or (_text(title) if title is not None else "")


def _strip_site_suffix(title: str, site: str) -> str:
    parts = re.split(r"\s+[—|–-]\s+", title)
    while len(parts) > 1 and (parts[-1] == site or not site and len(parts[-1].split()) <= 3):
        parts.pop()
    return " — ".join(parts)


# -- where the article is


def drop_hidden(tree) -> None:
    """A collapsed region menu or a template is no article; an element that holds the headline or the marked
    article body stays."""
    for el in list(tree.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        classes = set((el.get("class") or "").lower().split())
        hidden = (el.get("hidden") is not None or el.get("aria-hidden") == "true"
                  or _HIDDEN_STYLE.search(el.get("style") or "") or classes & _HIDDEN_CLASSES)
        if hidden and el.tag not in ("html", "body", "head") and el.find(".//h1") is None \
                and not el.xpath('.//*[@itemprop="articleBody"]'):
            el.drop_tree()  # (text revealed by a script, inside a hidden wrapper with the headline or body, stays)


def article_container(tree):
    """The element that holds the article's text: itemprop=articleBody, a class that says so, or <article>."""
    found = tree.xpath('//*[@itemprop="articleBody"]')
    if not found:
        found = [el for el in tree.iter("div", "section", "article", "main")
                 if _BODY_CLASS.search(f"{el.get('class') or ''} {el.get('id') or ''}")]
    if not found:
        found = list(tree.iter("article"))
    if not found:
        return None
    return max(found, key=lambda el: len(el.text_content()))


def container_blocks(container) -> list[Block]:
    """trafilatura inside the container; the container's own blocks when trafilatura keeps too little of it."""
    import lxml.html

    pairs = _own_blocks(container)
    own = [b for b, _ in pairs]
    own_words = _words(own)
    html = "<html><body><article>" + lxml.html.tostring(container, encoding="unicode") + "</article></body></html>"
    extracted = trafilatura_blocks(html, None) or []
    if not extracted or _words(extracted) < MIN_CONTAINER_SHARE * own_words:
        return own
    return _with_dropped_sentences(pairs, extracted)


def _words(blocks: list[Block]) -> int:
    return sum(len(b.text.split()) for b in blocks if b.kind == PARAGRAPH)


def _with_dropped_sentences(pairs: list[tuple[Block, object]], extracted: list[Block]) -> list[Block]:
    """trafilatura sometimes drops a sentence standing beside the ones it keeps (a <span> in a wrapper <div>): an own
    block that reads as a sentence and sits in the same element as a kept one, or beside it, comes back. Comments
    and related-post lists live in subtrees of their own, so they stay out."""
    kept_text = _norm(" ".join(b.text for b in extracted))
    kept = [_norm(b.text) in kept_text for b, _ in pairs]
    kept_els = {el for (b, el), k in zip(pairs, kept) if k}
    near = kept_els | {el.getparent() for el in kept_els}
    back = [not k and b.kind == PARAGRAPH and len(b.text.split()) >= 6 and re.search(r"[.!?…»\"]$", b.text)
            and (el in near or el.getparent() in near) for (b, el), k in zip(pairs, kept)]
    if not any(back):
        return extracted
    merged = [b for (b, _), k, add in zip(pairs, kept, back) if k or add]
    return merged if _words(merged) >= 0.9 * _words(extracted) else extracted


def _own_blocks(root) -> list[tuple[Block, object]]:
    """Every block element's own text (its text and its inline children's), in page order, each with the element
    whose text it is; <br><br> splits."""
    blocks: list[tuple[Block, object]] = []

    def inline_text(el) -> str:
        parts = [el.text or ""]
        for child in el:
            if not isinstance(child.tag, str):
                parts.append(child.tail or "")
                continue
            if child.tag in _BLOCK_TAGS or child.tag in _SKIP_TAGS or _SKIP_CLASS.search(child.get("class") or ""):
                parts.append("\x00")  # a block child ends this block's run of text (skipped ones too)
            elif child.tag == "br":
                parts.append("\n")
            else:
                parts.append(inline_text(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def walk(el) -> None:
        if not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
            return
        if el is not root and _SKIP_CLASS.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
            return
        if el.tag in _BLOCK_TAGS:
            kind = HEADING if el.tag in ("h2", "h3", "h4", "h5", "h6") else PARAGRAPH
            for run in inline_text(el).split("\x00"):
                for para in re.split(r"\n\s*\n", run):
                    text = " ".join(para.split())
                    if text:
                        blocks.append((Block(text, kind), el))
            for child in el:
                walk(child)
        else:
            for child in el:
                if child.tag in _BLOCK_TAGS:
                    walk(child)

    # the block's own runs come first, then its block children: fine for text-then-blocks, the common layout
    walk(root)
    return _in_page_order(root, blocks)


def _in_page_order(root, blocks: list[tuple[Block, object]]) -> list[tuple[Block, object]]:
    text = " ".join(root.text_content().split())
    return sorted(blocks, key=lambda pair: text.find(pair[0].text) if pair[0].text in text else len(text))


def trafilatura_blocks(html: str, url: str | None) -> list[Block] | None:
    import trafilatura

    for recall in (False, True):
        try:
            doc = trafilatura.bare_extraction(html, url=url, with_metadata=False, include_formatting=True,
                                              include_comments=False, favor_recall=recall, output_format="python")
        except Exception:  # noqa: BLE001 - trafilatura raises assorted lxml errors on broken markup
            return None
        if doc is not None and doc.body is not None:
            blocks = blocks_from_tree(doc.body)
            if any(b.kind == PARAGRAPH for b in blocks):
                return blocks
    return None


def blocks_from_tree(tree) -> list[Block]:
    """trafilatura's body: a paragraph per element, and per run of text between two line breaks (<br><br>); a
    table (an old layout in cells) is read cell by cell, its text runs and its paragraphs apart."""
    blocks: list[Block] = []

    def emit(text: str, kind: str) -> None:
        for para in re.split(r"\n\s*\n", text):
            para = " ".join(para.split())
            if para:
                blocks.append(Block(para, kind))

    def walk(el) -> None:
        for lb in el.iter("lb"):
            lb.tail = "\n" + (lb.tail or "")
        if el.tag in ("table", "row", "cell", "div"):
            run = [el.text or ""]
            for child in el:
                if child.tag in ("table", "row", "cell", "div", "p", "head", "quote", "list"):
                    emit("".join(run), PARAGRAPH)
                    run = []
                    walk(child)
                else:
                    run.append("\n\n" if child.tag == "hi" and not run[-1].strip() else "")
                    run.append("".join(child.itertext()) + ("\n\n" if child.tag == "hi" else ""))
                run.append(child.tail or "")
            emit("".join(run), PARAGRAPH)
        elif el.tag in ("head", "p", "quote", "list"):
            emit("".join(el.itertext()), HEADING if el.tag == "head" else PARAGRAPH)

    for el in tree:
        walk(el)
    return blocks


def lead_text(tree, container) -> str | None:
    """A lead laid out outside the body, between the headline and the body, marked by its class or itemprop (a
    site description in the footer is marked the same way, but stands elsewhere)."""
    order = {el: i for i, el in enumerate(tree.iter())}
    h1 = next(tree.iter("h1"), None)
    after = order.get(h1, -1)
    before = order.get(container, len(order)) if container is not None else len(order)
    for el in tree.iter("p", "div", "h2", "span"):
        marks = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('itemprop') or ''}"
        if not _LEAD_CLASS.search(marks) or (container is not None and _inside(el, container)):
            continue
        if not after < order[el] < before or (container is not None and _inside(container, el)):
            continue
        text = _text(el)
        if 8 <= len(text.split()) <= 120 and not RELATED_LINE.match(text):
            return text
    return None


def _inside(el, container) -> bool:
    return any(a is container for a in el.iterancestors())


# -- what is not body text


def clean_blocks(blocks: list[Block], title: str, lead: str | None, rubric: str | None = None) -> list[Block]:
    norm_title = _norm(title)
    out: list[Block] = []
    for b in blocks:
        if "boilerplate" not in RULES:
            out.append(b)
            continue
        text = _COUNTER_TAIL.sub("", b.text).strip()
        if not text or _is_boilerplate(text, norm_title) or (rubric and _norm(text) == _norm(rubric)):
            continue  # the rubric's link above the headline, read into the body
        out.append(Block(text, b.kind))
    if lead and _norm(lead) not in {_norm(b.text) for b in out[:1]}:
        out = [b for b in out if _norm(b.text) != _norm(lead)]
        out.insert(0, Block(lead, PARAGRAPH))
    while out and out[-1].kind == HEADING:
        out.pop()
    while out and out[0].kind == HEADING and len(out) > 1 and out[1].kind == HEADING:
        out.pop(0)
    return out


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower().replace("ё", "е")).split())


def _is_boilerplate(text: str, norm_title: str) -> bool:
    words = text.split()
    if norm_title and _norm(text) == norm_title:
        return True  # the headline repeated as the first paragraph
    if RELATED_LINE.match(text) and len(words) <= 30:
        return True
    if _AD_LABEL.match(text):
        return True
    if _FURNITURE.match(text) and len(words) <= 20 and (":" in text[:25] or re.search(r"telegram|телеграм|дзен|"
                                                                                      r"вконтакте|канал", text, re.I)):
        return True
    if _COUNTER.match(text) or (_SHARE.match(text) and len(words) <= 12) or (_RIGHTS.match(text) and len(words) <= 30):
        return True
    if _CRUMB_START.match(text) and len(words) <= 12 and not re.search(r"[.!?]$", text):
        return True
    if len(re.findall(r"\s(?:/|>|»|→|\\)\s", f" {text} ")) >= 2 and len(words) <= 15:
        return True  # Новости / Общество / Казань
    m = match_dateline(text)
    if m and len(text[m.end():].split()) <= 3:
        return True  # the page's dateline (with a view count) repeated in the text
    return False


# -- when


def page_time(tree, meta: dict, ld: dict, tz: str) -> datetime | None:
    """The first stated time that has a time of day; a day-only date when nothing says more. A time shown on the
    page beats a day-only machine date, but only when they agree on the day (or there is no machine date)."""
    machine = [meta[name] for name in _META_TIME_NAMES if meta.get(name)]
    if ld.get("datePublished"):
        machine.append(str(ld["datePublished"]))
    shown: list[str] = []
    for t in tree.iter("time"):
        machine.extend([t.get("datetime")] if t.get("datetime") else [])
        shown.append(_text(t))
    for el in tree.xpath('//*[@itemprop="datePublished"]'):
        machine.extend(x for x in (el.get("content"), el.get("datetime")) if x)
        shown.append(_text(el))
    for el in tree.iter("span", "div", "p", "td", "li", "small", "abbr", "b", "font"):
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        if _DATE_CLASS.search(marks) and not re.search(r"updat|modif|обнов", marks, re.I):
            text = _text(el)
            if 0 < len(text) <= 60:
                shown.append(re.sub(r"^(?:опубликовано|опубліковано|дата публикации|published)\s*:?\s*",
                                    "", text, flags=re.I))
    if "shown_time" not in RULES:  # the old way: the first machine date, whatever it says
        shown, machine = [], machine[:1]
    day_only, timed, impossible = [], [], None
    for raw in machine + [s for s in shown if s]:
        try:
            dt = _read_time(raw, tz)
        except DateError as e:
            if raw in machine and re.match(r"^\d{4}-\d{2}-\d{2}", raw):
                impossible = impossible or e
            continue
        (timed if re.search(r"\d{1,2}[:.]\d{2}|назад|тому", raw) else day_only).append(dt)
    if timed:
        if day_only:
            local_days = {d.astimezone(zone(tz)).date() for d in day_only}
            agreeing = [t for t in timed if t.astimezone(zone(tz)).date() in local_days]
            return agreeing[0] if agreeing else day_only[0]
        return timed[0]
    if day_only:
        return day_only[0]
    if impossible:
        raise impossible  # the page states a date that cannot be: say so rather than guess
    return _htmldate(tree, tz)


def _htmldate(tree, tz: str) -> datetime | None:
    """Last resort, a day from the URL or the text (htmldate, as trafilatura uses it)."""
    try:
        from htmldate import find_date

        found = find_date(tree, extensive_search=False, original_date=True)
        return parse_date(found, tz) if found else None
    except Exception:  # noqa: BLE001 - htmldate on odd markup; a page without a date is still a page
        return None


def _read_time(raw: str, tz: str) -> datetime:
    """A whole date, or the date part of a dateline ('19 грудня 2024, 16:40 Переглядів: 2 317')."""
    try:
        return parse_date(raw, tz)
    except DateError:
        m = match_dateline(raw)
        if not m or m.group(0).strip() == raw.strip():
            raise
        return parse_date(m.group(0), tz)


# -- feed items


def html_to_blocks(fragment: str) -> list[Block]:
    """A feed item's HTML summary or content to paragraphs, without article detection (it is all content)."""
    import lxml.html

    if "<" not in fragment:
        return [Block(p) for p in split_paragraphs(fragment)]
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:
        return [Block(p) for p in split_paragraphs(re.sub(r"<[^>]+>", " ", fragment))]
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    blocks: list[Block] = []
    for el in root.iter("p", "h1", "h2", "h3", "h4", "li", "blockquote"):
        text = " ".join(el.text_content().split())
        if text:
            blocks.append(Block(text, HEADING if el.tag.startswith("h") else PARAGRAPH))
    if not blocks:
        blocks = [Block(p) for p in split_paragraphs(root.text_content())]
    return blocks
