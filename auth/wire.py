"""What a request's credential looked like on the wire, for the demo page to show.

The page cannot read HttpOnly cookies (that is their point), so the backend reports their
names and sizes, with the values masked: this endpoint never hands a live secret to scripts.
"""

from flask import current_app, request

# Values shorter than this are shown whole: they are too short to be a credential anyway.
MASK_FROM = 16


def mask(value):
    """Return the value with its middle hidden."""
    if len(value) < MASK_FROM:
        return value
    return f"{value[:6]}…{value[-4:]}"


def _header_bytes(name, value):
    return len(f"{name}: {value}".encode())


def describe(mode):
    """Describe the credential the current request carried for mode."""
    if mode.kind == "jwt":
        value = request.headers.get("Authorization", "")
        return {
            "header": "Authorization",
            "value": value,
            "bytes": _header_bytes("Authorization", value) if value else 0,
            "readable_by_page": True,
            "lookup": mode.lookup,
        }
    raw = request.headers.get("Cookie", "")
    cookies = [
        {"name": name, "value": mask(value), "bytes": len(value.encode())}
        for name, value in request.cookies.items()
    ]
    description = {
        "header": "Cookie",
        "value": "; ".join(f"{cookie['name']}={cookie['value']}" for cookie in cookies),
        "bytes": _header_bytes("Cookie", raw) if raw else 0,
        "cookies": cookies,
        "readable_by_page": False,
        "lookup": mode.lookup,
    }
    cookie_name = mode.cookie_name_over(request.is_secure)
    if mode.session_store == "cookie" and cookie_name in request.cookies:
        description["decoded"] = _signed_cookie_payload(mode, request.cookies[cookie_name])
    return description


def _signed_cookie_payload(mode, value):
    # Anyone can decode a Flask session cookie: it is signed, not encrypted. The server's
    # secret only tells whether the signature is genuine.
    store, mode_app = current_app.session_interface.store_for(mode.name, request.is_secure)
    signature_ok, payload = store.get_signing_serializer(mode_app).loads_unsafe(value)
    return {"signature_valid": signature_ok, "payload": payload}
