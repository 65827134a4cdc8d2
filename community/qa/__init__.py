"""Questions and answers: Question, Answer, votes, the accepted answer, their pages (``views.py``) and actions (``actions.py``), admin and
stored counters; imports catalog, accounts and moderation; sends ``question_asked``,
``question_voted``, ``answer_posted``, ``answer_voted``, ``answer_accepted`` and hears
``content_moderated``."""
