"""The Settings dialog and its pages. Widgets only: they edit values and emit them."""
