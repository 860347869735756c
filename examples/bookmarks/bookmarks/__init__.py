"""Chat bookmarks: a user's own querier on top of dbauthz (an example project)."""
