"""Actions on one review, under /reviews/ (the product's review pages are product routes)."""

from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("<int:pk>/", views.review_detail, name="detail"),
    path("<int:pk>/vote/", views.review_vote, name="vote"),
    path("<int:pk>/flag/", views.review_flag, name="flag"),
    path("<int:pk>/delete/", views.review_delete, name="delete"),
    path("<int:pk>/reply/", views.review_reply, name="reply"),
]
