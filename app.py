"""The authlab Flask application: every auth mode, side by side, under its own URL prefix."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from auth import api, errors, pages, session_stores, settings, tokens, vulnerable
from auth.redis_store import redis_store
from auth.session_auth import login_manager
from auth.throttle import login_throttle
from auth.users import db, init_db


def create_app(config=None):
    """Create the app: defaults, then the environment, then the config mapping given."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(settings.defaults(app.instance_path, app.root_path))
    app.config.from_mapping(settings.from_environment())
    if config:
        app.config.from_mapping(config)
    settings.check_secrets(app)

    # nginx is exactly one proxy hop in front of every backend; trust no more than that.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    db.init_app(app)
    redis_store.init_app(app)
    session_stores.init_app(app, app.extensions["redis"])
    login_manager.init_app(app)
    tokens.init_app(app)
    login_throttle.init_app(app)
    errors.init_app(app)

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    vulnerable.init_app(app)

    @app.after_request
    def add_served_by(response):
        response.headers["X-Served-By"] = app.config["BACKEND_NAME"]
        return response

    @app.cli.command("init-db")
    def init_db_command():
        """Create the tables and seed the demo users."""
        init_db()
        print("Database ready.")

    return app
