"""Chat: the values a chat crosses layers with, the engine protocol, templates and prompts, the
reasoning splitter, and model families. Imports only the base (errors, i18n)."""
