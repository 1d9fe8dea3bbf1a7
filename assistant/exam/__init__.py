"""Exam mode: which options of a multiple-choice question the notes support, with the lines."""
