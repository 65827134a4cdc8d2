"""Experts in the rest of the site: hooks of reviews, Q&A, product pages, profiles; the admin."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from community.accounts.selectors import CabinetSection
from community.catalog import home, page_cache
from community.catalog.models import HomeSection, ProductPage, ProductSection
from community.layout import AssetBundle, NavLink
from experts import notifications, selectors
from experts.admin.badges import BadgeViewSet

# --- routing: new questions reach the Experts (their links: community.accounts.trust) ---------


@hooks.register("notification_kinds")
def experts_notification_kinds():
    return notifications.kinds()


@hooks.register("qa_question_recipients")
def experts_of_the_category(question):
    """A new question is routed to the Experts of its product's top-level category."""
    return selectors.experts_of_category(category_id=question.product.top_category_id)


@hooks.register("reputation_thresholds")
def experts_reputation_thresholds() -> dict[str, int]:
    """The numbers the level and Expert badges explain (``community.templatetags.author_tags``)."""
    from experts.rules import reputation_thresholds

    return reputation_thresholds()


# --- pages ---------------------------------------------------------------------------------------


@hooks.register("site_nav_items")
def experts_nav_link(request) -> NavLink:
    from django.urls import reverse

    return NavLink(key="experts", label=_("Experts"), url=reverse("experts:leaderboard"), order=10)


@hooks.register("site_nav_items")
def community_nav_link(request) -> NavLink:
    from django.urls import reverse

    return NavLink(key="community", label=_("How it works"), url=reverse("community"), order=90, in_header=False)


@hooks.register("home_page_sections")
def experts_home_section(request: HttpRequest, page) -> HomeSection | None:
    """This week's top Experts per category (three queries, cached briefly)."""
    from django.urls import reverse

    blocks = home.cached_items("top-experts", selectors.top_experts_of_the_week)
    if not blocks:
        return None
    return HomeSection(key="top-experts", title=_("Experts of the week"), template="experts/home_section.html",
                       items=blocks, order=30, link=reverse("community"), link_text=_("How reputation and Expert status are earned"),
                       assets=("experts",))


@hooks.register("page_assets")
def experts_assets() -> AssetBundle:
    """Reputation blocks, the chart, leaderboards and the Experts' reviews."""
    return AssetBundle(name="experts", css=("css/experts.css",), templates=("experts/",))



@hooks.register("product_page_sections")
def expert_reviews_section(request: HttpRequest, page: ProductPage) -> ProductSection | None:
    """«Отзывы экспертов»: the product's published reviews by Experts of its category, first."""
    known = page_cache.version_values(request, page, product_experts_version)
    if known is not None and not known["experts_n"]:
        return None  # the category has no Experts (the page's version says so): no query
    reviews = page_cache.shared(request, page, "experts:reviews",
                                lambda: selectors.expert_reviews_for_product(product=page))
    if not reviews:
        return None
    return ProductSection(
        key="expert_reviews", title=_("Experts' reviews"), template="experts/section_expert_reviews.html",
        order=19, context={"expert_reviews": reviews, "expert_reviews_category": page.top_category},
        assets=("experts", "reviews"),  # the Experts' reviews are shown as review cards
    )


def product_experts_version() -> dict:
    """The Experts of a product's top-level category (``product_page_version`` hook): who is an
    Expert decides which reviews the section shows and their badges; the reviews themselves and
    their votes are tracked by the reviews app's version."""
    from django.db.models import Count, Max, OuterRef, Q, Subquery

    from experts.models import ExpertStatus

    rows = ExpertStatus.objects.filter(category_id=OuterRef("top_category_id")).order_by().values("category_id")
    aggregates = {"experts_n": Count("pk", filter=Q(is_expert=True)), "experts_since": Max("since"),
                  "experts_override": Max("override_at")}
    return {name: Subquery(rows.annotate(value=expression).values("value")[:1])
            for name, expression in aggregates.items()}


product_experts_version.covers = (expert_reviews_section,)
hooks.register("product_page_version", product_experts_version)


@hooks.register("profile_sections")
def reputation_section(request: HttpRequest, user) -> CabinetSection:
    """Reputation, level, Expert categories, badges and the chart of reputation over time."""
    return CabinetSection(key="reputation", title=_("Reputation"), template="experts/profile_reputation.html",
                          order=10, context={"experts_reputation": selectors.profile_reputation(user=user)},
                          assets=("experts",))


@hooks.register("profile_sections")
def contributions_section(request: HttpRequest, user) -> CabinetSection | None:
    contributions = selectors.profile_contributions(user=user)
    if not contributions.reviews and not contributions.answers:
        return None
    return CabinetSection(key="contributions", title=_("Reviews and answers"),
                          template="experts/profile_contributions.html", order=20,
                          context={"experts_contributions": contributions}, assets=("experts",))


@hooks.register("cabinet_sections")
def my_reputation_section(request: HttpRequest) -> CabinetSection | None:
    if not request.user.is_authenticated:
        return None
    return CabinetSection(key="reputation", title=_("My reputation"), template="experts/cabinet_reputation.html",
                          order=15, context={"experts_my_reputation": selectors.cabinet_reputation(user=request.user)},
                          assets=("experts",))


# --- the audit log ----------------------------------------------------------------------------------


@hooks.register("register_log_actions")
def register_expert_log_actions(actions) -> None:
    for action, label in (
        ("experts.status_gained", _("Expert status gained")),
        ("experts.status_lost", _("Expert status lost")),
        ("experts.grant", _("Expert status granted by a moderator")),
        ("experts.revoke", _("Expert status revoked by a moderator")),
        ("experts.follow_rules", _("Expert status returned to the rules")),
        ("experts.fraud_reversal", _("Votes reversed as vote fraud")),
    ):
        actions.register_action(action, label, label)


@hooks.register("register_admin_viewset")
def register_reputation_admin():
    """The «Репутация» menu: ledger, Expert statuses, fraud cases, votes (``experts/admin/``)."""
    from experts.admin import ReputationGroup

    return ReputationGroup()


register_snippet(BadgeViewSet)  # «Значки» under Snippets



@hooks.register("moderation_user_sections")
def reputation_on_the_moderation_page(user):
    """A user's latest reputation events and the votes they cast, on their moderation page."""
    from community.moderation.selectors import UserSection
    from community.qa.models import AnswerVote
    from experts.models import ReputationEvent
    from reviews.models import ReviewVote

    events = list(ReputationEvent.objects.filter(user=user).order_by("-created", "-pk")[:20])
    votes = {"reviews": ReviewVote.objects.filter(voter=user).count(),
             "answers": AnswerVote.objects.filter(voter=user).count()}
    return UserSection(title=_("Reputation and votes"), template="experts/admin/moderation_user.html",
                       context={"events": events, "votes": votes}, order=10)
