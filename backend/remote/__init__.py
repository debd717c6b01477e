"""Remote engines: OpenAI-compatible servers over HTTP and server-sent events, and the saved
connections. Stands beside `engine`: imports the base and `chat`."""
