"""The ground floor every package stands on: settings, line spans and quotes, text tools.

It imports nothing of the product; ``ingest``, ``assistant``, ``evals`` and ``ui`` all import it.
"""
