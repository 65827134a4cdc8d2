"""Q&A actions under ``/qa/`` (the pages themselves live under each product, see wagtail_hooks)."""

from django.urls import path

from community.qa import views

app_name = "qa"

urlpatterns = [
    path("similar/", views.similar, name="similar"),
    path("q/<int:question_id>/", views.question_go, name="question_go"),
    path("questions/<int:question_id>/vote/", views.question_vote, name="question_vote"),
    path("questions/<int:question_id>/follow/", views.question_follow, name="question_follow"),
    path("questions/<int:question_id>/edit/", views.question_edit, name="question_edit"),
    path("questions/<int:question_id>/delete/", views.question_delete, name="question_delete"),
    path("questions/<int:question_id>/report/", views.question_flag, name="question_flag"),
    path("answers/<int:answer_id>/vote/", views.answer_vote, name="answer_vote"),
    path("answers/<int:answer_id>/accept/", views.answer_accept, name="answer_accept"),
    path("answers/<int:answer_id>/edit/", views.answer_edit, name="answer_edit"),
    path("answers/<int:answer_id>/delete/", views.answer_delete, name="answer_delete"),
    path("answers/<int:answer_id>/report/", views.answer_flag, name="answer_flag"),
]
