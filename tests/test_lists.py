"""What a reader's list says of the copies it folded ("ещё 2 источника"); the folding itself is tested on both
store backends in test_store.py."""
from datetime import datetime, timezone

import pytest

from svodka.serve import web
from svodka.serve.app import Item


@pytest.mark.parametrize("n, shown", [(0, None), (1, "ещё 1 источник"), (2, "ещё 2 источника"),
                                      (5, "ещё 5 источников"), (21, "ещё 21 источник")])
def test_item_list_says_how_many_sources_were_folded(n, shown):
    template = web.env().from_string('{% from "macros.html" import item_list %}{{ item_list(items) }}')
    item = Item("a1", "post", "Mash", "Заголовок", "", None, datetime(2024, 11, 1, tzinfo=timezone.utc), "world", n)
    html = template.render(items=[item])
    assert (shown in html) if shown else ("ещё" not in html)
