"""plantrail's composition root: settings, bootstrap, importers and the CLI. Nothing imports it."""
