"""Qt widgets: they render values and emit intents; they never call services."""
