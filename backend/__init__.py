"""Pure-Python core: never imports Qt, so every feature runs headless and in tests."""
