"""`python -m server …` is `dbauthz …`."""

from server.cli import main

main()
