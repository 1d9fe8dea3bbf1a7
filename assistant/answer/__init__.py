"""Answering: question -> hybrid retrieval -> the statement that answers, with line citations.

Modules: ``retrieval`` (BM25 + dense, fused), ``rerank`` (the cross-encoder), ``compose`` (scoring
and choosing statements), ``followup`` (reading a question against the conversation), ``context``
(a citation's surrounding lines), ``types`` (``Answer``, ``Passage``), ``engine`` (``Assistant``).
"""
