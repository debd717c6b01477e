"""The model manager: the Hugging Face Hub (the only importer is `client`), catalog, fit, verified
resumable downloads, the download queue and the installed library. Imports anything below it."""
