"""The chat in the window: sending and streaming answers into the view and the store, the
composer's attachments, a conversation's system prompt and sampling, and the maths worker."""
