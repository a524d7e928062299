"""Model providers (Ollama, OpenAI-compatible, offline) and the reliability around them.

Import from the submodules (``aksio.llm.base``, ``aksio.llm.factory``, ``aksio.llm.reliability``); this package
imports nothing itself, so the ollama and openai SDKs load only when a provider is made.
"""
