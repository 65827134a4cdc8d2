"""Questions about products, their answers, votes, follows and the accepted answer.

Counters (``Question.answer_count``, ``Question.vote_score``, ``Answer.up_count`` …) are stored
and kept exact by the services in the same transaction as the change; ``manage.py
rebuild_qa_aggregates`` recomputes them from the rows (see :mod:`community.qa.aggregates`).
Only ``published`` answers are counted in ``answer_count``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community.accounts.trust import links_followed
from community.catalog.models import ProductPage
from community.moderation.models import ModeratedContent, author_changes_index
from community.text import excerpt

TITLE_MAX_LENGTH = 200
TITLE_MIN_LENGTH = 5
DETAILS_MAX_LENGTH = 5_000
ANSWER_MAX_LENGTH = 5_000
EXCERPT_LENGTH = 60


class Question(ModeratedContent):
    """A shopper's question about one product; it has its own page under the product."""

    SANITIZED_FIELDS = {"details": "details_html"}

    product = models.ForeignKey(
        ProductPage, verbose_name=_("product"), on_delete=models.CASCADE, related_name="questions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE, related_name="questions"
    )
    title = models.CharField(_("question"), max_length=TITLE_MAX_LENGTH)
    slug = models.SlugField(_("slug"), max_length=80, allow_unicode=False)
    details = models.TextField(_("details"), blank=True)
    details_html = models.TextField(_("details (HTML)"), blank=True, editable=False)
    # Normalised word stems of the title (" stem stem "), for "similar questions" on any database.
    title_terms = models.CharField(max_length=400, blank=True, editable=False)
    answer_count = models.PositiveIntegerField(_("answers"), default=0, editable=False)
    vote_score = models.PositiveIntegerField(_("“same question” votes"), default=0, editable=False)
    accepted_answer = models.ForeignKey(
        "qa.Answer", verbose_name=_("accepted answer"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("asked"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    # Set once, when the question first becomes visible (the moment recipients are notified).
    published_at = models.DateTimeField(_("first published"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["product", "status", "-created"], name="qa_question_newest"),
            models.Index(fields=["product", "status", "-vote_score", "-answer_count"], name="qa_question_votes"),
            models.Index(fields=["product", "status", "-answer_count", "-vote_score"], name="qa_question_top"),
            author_changes_index("qa_question_author_changes"),
        ]

    def __str__(self) -> str:
        return self.title

    def moderation_title(self) -> str:
        return self.title

    def follow_links(self) -> bool:
        """Experts' links are followed (``rel="ugc"``); everyone else's keep ``nofollow``."""
        return links_followed(self.author)

    @property
    def route_kwargs(self) -> dict:
        return {"question_id": self.pk, "slug": self.slug}

    def get_url(self, request=None) -> str:
        """The question's own page: ``<product url>questions/<id>-<slug>/``."""
        product = self.product
        return product.get_url(request=request) + product.reverse_subpage("qa_question", kwargs=self.route_kwargs)

    @property
    def url(self) -> str:
        """The page URL; lists set it once from their product's URL instead of per question."""
        return self.__dict__.get("_url") or self.get_url()

    @url.setter
    def url(self, value: str) -> None:
        self.__dict__["_url"] = value

    def get_absolute_url(self) -> str:
        return self.get_url()


class Answer(ModeratedContent):
    """An answer to a question; one per (author, question) — a second answer edits the first."""

    SANITIZED_FIELDS = {"text": "text_html"}
    # Stored with the sanitized HTML (services, ``resanitize``), so printing an answer — admin
    # lists, log titles — runs no sanitizer.
    DERIVED_FIELDS = ("text_excerpt",)

    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE, related_name="answers"
    )
    text = models.TextField(_("answer"))
    text_html = models.TextField(_("answer (HTML)"), blank=True, editable=False)
    text_excerpt = models.CharField(_("excerpt"), max_length=EXCERPT_LENGTH, blank=True, editable=False)
    up_count = models.PositiveIntegerField(_("helpful votes"), default=0, editable=False)
    down_count = models.PositiveIntegerField(_("unhelpful votes"), default=0, editable=False)
    score = models.IntegerField(_("score"), default=0, editable=False)
    # Computed when the answer is written: who the author was for this product at that moment.
    is_staff_answer = models.BooleanField(_("answer by the shop"), default=False, editable=False)
    is_verified_buyer = models.BooleanField(_("by a verified buyer"), default=False, editable=False)
    created = models.DateTimeField(_("answered"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    published_at = models.DateTimeField(_("first published"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = pgettext_lazy("the model's name", "answers")
        ordering = ["-score", "created", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["author", "question"], name="qa_answer_one_per_author"),
            models.CheckConstraint(condition=models.Q(score=models.F("up_count") - models.F("down_count")),
                                   name="qa_answer_score_is_up_minus_down"),
        ]
        indexes = [models.Index(fields=["question", "status", "-score"], name="qa_answer_by_score"),
                   author_changes_index("qa_answer_author_changes")]

    def __str__(self) -> str:
        return self.text_excerpt

    def set_derived(self) -> None:
        """Recompute :attr:`DERIVED_FIELDS` from the stored text (after ``text_html`` changed)."""
        self.text_excerpt = excerpt(self.text_html or self.text, EXCERPT_LENGTH)

    def moderation_title(self) -> str:
        return f"{self.question.title} — {self}"

    def follow_links(self) -> bool:
        """Experts' links are followed (``rel="ugc"``); everyone else's keep ``nofollow``."""
        return links_followed(self.author)

    @property
    def anchor(self) -> str:
        return f"answer-{self.pk}"

    def get_url(self, request=None) -> str:
        return f"{self.question.get_url(request=request)}#{self.anchor}"

    def get_absolute_url(self) -> str:
        return self.get_url()


class VoteValue(models.IntegerChoices):
    UP = 1, _("Helpful")
    DOWN = -1, _("Not helpful")


class AnswerVote(models.Model):
    """One user's up or down vote on an answer; changeable for a few minutes, then locked."""

    answer = models.ForeignKey(Answer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("voter"), on_delete=models.CASCADE, related_name="answer_votes"
    )
    value = models.SmallIntegerField(_("vote"), choices=VoteValue.choices)
    created = models.DateTimeField(_("voted"), default=timezone.now)
    updated = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("answer vote")
        verbose_name_plural = _("answer votes")
        constraints = [
            models.UniqueConstraint(fields=["answer", "voter"], name="qa_answervote_one_per_voter"),
            models.CheckConstraint(condition=models.Q(value__in=[1, -1]), name="qa_answervote_value_up_or_down"),
        ]
        indexes = [models.Index(fields=["voter", "answer"], name="qa_answervote_voter")]

    def __str__(self) -> str:
        return f"{self.voter} {self.value:+d} → {self.answer_id}"

    @property
    def is_up(self) -> bool:
        return self.value == VoteValue.UP


class QuestionVote(models.Model):
    """«У меня тот же вопрос»: an up vote on a question (there are no down votes)."""

    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("voter"), on_delete=models.CASCADE, related_name="question_votes"
    )
    created = models.DateTimeField(_("voted"), default=timezone.now)

    class Meta:
        verbose_name = _("question vote")
        verbose_name_plural = _("question votes")
        constraints = [models.UniqueConstraint(fields=["question", "voter"], name="qa_questionvote_one_per_voter")]

    def __str__(self) -> str:
        return f"{self.voter} +1 → {self.question_id}"


class QuestionFollow(models.Model):
    """A user who wants to hear about new answers (the asker, "same question" voters, anyone)."""

    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="question_follows"
    )
    created = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("question follow")
        verbose_name_plural = _("question follows")
        constraints = [models.UniqueConstraint(fields=["question", "user"], name="qa_questionfollow_one_per_user")]

    def __str__(self) -> str:
        return f"{self.user} → {self.question_id}"
