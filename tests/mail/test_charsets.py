"""Exact decoding of real MIME/charset fixtures (the Ruby mail gem's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from heedful.mail.parsing import parse_email


@pytest.mark.parametrize(
    ("fixture", "subject", "text"),
    [
        ("multi_charset/japanese.eml", "まみむめも", "かきくえこ\n\n-- \nhttp://lindsaar.net/"),
        ("multi_charset/japanese_iso_2022.eml", "まみむめも", "すみません。"),
        (
            "multi_charset/japanese_shift_jis.eml",
            "test",
            "あいうえお\n\nこのメールはテスト用のメールです。\n\n今後ともよろしくお願い申し上げます\uff01",
        ),
        ("multi_charset/ks_c_5601-1987.eml", "test", "스티해"),
        ("plain_emails/raw_email.eml", "NOTE: 한국말로 하는 것", None),
        (
            "plain_emails/raw_email_with_partially_quoted_subject.eml",
            'Re: Test: "漢字" mid "漢字" tail',
            None,
        ),
        ("rfc6532/utf8_headers.eml", "Säying Hello", None),
        (
            "error_emails/invalid_subject_characters.eml",
            "Formação FrenetikPolis: Mega Campanha Final Verão | Cursos de Setembro",
            None,
        ),
        ("error_emails/trademark_character_in_subject.eml", "GA.comô has a lead for you", None),
    ],
)
def test_it_decodes_charsets_exactly(
    corpus: Path, fixture: str, subject: str, text: str | None
) -> None:
    parsed = parse_email((corpus / "mail-fixtures" / fixture).read_bytes())
    assert parsed.subject == subject
    if text is not None:
        assert parsed.text.strip().startswith(text)


@pytest.mark.parametrize(
    ("fixture", "names"),
    [
        ("multi_charset/japanese_attachment.eml", ["てすと.txt"]),
        (
            "multi_charset/japanese_attachment_long_name.eml",
            ["かきくけこかきくけこかきくけこかきくけこかきくけこ.txt"],
        ),
        ("attachment_emails/attachment_with_quoted_filename.eml", ["Eelanalüüsi päring.jpg"]),
        ("attachment_emails/attachment_with_base64_encoded_name.eml", ["This is a test.pdf"]),
        ("attachment_emails/attachment_nonascii_filename.eml", ["ciële.txt"]),
    ],
)
def test_it_decodes_attachment_names(corpus: Path, fixture: str, names: list[str]) -> None:
    parsed = parse_email((corpus / "mail-fixtures" / fixture).read_bytes())
    assert [a.filename for a in parsed.attachments] == names


def test_it_reads_an_utf8_address(corpus: Path) -> None:
    parsed = parse_email((corpus / "mail-fixtures/rfc6532/utf8_headers.eml").read_bytes())
    assert (parsed.sender.name, parsed.sender.email) == ("Jöhn Doe", "jdöe@mächine.example")


def test_it_reads_a_delivery_status_report(corpus: Path) -> None:
    raw = (corpus / "mail-fixtures/multipart_report_emails/multi_address_bounce1.eml").read_bytes()
    bounce = parse_email(raw).bounce
    assert bounce is not None
    assert bounce.original_message_ids == ["118707422.15521266992174819.JavaMail.root@lvmail01"]
    assert bounce.permanent is True
