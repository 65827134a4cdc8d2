"""Views of reviews: thin — parse the request, call one selector or service, answer.

Product sub-pages (``…/<product>/reviews/`` and ``…/reviews/write/``) are routes of the
product page (hook ``product_page_routes``), so their views take ``(page, request)``. The
actions on one review live under ``/reviews/<id>/``. Every form posts and redirects back
without JavaScript; requests that ask for JSON (the progressive enhancement in
``static/js/reviews.js``) get JSON, errors included, never a 500.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from community.accounts.trust import is_indexable
from community.catalog import selectors as catalog_selectors
from community.catalog.models import ProductPage
from community.http import login_needed, rate_limited, redirect_back, safe_next, wants_json
from community.moderation import services as moderation_services
from community.moderation.models import Status
from community.seo import absolute_url
from reviews import selectors, services
from reviews.forms import FlagForm, ReplyForm, ReviewForm, VoteForm
from reviews.models import Review
from reviews.templatetags.reviews_tags import helpful_sentence

# --- helpers ----------------------------------------------------------------------------------


def reviews_url(product: ProductPage, request: HttpRequest | None = None) -> str:
    return product.get_url(request) + product.reverse_subpage("reviews")


def write_url(product: ProductPage, request: HttpRequest | None = None) -> str:
    return product.get_url(request) + product.reverse_subpage("review_write")


def _review_anchor(review: Review, request: HttpRequest) -> str:
    return f"{reviews_url(review.product, request)}#review-{review.pk}"


# --- product sub-pages ------------------------------------------------------------------------


def product_reviews(page: ProductPage, request: HttpRequest) -> HttpResponse:
    """All reviews of a product, 10 a page (``?page=2``), sorted and filtered; self-canonical."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    filters = selectors.ReviewFilters.from_query(request.GET)
    try:
        listing = selectors.review_page(product=page, viewer=request.user, filters=filters,
                                        page_number=request.GET.get("page"))
    except selectors.PageOutOfRange:
        raise Http404(_("There is no such page of reviews.")) from None
    base = reviews_url(page, request)
    params = filters.params()
    if listing.page.number > 1:
        params["page"] = str(listing.page.number)
    canonical = absolute_url(base + ("?" + urlencode(params) if params else ""))
    context = {
        "page": page,
        "self": page,
        "breadcrumbs": [*catalog_selectors.breadcrumbs(page), page],
        "listing": listing,
        "reviews_stats": listing.stats,
        "reviews_url": base,
        "reviews_write_url": write_url(page, request),
        "own_review": selectors.own_review(viewer=request.user, product=page),
        "canonical": canonical,
        "extra_query": filters.query(),
        # Sorted or filtered variants, and pages whose reviews are all by Newcomers, stay out of
        # the index (they are still followed).
        "noindex": not filters.is_default or not is_indexable(r.author for r in listing.reviews),
        "sort_options": [(key, label) for key, (label, _order) in selectors.SORTS.items()],
    }
    return TemplateResponse(request, "reviews/product_reviews.html", context)


@rate_limited("review_write")
def review_write(page: ProductPage, request: HttpRequest) -> HttpResponse:
    """Write a review of the product, or edit one's existing review (one per product)."""
    if not request.user.is_authenticated:
        return login_needed(request, message=_("Log in to write a review."), next_url=request.get_full_path())
    existing = services.review_for_author(author=request.user, product=page)
    photos = list(existing.photos.all()) if existing else []
    if request.method == "POST":
        form = ReviewForm(request.POST, request.FILES, existing_photos=photos)
        if form.is_valid():
            data = form.cleaned_data
            fields = {k: data[k] for k in ("rating", "title", "text", "pros", "cons")}
            try:
                if existing is None:
                    review = services.review_create(author=request.user, product=page, photos=data["photos"], **fields)
                    if review.status == Status.PENDING:
                        messages.success(request, _("Thank you! Your review will appear after moderation."))
                    else:
                        messages.success(request, _("Thank you! Your review is published."))
                else:
                    review = services.review_update(
                        editor=request.user, review=existing, photos=data["photos"],
                        remove_photo_ids=data.get("remove_photos", []), **fields,
                    )
                    messages.success(request, _("Your review is saved."))
                return HttpResponseRedirect(f"{reviews_url(page, request)}#review-{review.pk}")
            except services.ReviewExists as error:
                messages.info(request, str(error))
                return HttpResponseRedirect(write_url(page, request))
            except ValidationError as error:
                form.add_error(None, error)
            except services.ReviewError as error:
                form.add_error(None, str(error))
    else:
        initial = {}
        # A review request's star link (``?rating=4``) pre-fills the rating of a new review.
        if existing is None and request.GET.get("rating", "") in {"1", "2", "3", "4", "5"}:
            initial["rating"] = int(request.GET["rating"])
        if existing is not None:
            initial = {k: getattr(existing, k) for k in ("rating", "title", "text", "pros", "cons")}
            if request.GET.get("from") == "write":
                messages.info(request, _("You have already reviewed this product: edit your review instead."))
        form = ReviewForm(initial=initial, existing_photos=photos)
    status = 400 if request.method == "POST" else 200
    return render(request, "reviews/review_form.html", {
        "page": page,
        "self": page,
        "form": form,
        "review": existing,
        "photos": photos,
        "breadcrumbs": [*catalog_selectors.breadcrumbs(page), page],
        "reviews_url": reviews_url(page, request),
        "premoderated": existing is None and moderation_services.needs_premoderation(request.user),
    }, status=status)


