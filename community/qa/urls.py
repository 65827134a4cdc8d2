"""Q&A actions under ``/qa/`` (the pages themselves live under each product, see wagtail_hooks)."""

from django.urls import path

from community.qa import actions

app_name = "qa"

urlpatterns = [
    path("similar/", actions.similar, name="similar"),
    path("q/<int:question_id>/", actions.question_go, name="question_go"),
    path("questions/<int:question_id>/vote/", actions.question_vote, name="question_vote"),
    path("questions/<int:question_id>/follow/", actions.question_follow, name="question_follow"),
    path("questions/<int:question_id>/edit/", actions.question_edit, name="question_edit"),
    path("questions/<int:question_id>/delete/", actions.question_delete, name="question_delete"),
    path("questions/<int:question_id>/report/", actions.question_flag, name="question_flag"),
    path("answers/<int:answer_id>/vote/", actions.answer_vote, name="answer_vote"),
    path("answers/<int:answer_id>/accept/", actions.answer_accept, name="answer_accept"),
    path("answers/<int:answer_id>/edit/", actions.answer_edit, name="answer_edit"),
    path("answers/<int:answer_id>/delete/", actions.answer_delete, name="answer_delete"),
    path("answers/<int:answer_id>/report/", actions.answer_flag, name="answer_flag"),
]
