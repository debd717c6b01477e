"""The local OpenAI-compatible API over the loaded engine: requests, responses, the job queue in
front of the one engine, and the HTTP server. Imports the base, `chat`, `gguf` and `engine`."""
