"""Topics computed in a child process (heedful.lib.topic_model.find_topics_in_child): the
same topics as in this process, stored the same way, and the calling process never loads
scikit-learn, SciPy or NumPy (the worker runs for weeks; they are ~140 MB)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from heedful.customers.models import Contact, Organization
from heedful.feedback.models import Topic
from heedful.feedback.topics import recompute_topics as recompute
from heedful.lib.topic_model import find_topics_in_child
from heedful.lib.topics import find_topics
from tests.feedback.topic_builders import fill, people
from tests.feedback.topic_texts import BILLING, LOGIN, SHIPPING

TEXTS = BILLING + LOGIN + SHIPPING

COMPUTE_IN_A_CHILD = """
import json, sys
from heedful.lib.topic_model import find_topics_in_child
from tests.feedback.topic_texts import BILLING, LOGIN, SHIPPING

model = find_topics_in_child(BILLING + LOGIN + SHIPPING, max_topics=3, seed=0)
loaded = sorted(m for m in ("sklearn", "scipy", "numpy") if m in sys.modules)
print(json.dumps([model.k, [t.terms[0] for t in model.topics], loaded]))
"""


def test_it_finds_the_same_topics_as_in_this_process() -> None:
    assert find_topics_in_child(TEXTS, max_topics=3, seed=0) == find_topics(
        TEXTS, max_topics=3, seed=0
    )


def test_it_leaves_the_calling_process_without_the_numeric_libraries() -> None:
    done = subprocess.run(
        [sys.executable, "-c", COMPUTE_IN_A_CHILD], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    k, first_terms, loaded = json.loads(done.stdout.splitlines()[-1])
    assert (k, sorted(first_terms), loaded) == (3, ["invoice", "parcel", "password"], [])


def test_it_stores_the_topics_computed_in_a_child_process(
    dave: Contact, erin: Contact, acme: Organization, settings: Any
) -> None:
    settings.TOPICS_MAX = 3
    settings.TOPICS_IN_CHILD_PROCESS = True
    fill(people(dave, erin, acme))
    run = recompute()
    assert run is not None
    assert (run.documents, run.topics) == (22, 3)
    topics = {t.terms[0]: t for t in Topic.objects.filter(merged_into=None)}
    assert sorted(topics) == ["invoice", "parcel", "password"]
    assert (topics["invoice"].customer_count, topics["invoice"].document_count) == (4, 8)
    assert topics["password"].name == "password, reset, login"
