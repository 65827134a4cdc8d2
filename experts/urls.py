from django.urls import path

from experts import views

app_name = "experts"
urlpatterns = [
    path("", views.leaderboard, name="leaderboard"),
    path("<slug:category_slug>/", views.leaderboard, name="category_leaderboard"),
]
