"""The site's side of moderation: an author's appeal from their account."""

from django.urls import path

from community.moderation import views

app_name = "moderation"

urlpatterns = [
    path("appeals/<int:decision_id>/", views.appeal_create_view, name="appeal"),
]
