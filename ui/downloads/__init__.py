"""The model manager dialog: the catalog table and the download job cards. Widgets only."""
