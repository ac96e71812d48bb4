"""Named queries over an Analysis; each returns a result object (never prints)."""
