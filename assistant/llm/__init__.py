"""The optional LLM backend: answers written by a model the user runs (any OpenAI-compatible server),
each sentence checked against the lines of the notes it cites.

Modules: ``client`` (``LLMConfig``, the ChatOpenAI client, ``LLMError``), ``prompts`` (every word the
model is sent), ``verify`` (sentences, their citations, the check), ``backing`` (the part of the check
that needs one cited statement to back the claim: most of its words, its polarity, what each number
counts), ``answer`` (``ModelAnswerer``, ``ModelAnswer``).
"""
