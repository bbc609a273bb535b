"""No models: this module only makes Django send `post_migrate` for the wiring app, which
creates the database cache's table (partyportal.apps)."""
