"""Spaced review of quiz items (FSRS), kept in SQLite in the data dir."""
