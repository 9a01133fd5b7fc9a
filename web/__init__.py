"""The browser entry point: Starlette routes, templates and static files (see ``web.app``)."""
