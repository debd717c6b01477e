"""GGUF files: the bounds-checked reader and preflight, quant types, split names, model layout and
info, and DeepSeek shapes for planning. Imports the base and `chat` (model families)."""
