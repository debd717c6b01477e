"""The desktop app: start-up, controllers that wire `ui` widgets to `backend`, and the Qt worker
threads. The only room that imports both `ui` and `backend`."""