# --- one review -------------------------------------------------------------------------------


@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A review's own page. Removed and rejected reviews answer 410; pending and hidden ones
    exist only for their author and moderators."""
    review = selectors.review_detail(pk=pk, viewer=request.user)
    if review is None:
        raise Http404
    privileged = request.user.is_authenticated and (
        request.user.pk == review.author_id or moderation_services.can_moderate(request.user)
    )
    if review.status in (Status.REMOVED, Status.REJECTED) and not privileged:
        return render(request, "reviews/gone.html", {"product": review.product}, status=410)
    if review.status in (Status.PENDING, Status.HIDDEN) and not privileged:
        raise Http404  # may still be published (pending) or come back (hidden)
    return render(request, "reviews/review_detail.html", {
        "review": review,
        "noindex": not review.is_published or not is_indexable([review.author]),
        "product": review.product,
        "reviews_url": reviews_url(review.product, request),
        "breadcrumbs": [*catalog_selectors.breadcrumbs(review.product), review.product],
    })


@require_POST
@rate_limited("vote")
def review_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Vote helpful / not helpful / withdraw; JSON for the script, else redirect back."""
    review = get_object_or_404(Review.objects.select_related("product"), pk=pk)
    if not request.user.is_authenticated:
        return login_needed(request, message=_("Log in to vote."), next_url=_review_anchor(review, request))
    form = VoteForm(request.POST)
    if not form.is_valid():
        return _vote_error(request, review, _("Choose “helpful” or “not helpful”."))
    try:
        vote = services.review_vote(voter=request.user, review=review,
                                    helpful=services.VOTE_CHOICES[form.cleaned_data["vote"]])
    except services.VoteError as error:
        return _vote_error(request, review, str(error))
    except PermissionDenied as error:
        return _vote_error(request, review, str(error), status=403)
    message = _("Thank you, your vote is counted.") if vote else _("Your vote is withdrawn.")
    if wants_json(request):
        return JsonResponse({
            "helpful_count": review.helpful_count,
            "unhelpful_count": review.unhelpful_count,
            "summary": helpful_sentence(review.helpful_count, review.vote_total),
            "vote": None if vote is None else ("helpful" if vote.helpful else "unhelpful"),
            "locked": services.vote_is_locked(vote),
            "message": message,
        })
    messages.success(request, message)
    return redirect_back(request, _review_anchor(review, request))


def _vote_error(request: HttpRequest, review: Review, message: str, status: int = 400) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": message}, status=status)
    messages.error(request, message)
    return redirect_back(request, _review_anchor(review, request))


@rate_limited("flag")
def review_flag(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a review to the moderators (the foundation's ``flag`` service): a small form page
    (GET), its POST redirects back to the review; the script's requests get JSON."""
    review = get_object_or_404(Review.objects.select_related("product", "author__profile"), pk=pk, status=Status.PUBLISHED)
    if not request.user.is_authenticated:
        return login_needed(request, message=_("Log in to report content."), next_url=request.get_full_path())
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    back = _review_anchor(review, request)
    form = FlagForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        error = _("Choose a reason for the report.")
        if form.is_valid():
            try:
                moderation_services.flag(reporter=request.user, content=review,
                                         reason=form.cleaned_data["reason"], text=form.cleaned_data["text"])
            except moderation_services.ModerationError as problem:
                error = str(problem)
            else:
                message = _("Thank you: the moderators will look at this review.")
                if wants_json(request):
                    return JsonResponse({"message": message})
                messages.success(request, message)
                return redirect_back(request, back)
        if wants_json(request):
            return JsonResponse({"error": error}, status=400)
        form.add_error(None, error)
    return render(request, "reviews/flag.html", {
        "review": review, "form": form, "back": safe_next(request, back),
        "breadcrumbs": [*catalog_selectors.breadcrumbs(review.product), review.product],
    }, status=400 if form.errors else 200)


@require_POST
def review_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """The author deletes their review (anyone else: 403)."""
    review = get_object_or_404(Review.objects.select_related("product"), pk=pk)
    product = review.product
    try:
        services.review_delete(actor=request.user, review=review)
    except PermissionDenied:
        if not request.user.is_authenticated:
            return login_needed(request, message=_("Log in to manage your review."), next_url=reviews_url(product, request))
        raise
    except services.ReviewError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(reviews_url(product, request))
    messages.success(request, _("Your review is deleted."))
    return HttpResponseRedirect(reviews_url(product, request))


@require_POST
def review_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The shop's staff post (or replace) the public reply under a review."""
    review = get_object_or_404(Review.objects.select_related("product"), pk=pk)
    if not request.user.is_authenticated:
        return login_needed(request, message=_("Log in to reply."), next_url=_review_anchor(review, request))
    form = ReplyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["text"])
        services.review_reply(author=request.user, review=review, text=form.cleaned_data["text"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except services.ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The reply is published."))
    return redirect_back(request, _review_anchor(review, request))

