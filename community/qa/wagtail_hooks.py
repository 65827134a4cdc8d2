"""Q&A's place in the site: product page routes and section, the personal account, the audit log.

The admin viewsets for questions and answers are registered at the end of this module.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from community import seo as core_seo
from community.accounts.selectors import CabinetSection
from community.catalog import home, page_cache
from community.catalog.models import HomeSection, ProductSection
from community.layout import AssetBundle
from community.moderation.services import can_moderate
from community.qa import notifications, selectors, seo, services, views


@hooks.register("product_page_routes")
def qa_routes():
    return [
        path("questions/", views.question_list, name="qa_question_list"),
        path("questions/ask/", views.question_ask, name="qa_question_ask"),
        path("questions/<int:question_id>/", views.question_short, name="qa_question_short"),
        path("questions/<int:question_id>-<slug:slug>/", views.question_detail, name="qa_question"),
    ]


@hooks.register("notification_kinds")
def qa_notification_kinds():
    return notifications.kinds()


@hooks.register("page_assets")
def qa_assets() -> AssetBundle:
    """Q&A's styles and script (similar questions while typing, votes in place)."""
    return AssetBundle(name="qa", css=("css/qa.css",), js=("js/qa.js",), templates=("qa/",))


@hooks.register("product_page_sections")
def qa_product_section(request, page) -> ProductSection:
    from community.qa.forms import QuestionForm

    viewer = request.user
    if can_moderate(viewer) or page_cache.viewer_state(request, page).get("qa_own_pending"):
        # Moderators see pending questions, an author their own: not what everyone sees.
        block = selectors.product_top_questions(product=page, viewer=viewer, product_url=page.get_url(request))
    else:
        block = page_cache.shared(request, page, "qa:top-questions", lambda: selectors.product_top_questions(
            product=page, viewer=None, product_url=page.get_url(request)))
        # Their rendered rows too (nothing in a row is the viewer's own).
        page_cache.shared_fragments(request, page, "qa:top-questions", list(block.questions),
                                    "qa/includes/question_row.html", "question")
    ask_form = None
    if viewer.is_authenticated:
        ask_form = page_cache.shared_form(request, page, "qa:ask", "qa/includes/ask_form.html", {
            "form": QuestionForm(), "ask_url": block.ask_url, "similar_url": block.similar_url, "page": page})
    return ProductSection(
        key="qa", title=_("Questions and answers"), template="qa/product_section.html", order=30,
        context={"qa_block": block, "qa_ask_form": ask_form}, assets=("qa",),
    )


@hooks.register("product_viewer_state")
def qa_viewer_state(user) -> dict:
    """Has the viewer a question of the product awaiting moderation (shown to them only)?"""
    from django.db.models import Exists, OuterRef

    from community.moderation.models import Status
    from community.qa.models import Question

    return {"qa_own_pending": Exists(Question.objects.filter(product=OuterRef("pk"), author_id=user.pk,
                                                             status=Status.PENDING))}


EMBED_QUESTIONS = 3


@hooks.register("embed_widget_sections")
def embed_best_answers(product, product_url: str) -> str:
    """The shop widget's «Questions and answers»: the top answered questions with their best
    answers (two queries), linking to the community's question pages."""
    block = selectors.product_top_questions(product=product, viewer=None, limit=EMBED_QUESTIONS,
                                            product_url=product_url)
    answered = [q for q in block.questions if q.best_answer is not None]
    if not answered:
        return ""
    return render_to_string("qa/embed_questions.html", {"questions": answered, "list_url": block.list_url})
@hooks.register("home_page_sections")
def qa_home_section(request, page) -> HomeSection | None:
    """«Помогите ответить»: the newest questions without an answer (one query, cached briefly)."""
    questions = home.cached_items("unanswered-questions", selectors.questions_waiting_for_answer)
    if not questions:
        return None
    return HomeSection(key="unanswered-questions", title=_("Help to answer"), template="qa/home_section.html",
                       items=questions, order=20, assets=("qa",))


@hooks.register("cabinet_sections")
def qa_cabinet_section(request) -> CabinetSection | None:
    questions = selectors.questions_of_user(user=request.user)
    answers = selectors.answers_of_user(user=request.user)
    if not questions and not answers:
        return None
    return CabinetSection(
        key="qa", title=_("My questions and answers"), template="qa/cabinet_section.html", order=30,
        context={"qa_my_questions": questions, "qa_my_answers": answers}, assets=("qa",),
    )


