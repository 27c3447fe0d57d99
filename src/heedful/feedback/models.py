"""Surveys, the requests we send, the answers we get, who gets credit, and sentiment.

A :class:`SurveyRequest` is one survey sent (or to be sent) to one contact, usually
about one ticket. Its answers are :class:`Response` rows, at most one per question:
a rating link used twice updates the answer instead of adding one. Scores are never
stored: heedful.lib.feedback_stats computes them from the responses.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from heedful.lib.feedback_stats import Metric


class SurveyKind(models.TextChoices):
    CSAT = "csat", "After a ticket is solved (CSAT, CES)"
    NPS = "nps", "Relationship (NPS)"
    CUSTOM = "custom", "Custom"


class QuestionKind(models.TextChoices):
    RATING = "rating", "Rating"
    CHOICE = "choice", "Choice"
    TEXT = "text", "Free text"


class QuestionMetric(models.TextChoices):
    NONE = "", "None"
    CSAT = Metric.CSAT.value, "CSAT"
    CES = Metric.CES.value, "CES"
    NPS = Metric.NPS.value, "NPS"


class Survey(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Built-in surveys are found by key ("csat", "nps"); custom ones have their own.
    key = models.SlugField(max_length=50, unique=True)
    kind = models.CharField(max_length=20, choices=SurveyKind.choices)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    # Stable name within the survey ("rating", "comment", "effort"), used by forms.
    key = models.SlugField(max_length=50)
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    metric = models.CharField(
        max_length=10, choices=QuestionMetric.choices, blank=True, default=QuestionMetric.NONE
    )
    prompt = models.CharField(max_length=300)
    scale_min = models.SmallIntegerField(null=True, blank=True)
    scale_max = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["survey", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="feedback_question_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.key}"


class RequestState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENT = "sent", "Sent"
    ANSWERED = "answered", "Answered"
    SKIPPED = "skipped", "Not sent"


class SkipReason(models.TextChoices):
    NONE = "", "None"
    REOPENED = "reopened", "The ticket was reopened"
    THROTTLED = "throttled", "The contact was surveyed recently"
    NO_EMAIL = "no_email", "The contact has no email address"
    INACTIVE = "inactive", "The survey is switched off"


class SurveyRequest(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="requests")
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.CASCADE, related_name="survey_requests"
    )
    organization = models.ForeignKey(
        "customers.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_requests",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_requests",
    )
    state = models.CharField(
        max_length=20, choices=RequestState.choices, default=RequestState.SCHEDULED
    )
    skip_reason = models.CharField(
        max_length=20, choices=SkipReason.choices, blank=True, default=SkipReason.NONE
    )
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="feedback_request_due_idx"),
            models.Index(fields=["contact", "sent_at"], name="feedback_request_contact_idx"),
            models.Index(fields=["ticket", "created_at"], name="feedback_request_ticket_idx"),
            # The NPS cadence: "has this contact had this survey since ...?"
            models.Index(
                fields=["contact", "survey", "created_at"], name="feedback_request_cadence_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} to {self.contact_id} ({self.state})"


class Response(models.Model):
    """One answer to one question of one request. Contact, organization and ticket are
    copied from the request so the statistics need no join."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(SurveyRequest, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="responses")
    metric = models.CharField(max_length=10, choices=QuestionMetric.choices, blank=True)
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "customers.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.SmallIntegerField(null=True, blank=True)
    # Copied from the organization and the ticket (heedful.feedback.rollups.stamp_dimensions,
    # kept when they change), so the feedback page filters and groups answers on any
    # combination of them along one index, without joins.
    organization_plan = models.CharField(max_length=50, blank=True, default="")
    organization_segment = models.CharField(max_length=50, blank=True, default="")
    ticket_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )  # fmt: skip
    ticket_channel = models.CharField(max_length=20, blank=True, default="")
    choice = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    sentiment = models.FloatField(null=True, blank=True, help_text="Compound score, -1 to 1.")
    sentiment_label = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "question"], name="feedback_response_unique")
        ]
        indexes = [
            models.Index(fields=["metric", "created_at"], name="feedback_response_metric_idx"),
            models.Index(fields=["organization", "created_at"], name="feedback_response_org_idx"),
            # Covers the feedback page's combined filters (heedful.feedback.tallies).
            models.Index(
                fields=[
                    "metric",
                    "created_at",
                    "rating",
                    "organization_plan",
                    "organization_segment",
                    "ticket_team",
                    "ticket_channel",
                    "organization",
                    "contact",
                    "request",
                ],
                name="feedback_response_dims_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.rating if self.rating is not None else self.text[:30]}"


class AgentCredit(models.Model):
    """Every agent who replied publicly on the ticket shares the rating, weighted by
    their share of the public replies (fair attribution, not only the last assignee)."""

    request = models.ForeignKey(SurveyRequest, on_delete=models.CASCADE, related_name="credits")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_credits"
    )
    replies = models.PositiveIntegerField()
    weight = models.FloatField()

    class Meta:
        ordering = ["-weight", "agent_id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "agent"], name="feedback_credit_unique")
        ]
        indexes = [models.Index(fields=["agent", "request"], name="feedback_credit_agent_idx")]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.weight:.2f}"


