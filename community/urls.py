"""URL configuration: the composition root for HTTP (websockets are in asgi.py)."""

from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from community import api as public_api
from community import seo, views
from community.accounts import shop_sign_in
from community.accounts import views as account_views
from community.accounts.sitemaps import ProfileSitemap
from community.catalog import views as catalog_views
from community.catalog.sitemaps import CategorySitemap, ProductSitemap
from community.qa import api as qa_api
from community.qa.seo import QuestionSitemap
from experts import api as experts_api
from experts import views as experts_views
from reviews import api as reviews_api
from reviews import embed as reviews_embed
from reviews.sitemaps import ReviewPagesSitemap

# The sitemap index's sections, each owned by the app that serves its pages.
SITEMAPS = {
    "categories": CategorySitemap,
    "products": ProductSitemap,
    "reviews": ReviewPagesSitemap,
    "questions": QuestionSitemap,
    "profiles": ProfileSitemap,
}

# The public API (/api/v1/): one router per app, mounted here (community/api.py has the rest).
api_v1 = public_api.create_api()
api_v1.add_router("", reviews_api.router)
api_v1.add_router("", qa_api.router)
api_v1.add_router("", experts_api.router)

handler404 = "community.views.page_not_found"
handler500 = "community.views.server_error"
# django-allauth answers its sign-up and log-in limits with this one too.
handler429 = "community.views.too_many_requests"

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Before allauth's own: its OpenID Connect callback, checking the ID token's signature.
    path("accounts/oidc/<str:provider_id>/login/callback/", shop_sign_in.shop_callback),
    path("accounts/", include("allauth.urls")),
    path("cabinet/", account_views.cabinet, name="cabinet"),
    path("cabinet/privacy/", account_views.privacy, name="cabinet_privacy"),
    path("cabinet/privacy/export/<int:export_id>/", account_views.data_export_download, name="data_export_download"),
    path("moderation/", include("community.moderation.urls")),
    path("users/<str:username>/", account_views.profile, name="profile"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/shop/feed/", catalog_views.shop_feed, name="shop_feed"),
    path("api/shop/feed/batches/<int:batch_pk>/", catalog_views.shop_feed_batch, name="shop_feed_batch"),
    path("api/v1/", public_api.api_urls(api_v1)),
    path("embed/v1/", include(reviews_embed)),
    path("demo-shop/<str:sku>/", reviews_embed.demo_shop, name="demo_shop"),
    path("search/", include("search.urls")),
    path("reviews/", include("reviews.urls")),
    path("qa/", include("community.qa.urls")),
    path("notifications/", include("community.notifications.urls")),
    path("chat/", include("chat.urls")),
    path("experts/", include("experts.urls")),
    path("community/", experts_views.community, name="community"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", seo.sitemap_index, {"sitemaps": SITEMAPS, "section_url_name": "sitemap_section"},
         name="sitemap"),
    path("sitemap-<str:section>.xml", seo.sitemap_section, {"sitemaps": SITEMAPS}, name="sitemap_section"),
]

if settings.SERVE_FILES:
    from django.contrib.staticfiles.views import serve as serve_static

    urlpatterns += [
        re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}),
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

urlpatterns += [path("", include(wagtail_urls))]
