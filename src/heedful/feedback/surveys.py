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


@transaction.atomic
def csat_survey() -> Survey:
    survey, created = Survey.objects.get_or_create(
        key=CSAT_KEY, defaults={"kind": SurveyKind.CSAT, "name": "After a ticket is solved"}
    )
    if created:
        for position, fields in enumerate(CSAT_QUESTIONS):
            Question.objects.create(survey=survey, position=position, **fields)
    return survey


def questions_by_key(survey: Survey) -> dict[str, Question]:
    return {question.key: question for question in survey.questions.all()}
