"""Markdown rendering for the chat: safe HTML, highlighted code, LaTeX maths as images, and the
streaming view that re-renders only the growing block. Widgets and pure helpers; no backend calls."""
