"""What people type into search becomes words and phrases, never query syntax."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from heedful.lib.search_terms import MAX_PHRASES, Phrase, fts5_match, search_phrases


def words(text: str) -> list[tuple[str, ...]]:
    return [phrase.words for phrase in search_phrases(text)]


def test_it_splits_words_and_keeps_quoted_phrases() -> None:
    assert words('card "charged twice" refund') == [("card",), ("charged", "twice"), ("refund",)]
    assert words('unclosed "quote runs on') == [("unclosed",), ("quote", "runs", "on")]


def test_it_keeps_a_run_without_spaces_as_one_phrase() -> None:
    assert search_phrases("£32.19 e-mail") == [
        Phrase("£32.19", ("32", "19")),
        Phrase("e-mail", ("e", "mail")),
    ]


def test_it_drops_operators_punctuation_and_repeats() -> None:
    assert words('NEAR(a b) -card* "" ^ : card') == [("NEAR", "a"), ("b",), ("card",)]
    assert words("*** - ( ) _ ''") == []


def test_it_joins_decomposed_accents_and_keeps_other_scripts() -> None:
    assert words("Zu\u0308rich Привет 東京") == [("Zürich",), ("Привет",), ("東京",)]


def test_it_quotes_every_phrase_for_fts5() -> None:
    assert fts5_match(search_phrases('AND "a b" NOT')) == '"AND" "a b" "NOT"'


def test_it_caps_the_number_of_phrases() -> None:
    assert len(search_phrases(" ".join(f"w{i}" for i in range(40)))) == MAX_PHRASES


@given(st.text())
def test_it_never_lets_a_quote_through(text: str) -> None:
    for phrase in search_phrases(text):
        assert phrase.words
        assert all(word.isalnum() for word in phrase.words)
        assert "\x00" not in phrase.text
