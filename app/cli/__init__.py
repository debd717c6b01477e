"""The command line: inspect, plan, chat and models, without Qt. Imports `backend`, never `ui` or
`app.gui`."""
