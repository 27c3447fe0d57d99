from __future__ import annotations

from heedful.lib.html import sanitize_html, text_to_html
from heedful.lib.mentions import find_mentions


def test_it_finds_mentions_once_in_order() -> None:
    text = "@Carol can you check? cc @bob and @carol. Mail me at dave@acme.test"
    assert find_mentions(text) == ["carol", "bob"]


def test_it_ignores_text_without_mentions() -> None:
    assert find_mentions("email x@y.com, nothing else @") == []


def test_it_strips_scripts_and_handlers() -> None:
    dirty = '<p onclick="x()">Hi<script>alert(1)</script> <a href="javascript:x">y</a></p>'
    assert sanitize_html(dirty) == '<p>Hi <a rel="noopener noreferrer nofollow">y</a></p>'


def test_it_escapes_plain_text() -> None:
    assert text_to_html("a <b>\nline\n\nnext") == "<p>a &lt;b&gt;<br>line</p><p>next</p>"
