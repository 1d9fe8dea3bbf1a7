"""Evals: score the assistant's retrieval, answers, citations and refusals on a set of known facts,
beside a plain LangChain RAG baseline (``study eval``)."""
