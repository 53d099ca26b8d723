"""A client of one mode, as a browser or an API consumer would be: its own cookies and tokens."""

import requests

from auth.users import DEMO_USERS


class ModeClient:
    """Talks to /<mode>/api/ on a lab, keeping whatever credential that mode hands out."""

    def __init__(self, base_url, mode, timeout=10):
        self.base_url = base_url.rstrip("/")
        self.mode = mode
        self.timeout = timeout
        self.http = requests.Session()
        self.access_token = None
        self.refresh_token = None
        self.expires_in = None
        self.csrf_token = None
        self._replayer = None

    def url(self, endpoint):
        """Return the URL of an endpoint of this client's mode."""
        return f"{self.base_url}/{self.mode}/api/{endpoint}"

    def _headers(self, token):
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _csrf_headers(self):
        return {"X-CSRF-Token": self.csrf_token} if self.csrf_token else {}

    def login(self, username="alice", password=None):
        """Log in; on success keep the tokens (JWT modes) or cookies (session modes)."""
        if password is None:
            password = DEMO_USERS[username]
        response = self.http.post(
            self.url("login"),
            json={"username": username, "password": password},
            timeout=self.timeout,
        )
        if response.status_code == 200:
            body = response.json()
            self.access_token = body.get("access_token")
            self.refresh_token = body.get("refresh_token")
            self.expires_in = body.get("expires_in")
            self.csrf_token = body.get("csrf_token")
        return response

    def me(self, token=None):
        """Ask who this client is (with token instead of the kept access token, if given)."""
        return self.http.get(
            self.url("me"), headers=self._headers(token or self.access_token), timeout=self.timeout
        )

    def logout(self):
        """Log out, sending the refresh token along so that it can be revoked too."""
        body = {"refresh_token": self.refresh_token} if self.refresh_token else None
        return self.http.post(
            self.url("logout"),
            headers={**self._headers(self.access_token), **self._csrf_headers()},
            json=body,
            timeout=self.timeout,
        )

    def refresh(self):
        """Exchange the kept refresh token for a new access token, and keep it."""
        response = self.http.post(
            self.url("refresh"), headers=self._headers(self.refresh_token), timeout=self.timeout
        )
        if response.status_code == 200:
            self.access_token = response.json()["access_token"]
        return response

    def credential_snapshot(self):
        """Return what this client holds right now, to replay it later."""
        return {"cookies": self.http.cookies.copy(), "access_token": self.access_token}

    def replay(self, snapshot):
        """Call /me with a credential held earlier, from a client with no other state."""
        if self._replayer is None or self._replayer.snapshot is not snapshot:
            self._replayer = requests.Session()
            self._replayer.cookies = snapshot["cookies"].copy()
            self._replayer.snapshot = snapshot
        return self._replayer.get(
            self.url("me"), headers=self._headers(snapshot["access_token"]), timeout=self.timeout
        )
