"""The chat column: the scrolling view of messages, each message (bubble, reasoning panel,
answer, tool calls, versions, attached files) and the values they show. Widgets only."""
