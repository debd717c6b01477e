"""Icons, styles, translations, the model catalog and other data files."""