class SentimentLabel(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    NEUTRAL = "neutral", "Neutral"
    POSITIVE = "positive", "Positive"


class MessageSentiment(models.Model):
    """The sentiment of one inbound ticket message, by the model named in ``model``."""

    message = models.OneToOneField(
        "tickets.Message", on_delete=models.CASCADE, primary_key=True, related_name="sentiment"
    )
    model = models.CharField(max_length=50)
    compound = models.FloatField()
    label = models.CharField(max_length=10, choices=SentimentLabel.choices)
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["label", "scored_at"], name="feedback_sentiment_label_idx")]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.label} ({self.compound:+.2f})"


class FollowUpState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class OwnerSource(models.TextChoices):
    """Why this person owns the follow-up (shown next to their name)."""

    ACCOUNT_OWNER = "account_owner", "Account owner"
    TEAM_LEAD = "team_lead", "Team lead"
    ASSIGNEE = "assignee", "Ticket assignee"
    NOBODY = "", "Nobody (no owner, lead or assignee)"


class FollowUpTask(models.Model):
    """A detractor (NPS 0-6) or a bad CSAT (1-2) to call back: one per survey request, so
    an updated answer never opens a second one (R9)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.OneToOneField(
        SurveyRequest, on_delete=models.CASCADE, related_name="follow_up"
    )
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=10, choices=QuestionMetric.choices)
    rating = models.SmallIntegerField()
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "customers.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_follow_ups",
    )
    owner_source = models.CharField(
        max_length=20, choices=OwnerSource.choices, blank=True, default=OwnerSource.NOBODY
    )
    state = models.CharField(
        max_length=10, choices=FollowUpState.choices, default=FollowUpState.OPEN
    )
    due_at = models.DateTimeField()
    # Set by the worker once the owner is emailed (follow-ups without a ticket), so a
    # retried job never emails twice.
    owner_emailed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="What was done.")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "Closing the loop": what the customer is told, and when the worker sent it.
    customer_message = models.TextField(blank=True)
    customer_told_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="feedback_followup_due_idx"),
            models.Index(fields=["owner", "state", "due_at"], name="feedback_followup_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.rating} from {self.contact_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == FollowUpState.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()


class KudosReason(models.TextChoices):
    NAMED = "named", "Named in the comment"
    THANKED = "thanked", "Thanked on their ticket"


class Kudos(models.Model):
    """A positive survey comment that names or thanks an agent who replied publicly on
    the ticket (R12: reward what customers value)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="kudos")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kudos"
    )
    reason = models.CharField(max_length=10, choices=KudosReason.choices)
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "customers.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "kudos"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "agent"], name="feedback_kudos_unique")
        ]
        indexes = [
            models.Index(fields=["created_at"], name="feedback_kudos_created_idx"),
            models.Index(fields=["agent", "created_at"], name="feedback_kudos_agent_idx"),
        ]

    def __str__(self) -> str:
        return f"kudos for {self.agent_id} ({self.reason})"


