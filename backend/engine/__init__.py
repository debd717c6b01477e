"""The local engine: llama.cpp (the only `llama_cpp` importer is `native`), its libraries and
devices, the offload planner and RPC. Imports the base, `chat` and `gguf`."""
