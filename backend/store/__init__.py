"""Conversations: the SQLite store (schema migrations, damaged files) and export. Stands beside
`engine`: imports the base and `chat`."""
