"""One JSON error shape for the whole app: {"error": ..., "served_by": ..., "mode": ...}."""

from http import HTTPStatus

from flask import current_app, jsonify, render_template, request
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException, InternalServerError

from auth.modes import mode_for_path

# How long a client should wait before retrying when a store the mode needs is down.
RETRY_AFTER_SECONDS = 1


class LabError(Exception):
    """An error the API answers with its own status and message."""

    status = HTTPStatus.BAD_REQUEST

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class BadRequest(LabError):
    """The request body or parameters are not what the endpoint accepts."""

    status = HTTPStatus.BAD_REQUEST


class Unauthorized(LabError):
    """The request carries no credential this backend accepts."""

    status = HTTPStatus.UNAUTHORIZED


def error_response(status, message, **extra):
    """Build the JSON error response every endpoint uses."""
    body = {"error": message, "served_by": current_app.config["BACKEND_NAME"]}
    mode = mode_for_path(request.path)
    if mode is not None:
        body["mode"] = mode.name
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def store_unavailable():
    """Answer 503: this mode needs Redis and fails closed without it."""
    return error_response(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "Redis is unreachable: this mode keeps its state there and refuses to guess without it",
    )


def _wants_json():
    """Tell whether the client should get JSON rather than an HTML error page."""
    if "/api/" in request.path or mode_for_path(request.path) is not None:
        return True
    accept = request.accept_mimetypes
    return accept["application/json"] >= accept["text/html"]


def _handle_lab_error(error):
    response = error_response(error.status, error.message)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _handle_http_exception(error):
    if not _wants_json():
        return render_template("error.html", error=error), error.code
    response = error_response(error.code, error.description)
    if error.code == HTTPStatus.METHOD_NOT_ALLOWED and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _handle_internal_error(error):
    # The details go to the backend's log, never to the client.
    return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "internal server error")


def init_app(app):
    """Register the error handlers on the app."""
    app.register_error_handler(LabError, _handle_lab_error)
    app.register_error_handler(RedisError, lambda error: store_unavailable())
    app.register_error_handler(InternalServerError, _handle_internal_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
