"""The built-in surveys. They are created the first time they are needed, so a fresh
database needs no set-up step; an administrator may edit their wording afterwards."""

from __future__ import annotations

from django.db import transaction

from heedful.feedback.models import Question, QuestionKind, QuestionMetric, Survey, SurveyKind

CSAT_KEY = "csat"
RATING, EFFORT, COMMENT = "rating", "effort", "comment"

CSAT_QUESTIONS = (
    {
        "key": RATING, "kind": QuestionKind.RATING, "metric": QuestionMetric.CSAT,
        "prompt": "How satisfied are you with the help you received?",
        "scale_min": 1, "scale_max": 5, "required": True,
    },
    {
        "key": EFFORT, "kind": QuestionKind.RATING, "metric": QuestionMetric.CES,
        "prompt": "How easy was it to get your issue resolved?",
        "scale_min": 1, "scale_max": 7, "required": False,
    },
    {
        "key": COMMENT, "kind": QuestionKind.TEXT, "metric": QuestionMetric.NONE,
        "prompt": "Anything you would like to tell us?", "required": False,
    },
)  # fmt: skip

CSAT_LABELS = {
    1: "Very unsatisfied",
    2: "Unsatisfied",
    3: "Neutral",
    4: "Satisfied",
    5: "Very satisfied",
}
CES_LABELS = {1: "Very difficult", 4: "Neither", 7: "Very easy"}

NPS_KEY = "nps"
NPS_QUESTIONS = (
    {
        "key": RATING, "kind": QuestionKind.RATING, "metric": QuestionMetric.NPS,
        "prompt": "How likely are you to recommend us to a friend or colleague?",
        "scale_min": 0, "scale_max": 10, "required": True,
    },
    {
        "key": COMMENT, "kind": QuestionKind.TEXT, "metric": QuestionMetric.NONE,
        "prompt": "Why?", "required": False,
    },
)  # fmt: skip
NPS_LABELS = {value: "" for value in range(11)} | {0: "Not at all likely", 10: "Extremely likely"}


@transaction.atomic
def csat_survey() -> Survey:
    survey, created = Survey.objects.get_or_create(
        key=CSAT_KEY, defaults={"kind": SurveyKind.CSAT, "name": "After a ticket is solved"}
    )
    if created:
        for position, fields in enumerate(CSAT_QUESTIONS):
            Question.objects.create(survey=survey, position=position, **fields)
    return survey


@transaction.atomic
def nps_survey() -> Survey:
    survey, created = Survey.objects.get_or_create(
        key=NPS_KEY, defaults={"kind": SurveyKind.NPS, "name": "Relationship (NPS)"}
    )
    if created:
        for position, fields in enumerate(NPS_QUESTIONS):
            Question.objects.create(survey=survey, position=position, **fields)
    return survey


def rating_labels(survey: Survey) -> dict[int, str]:
    """The one-click ratings of a survey's main question, value -> label."""
    return NPS_LABELS if survey.kind == SurveyKind.NPS else CSAT_LABELS


def questions_by_key(survey: Survey) -> dict[str, Question]:
    return {question.key: question for question in survey.questions.all()}
