"""The download service in the window: the manager and its worker threads, and the glue to the
download dialog."""
