"""RSS 2.0 for every list the site shows. Article text is untrusted and may hold characters XML forbids."""
from __future__ import annotations

import re
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from ..understand.rubric import RUBRIC_NAMES_RU
from .app import Item

DC = "http://purl.org/dc/elements/1.1/"
ET.register_namespace("dc", DC)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def render(title: str, link: str, items: list[Item], base: str, description: str = "") -> bytes:
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    for tag, value in (("title", title), ("link", link), ("description", description or title),
                       ("language", "ru")):
        ET.SubElement(channel, tag).text = clean(value)
    for item in items:
        entry = ET.SubElement(channel, "item")
        url = f"{base}/article/{item.id}"
        ET.SubElement(entry, "title").text = clean(item.title)
        ET.SubElement(entry, "link").text = url
        ET.SubElement(entry, "guid", isPermaLink="true").text = url
        ET.SubElement(entry, "description").text = clean(item.lead)
        ET.SubElement(entry, f"{{{DC}}}creator").text = clean(item.source)
        if item.rubric in RUBRIC_NAMES_RU:
            ET.SubElement(entry, "category").text = RUBRIC_NAMES_RU[item.rubric]
        if item.published_at:
            ET.SubElement(entry, "pubDate").text = format_datetime(item.published_at)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)
