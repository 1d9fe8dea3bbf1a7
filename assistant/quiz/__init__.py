"""Quizzes from the notes: ``facts`` read from their structure, ``names`` compared loosely,
``items`` made by ``generate``, checked by ``grading`` and written out by ``export``."""
