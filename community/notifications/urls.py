"""Notifications under ``/notifications/``."""

from django.urls import path

from community.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<int:notification_id>/", views.notification_go, name="go"),
    path("settings/", views.preferences, name="settings"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("follow/product/<int:product_id>/", views.follow_product, name="follow_product"),
    path("waiting/<int:product_id>/", views.waiting_join, name="waiting_join"),
    path("waiting/confirm/<str:token>/", views.waiting_confirm, name="waiting_confirm"),
    path("rate/<str:token>/", views.review_stars, name="review_stars"),
    path("waiting/leave/<int:entry_id>/", views.waiting_leave, name="waiting_leave"),
]
