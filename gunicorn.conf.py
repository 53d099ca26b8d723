"""gunicorn settings, shared by the local launcher and the containers."""

import os

wsgi_app = "app:create_app()"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
errorlog = "-"
# Unbuffered, so a backend's log shows a request as soon as it is served.
capture_output = True


def on_starting(server):
    """Create the user tables and seed the demo users once per backend, before any worker."""
    from app import create_app
    from auth.users import init_db

    app = create_app()
    with app.app_context():
        init_db()
