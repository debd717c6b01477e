"""Markdown rendering for the chat: safe HTML, highlighted code, and the streaming view that
re-renders only the growing block. Widgets and pure helpers; no backend calls."""