@hooks.register("personal_data")
def qa_personal_data(user) -> dict:
    from community.qa.models import Answer, Question

    return {"questions": list(Question.objects.filter(author=user).values("product__title", "title", "details",
                                                                          "status", "created")),
            "answers": list(Answer.objects.filter(author=user).values("question__title", "text", "status", "created"))}


@hooks.register("register_log_actions")
def register_qa_log_actions(actions):
    actions.register_action(services.DELETE_LOG_ACTION, _("Deleted by the author"), _("Deleted by the author"))


# --- the Wagtail admin: questions and answers under moderation ---------------------------------
# The shared moderation admin (status and "flagged" filters, inspect page with flags and audit
# history, the moderate action) comes from community.moderation.viewsets; Q&A only says what to
# list and adds its own blocks to the inspect page.

from wagtail.snippets.models import register_snippet  # noqa: E402

from community.moderation.viewsets import InspectPanel, ModeratedContentViewSet  # noqa: E402
from community.qa.models import Answer, Question  # noqa: E402


class QuestionViewSet(ModeratedContentViewSet):
    model = Question
    icon = "help"
    menu_label = _("Questions")
    menu_order = 20
    list_display = ["title", "product", "author", "status", "answer_count", "vote_score", "flag_count", "created"]
    search_fields = ["title", "details"]
    search_backend_name = None  # plain database lookups: questions are not in Wagtail's search index
    ordering = ["-created"]
    inspect_view_fields = ["product", "author", "title", "details", "answer_count", "vote_score", "accepted_answer",
                           "created", "edited_at"]

    def get_queryset(self, request):
        return Question.objects.select_related("author__profile", "product")

    def get_inspect_panels(self, obj: Question) -> list[InspectPanel]:
        """The question's public page and every answer with its status."""
        answers = list(obj.answers.select_related("author__profile").order_by("-score", "created"))
        return [
            InspectPanel(_("On the site"), "qa/admin/live_link.html", {"url": obj.get_url(), "is_public": obj.is_published}),
            InspectPanel(_("Answers"), "qa/admin/answers.html", {
                "answers": answers, "accepted_id": obj.accepted_answer_id,
                "inspect_url_name": Answer.snippet_viewset.get_url_name("inspect"),
            }),
        ]


class AnswerViewSet(ModeratedContentViewSet):
    model = Answer
    icon = "comment"
    menu_label = _("Answers")
    menu_order = 21
    list_display = ["__str__", "question", "author", "status", "is_staff_answer", "is_verified_buyer", "score",
                    "flag_count", "created"]
    search_fields = ["text"]
    search_backend_name = None
    ordering = ["-created"]
    inspect_view_fields = ["question", "author", "text", "is_staff_answer", "is_verified_buyer", "up_count",
                           "down_count", "score", "created", "edited_at"]

    def get_queryset(self, request):
        return Answer.objects.select_related("author__profile", "question")

    def get_inspect_panels(self, obj: Answer) -> list[InspectPanel]:
        return [InspectPanel(_("On the site"), "qa/admin/live_link.html",
                             {"url": obj.get_url(), "is_public": obj.is_published and obj.question.is_published})]


register_snippet(QuestionViewSet)
register_snippet(AnswerViewSet)


@hooks.register("moderation_kinds")
def qa_moderation_kinds():
    """Questions and answers in the one moderation queue."""
    from community.moderation.registry import ContentKind

    return [
        ContentKind(key="question", model=Question, label=_("Question"), product_path="product",
                    excerpt=lambda q: " — ".join(part for part in (q.title, q.details) if part),
                    admin_url_name="wagtailsnippets_qa_question:inspect"),
        ContentKind(key="answer", model=Answer, label=_("Answer"), product_path="question__product",
                    excerpt=lambda a: a.text, admin_url_name="wagtailsnippets_qa_answer:inspect"),
    ]


for _hook in (seo.product_questions_changed, seo.product_answers_changed):
    hooks.register("product_sitemap_lastmod", _hook)
for _hook in (seo.author_questions_changed, seo.author_answers_changed):
    hooks.register("profile_sitemap_lastmod", _hook)

# ETag / Last-Modified on question pages (community/seo.py).
core_seo.register_route_version(seo.QUESTION_ROUTE, seo.question_version)
# ... and its Q&A section on product pages.
seo.product_questions_version.covers = (qa_product_section,)
hooks.register("product_page_version", seo.product_questions_version)
