"""Renaming and merging topics (heedful/feedback/topics_actions.py), and both surviving
the next computation."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from heedful.feedback.models import Topic, TopicDocument
from heedful.feedback.topics import recompute_topics as recompute
from heedful.feedback.topics_actions import (
    do_merge_topics,
    do_rename_topic,
    do_unmerge_topic,
    get_topic_for_user,
)
from heedful.lib.errors import ActionError, ActionForbidden
from tests.feedback.topic_builders import Desk, fill, people, ticket
from tests.feedback.topic_texts import SHIPPING


@pytest.fixture
def desk(dave: Contact, erin: Contact, acme: Organization, settings: Any) -> Desk:
    settings.TOPICS_MAX = 3
    built = people(dave, erin, acme)
    fill(built)
    recompute()
    return built


def topic(first_term: str) -> Topic:
    return Topic.objects.get(terms__0=first_term)


def test_it_keeps_a_new_name_across_recomputation(desk: Desk, alice: User) -> None:
    parcel = topic("parcel")
    do_rename_topic(parcel, "  Late   deliveries ", actor=alice)
    parcel.refresh_from_db()
    assert (parcel.custom_name, parcel.display_name, parcel.is_renamed) == (
        "Late deliveries", "Late deliveries", True,
    )  # fmt: skip
    for contact, text in zip([desk.dave, desk.frank], SHIPPING[6:], strict=True):
        ticket(contact, text)
    recompute()
    again = Topic.objects.get(public_id=parcel.public_id)
    assert again.display_name == "Late deliveries"
    assert (again.customer_count, again.document_count) == (4, 8)  # Acme joined
    assert again.name == "parcel, delivery, tracking"


def test_it_goes_back_to_the_terms_on_an_empty_name(desk: Desk, alice: User) -> None:
    parcel = topic("parcel")
    do_rename_topic(parcel, "Late deliveries", actor=alice)
    do_rename_topic(parcel, "   ", actor=alice)
    parcel.refresh_from_db()
    assert (parcel.custom_name, parcel.display_name, parcel.is_renamed) == (
        "", "parcel, delivery, tracking", False,
    )  # fmt: skip


def test_it_refuses_a_name_too_long(desk: Desk, alice: User) -> None:
    parcel = topic("parcel")
    with pytest.raises(ActionError, match="under 200 characters"):
        do_rename_topic(parcel, "x" * 201, actor=alice)
    parcel.refresh_from_db()
    assert parcel.custom_name == ""


def test_it_merges_counts_and_keeps_the_merge_across_recomputation(desk: Desk, alice: User) -> None:
    parcel, invoice = topic("parcel"), topic("invoice")
    root = do_merge_topics(parcel, invoice, actor=alice)
    assert root == invoice
    # Customers of both: Acme, Globex, Gina, Hank (parcel's Erin, Gina, Hank already in).
    assert (root.customer_count, root.document_count) == (4, 14)
    for text in SHIPPING[6:]:
        ticket(desk.erin, text)
    recompute()
    parcel_again = Topic.objects.get(public_id=parcel.public_id)
    invoice_again = Topic.objects.get(public_id=invoice.public_id)
    assert parcel_again.merged_into_id == invoice_again.pk
    assert (parcel_again.customer_count, parcel_again.document_count) == (3, 8)
    assert (invoice_again.customer_count, invoice_again.document_count) == (4, 16)
    shown = Topic.objects.filter(merged_into=None, document_count__gt=0)
    password = Topic.objects.get(terms__0="password")
    assert {t.public_id for t in shown} == {invoice.public_id, password.public_id}


def test_it_merges_into_the_target_of_a_merged_topic_and_keeps_merges_flat(
    desk: Desk, alice: User
) -> None:
    parcel, invoice, password = topic("parcel"), topic("invoice"), topic("password")
    do_merge_topics(parcel, invoice, actor=alice)
    do_merge_topics(invoice, password, actor=alice)
    parcel.refresh_from_db()
    invoice.refresh_from_db()
    assert parcel.merged_into_id == invoice.merged_into_id == password.pk
    password.refresh_from_db()
    assert (password.customer_count, password.document_count) == (4, 22)
    with pytest.raises(ActionError, match="into itself"):
        do_merge_topics(password, parcel, actor=alice)


def test_it_undoes_a_merge(desk: Desk, alice: User) -> None:
    parcel, invoice = topic("parcel"), topic("invoice")
    do_merge_topics(parcel, invoice, actor=alice)
    parcel = do_unmerge_topic(parcel, actor=alice)
    invoice.refresh_from_db()
    assert parcel.merged_into_id is None
    assert (invoice.customer_count, invoice.document_count) == (4, 8)
    with pytest.raises(ActionError, match="not merged"):
        do_unmerge_topic(parcel, actor=alice)


def test_it_refuses_light_agents_and_changes_nothing(desk: Desk, carol: User) -> None:
    parcel, invoice = topic("parcel"), topic("invoice")
    with pytest.raises(ActionForbidden):
        do_rename_topic(parcel, "Mine now", actor=carol)
    with pytest.raises(ActionForbidden):
        do_merge_topics(parcel, invoice, actor=carol)
    parcel.refresh_from_db()
    assert (parcel.custom_name, parcel.merged_into_id) == ("", None)
    with pytest.raises(Http404):
        get_topic_for_user(carol, str(parcel.public_id))


def test_it_finds_topics_by_public_id_only(desk: Desk, alice: User) -> None:
    parcel = topic("parcel")
    assert get_topic_for_user(alice, str(parcel.public_id)) == parcel
    for wrong in (str(parcel.pk), "not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(Http404):
            get_topic_for_user(alice, wrong)


def test_it_deletes_a_topic_nothing_continues_unless_a_merge_points_to_it(
    desk: Desk, alice: User, settings: Any
) -> None:
    invoice, parcel = topic("invoice"), topic("parcel")
    do_rename_topic(invoice, "Billing", actor=alice)
    do_merge_topics(parcel, invoice, actor=alice)
    # The window keeps only the newest 14 texts: the shipping tickets and the login
    # comments. Billing's own texts are gone; it stays because parcel still counts for it.
    settings.TOPICS_MAX_DOCUMENTS, settings.TOPICS_MIN_DOCUMENTS = 14, 5
    recompute()
    billing = Topic.objects.get(public_id=invoice.public_id)
    assert billing.display_name == "Billing"
    assert not TopicDocument.objects.filter(topic=billing).exists()
    parcel_again = Topic.objects.get(public_id=parcel.public_id)
    assert parcel_again.merged_into_id == billing.pk
    # Its figures are parcel's (14 texts and k = 3 split the shipping texts 4 + 2).
    assert (billing.customer_count, billing.document_count) == (3, 4)
    assert parcel_again.document_count == 4
    do_unmerge_topic(parcel, actor=alice)
    recompute()
    assert not Topic.objects.filter(public_id=invoice.public_id).exists()
