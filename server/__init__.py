"""The application face: the HTTP API (`server.app.create_app`) and the `dbauthz` CLI."""