class Topic(models.Model):
    """What customers write about: a cluster of survey comments and tickets, named by its
    top terms (heedful.lib.topics), recomputed by a job (heedful/feedback/topics.py).

    An agent's name (``custom_name``) and merge (``merged_into``: this topic's documents
    count for that one) are kept when the job matches a new cluster to this topic."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, help_text="From the top terms.")
    custom_name = models.CharField(max_length=200, blank=True)
    terms = models.JSONField(default=list, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    # Of this topic and every topic merged into it, as of the last computation or merge.
    customer_count = models.PositiveIntegerField(default=0)
    document_count = models.PositiveIntegerField(default=0)
    average_sentiment = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-customer_count", "-document_count", "id"]
        indexes = [
            models.Index(
                fields=["merged_into", "customer_count", "document_count"],
                name="feedback_topic_rank_idx",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.custom_name or self.name

    @property
    def is_renamed(self) -> bool:
        return bool(self.custom_name)


class TopicDocument(models.Model):
    """One text of the last computation (a ticket's subject and first customer message, or
    a survey comment) and the topic it fell in."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="documents")
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "customers.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quote = models.CharField(max_length=400)
    sentiment = models.FloatField(null=True, blank=True)
    # The first texts of a topic, closest to its centre, are its example quotes.
    rank = models.PositiveIntegerField()
    created_at = models.DateTimeField(help_text="When the ticket or comment was written.")

    class Meta:
        ordering = ["topic", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(ticket__isnull=False),
                name="feedback_topicdoc_ticket_unique",
            ),
            models.UniqueConstraint(
                fields=["response"],
                condition=models.Q(response__isnull=False),
                name="feedback_topicdoc_response_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(ticket__isnull=False) | models.Q(response__isnull=False),
                name="feedback_topicdoc_has_source",
            ),
        ]
        indexes = [models.Index(fields=["topic", "rank"], name="feedback_topicdoc_rank_idx")]

    def __str__(self) -> str:
        return f"{self.topic_id}: {self.quote[:40]}"


class TopicRun(models.Model):
    """One computation of the topics: when, on how much text, and how long it took."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    documents = models.PositiveIntegerField()
    topics = models.PositiveIntegerField()
    silhouette = models.FloatField(null=True, blank=True)
    seconds = models.FloatField()
    # The newest ticket and comment seen, so the trigger counts only what came after
    # (both along a unique index: ticket numbers and response ids only grow).
    last_ticket_number = models.PositiveBigIntegerField(default=0)
    last_response_id = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-finished_at", "-id"]
        indexes = [models.Index(fields=["finished_at"], name="feedback_topicrun_finished_idx")]

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M}: {self.topics} topics"


class ScoreDimension(models.TextChoices):
    """What a row of answer counts is about: every answer, or those of one filter value."""

    ALL = "", "Every answer"
    PLAN = "plan", "Organization plan"
    SEGMENT = "segment", "Organization segment"
    TEAM = "team", "Ticket team (id)"
    CHANNEL = "channel", "Ticket channel"
    AGENT = "agent", "Credited agent (id)"


class ScoreCount(models.Model):
    """Answers of one rating, of every answer or of one filter value (a plan, a team...):
    what the feedback page sums instead of scanning answers (kept by
    heedful/feedback/rollups.py in the answer's transaction). An answer counts once in
    the "every answer" rows and once under each of its filter values, so a filter reads
    only its own rows. Keys are never NULL, so an upsert can match them."""

    dimension = models.CharField(max_length=10, choices=ScoreDimension.choices, blank=True)
    value = models.CharField(max_length=100, blank=True)
    metric = models.CharField(max_length=10, choices=QuestionMetric.choices)
    rating = models.SmallIntegerField()
    answers = models.IntegerField()

    class Meta:
        abstract = True


class DailyScore(ScoreCount):
    """Per local day (TIME_ZONE): the scores, the comparisons and the charts."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "value", "day", "metric", "rating"],
                name="feedback_dailyscore_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.value} {self.metric} {self.rating}"


class MonthlyCustomerScore(ScoreCount):
    """Per local month and customer (the organization, or the contact alone when it
    has none): the distinct-customer view."""

    month = models.DateField(help_text="The first day of the month.")
    organization_id = models.BigIntegerField(default=0)
    contact_id = models.BigIntegerField(default=0, help_text="0 when there is an organization.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "dimension",
                    "value",
                    "month",
                    "metric",
                    "rating",
                    "organization_id",
                    "contact_id",
                ],
                name="feedback_monthlyscore_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.dimension}={self.value} {self.metric} {self.rating}"
