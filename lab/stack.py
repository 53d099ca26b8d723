"""A whole lab on this machine: Redis, N gunicorn backends and nginx, all on loopback."""

import contextlib
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

import redis
import requests

from auth import keys
from lab import nginx
from lab.processes import LabError, Service, find_program, free_port, http_ok, port_in_use

REPO_ROOT = Path(__file__).resolve().parent.parent


class Lab:
    """Start, fault and stop a local lab; use it as a context manager.

    with Lab(backends=3) as lab:
        lab.url                  # nginx, e.g. http://127.0.0.1:8080
        lab.stop_backend(2)      # kill backend-2 like a crash
        lab.start_backend(2)
        lab.stop_redis(); lab.start_redis()
    """

    def __init__(self, backends=3, workers=2, port=None, redis_url=None, env=None, odd_secret=None):
        if backends < 1:
            raise LabError("a lab needs at least one backend")
        if workers < 1:
            raise LabError("a backend needs at least one worker")
        self.backend_count = backends
        self.workers = workers
        self.port = port
        self.external_redis_url = redis_url
        self.extra_env = dict(env or {})
        if odd_secret is not None and not 1 <= odd_secret <= backends:
            raise LabError(f"--odd-secret must name a backend from 1 to {backends}")
        # Workshop exercise 4: this backend gets a SECRET_KEY of its own, as a misconfigured
        # server would, and rejects every signed cookie the others issue (and vice versa).
        self.odd_secret = odd_secret
        self.runtime_dir = None
        self.redis = None
        self.redis_url = redis_url
        self.backends = {}
        self.nginx = None
        # The secrets every backend shares, so that tests and tools can forge or check tokens.
        self.secrets = {}

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        """Start Redis (unless a URL was given), the backends, then nginx; wait until all answer."""
        nginx_bin = find_program("nginx", "nginx")
        redis_bin = (
            None if self.external_redis_url else find_program("redis-server", "redis-server")
        )
        if self.port is None:
            self.port = free_port()
        elif port_in_use(self.port):
            raise LabError(f"port {self.port} is already in use: choose another with --port")
        # Outside the repository, and readable (not writable) by nginx's unprivileged workers.
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="authlab-"))
        self.runtime_dir.chmod(0o711)
        try:
            if redis_bin:
                self._start_redis_service(redis_bin)
            self._start_backends()
            self._start_nginx(nginx_bin)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        """Stop everything this lab started and delete its runtime files."""
        for service in [self.nginx, *self.backends.values(), self.redis]:
            if service is not None:
                service.stop()
        self.nginx = None
        self.backends = {}
        self.redis = None
        if self.runtime_dir is not None:
            shutil.rmtree(self.runtime_dir, ignore_errors=True)
            self.runtime_dir = None

    # -- what runs where ---------------------------------------------------------------

    @property
    def url(self):
        """The lab's address: nginx in front of every backend."""
        return f"http://127.0.0.1:{self.port}"

    def backend_url(self, number):
        """The direct address of backend number (bypassing nginx)."""
        return f"http://127.0.0.1:{self.backends[number].port}"

    def services(self):
        """Describe each running service as (name, pid, address, notes)."""
        rows = []
        if self.redis is not None:
            rows.append(("redis", self.redis.pid, self.redis_url, "append-only file on disk"))
        for backend in self.backends.values():
            address = f"http://127.0.0.1:{backend.port}"
            notes = f"gunicorn, {self.workers} workers"
            if backend.name == f"backend-{self.odd_secret}":
                notes += "; its own SECRET_KEY"
            rows.append((backend.name, backend.pid, address, notes))
        if self.nginx is not None:
            rows.append(
                ("nginx", self.nginx.pid, self.url, "round robin; sticky for /session-sticky/")
            )
        return rows

    # -- faults on purpose ---------------------------------------------------------------

    def stop_backend(self, number):
        """Stop backend number: killed at once, as a crash would."""
        self._backend(number).kill()

    def start_backend(self, number, fresh=False):
        """Start backend number again on its port; fresh: as a replacement with no sessions.

        By default the backend finds its session folder as it was (a restarted process on the
        same disk); fresh starts it empty, like a crashed server's memory or a new container.
        """
        backend = self._backend(number)
        if backend.running:
            return
        if fresh:
            shutil.rmtree(self.runtime_dir / f"backend-{number}" / "sessions", ignore_errors=True)
        backend.start()
        backend.wait_ready()

    def wait_until_routed(self, number, timeout=nginx.FAIL_TIMEOUT_SECONDS + 5):
        """Wait until nginx sends requests to backend number again; return the seconds waited.

        nginx skips a backend that refused a connection for FAIL_TIMEOUT_SECONDS, so a
        restarted backend gets traffic again only after that.
        """
        name = f"backend-{number}"
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            for _ in range(len(self.backends)):
                try:
                    answer = requests.get(f"{self.url}/healthz", timeout=2)
                except requests.RequestException:
                    continue
                if answer.headers.get("X-Served-By") == name:
                    return time.monotonic() - start
            time.sleep(0.2)
        raise LabError(f"nginx did not route to {name} within {timeout}s")

    def stop_redis(self):
        """Stop the lab's Redis (its data is kept on disk for the restart)."""
        self._redis_service().stop()

    def start_redis(self):
        """Start the lab's Redis again on the same port."""
        service = self._redis_service()
        if not service.running:
            service.start()
            service.wait_ready()

    # -- internals -------------------------------------------------------------------------

    def _backend(self, number):
        try:
            return self.backends[number]
        except KeyError:
            raise LabError(f"there is no backend-{number} (1..{self.backend_count})") from None

    def _redis_service(self):
        if self.redis is None:
            raise LabError("this lab uses an external Redis (REDIS_URL); it cannot stop it")
        return self.redis

    def _start_redis_service(self, redis_bin):
        data_dir = self.runtime_dir / "redis"
        data_dir.mkdir()
        self.redis = redis_service(redis_bin, free_port(), data_dir, self.runtime_dir / "redis.log")
        self.redis_url = self.redis.url
        self.redis.start()
        self.redis.wait_ready()

    def _backend_env(self, number, shared):
        env = dict(os.environ)
        env.update(shared)
        env.update(
            LAB_BACKEND_NAME=f"backend-{number}",
            LAB_SESSION_DIR=str(self.runtime_dir / f"backend-{number}" / "sessions"),
            WEB_CONCURRENCY=str(self.workers),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        if number == self.odd_secret:
            env["SECRET_KEY"] = secrets.token_urlsafe(48)
        return env

    def _setting(self, name):
        return self.extra_env.get(name) or os.environ.get(name)

    def _shared_env(self):
        # Every backend must share the secrets; one random pair per lab unless configured.
        self.secrets = {
            name: self._setting(name) or secrets.token_urlsafe(48)
            for name in ("SECRET_KEY", "JWT_SECRET_KEY")
        }
        shared = {
            "REDIS_URL": self.redis_url,
            "DATABASE_URL": self._setting("DATABASE_URL")
            or f"sqlite:///{self.runtime_dir / 'authlab.db'}",
            **self.secrets,
        }
        algorithm = self._setting("JWT_ALGORITHM") or "HS256"
        if algorithm in keys.ASYMMETRIC_ALGORITHMS:
            folder = key_folder(
                algorithm, self._setting("JWT_KEY_DIR"), self._setting("XDG_STATE_HOME")
            )
            shared["JWT_KEY_DIR"] = str(ensure_key_pair(algorithm, folder))
        return shared

    def _start_backends(self):
        shared = self._shared_env()
        for number in range(1, self.backend_count + 1):
            port = free_port()
            (self.runtime_dir / f"backend-{number}").mkdir(mode=0o700)
            argv = [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
            ]
            backend = Service(
                f"backend-{number}",
                argv,
                self.runtime_dir / f"backend-{number}.log",
                ready=lambda port=port: http_ok(f"http://127.0.0.1:{port}/healthz"),
                env=self._backend_env(number, shared),
                cwd=REPO_ROOT,
            )
            backend.port = port
            self.backends[number] = backend
            backend.start()
        for backend in self.backends.values():
            backend.wait_ready(timeout=60)

    def _start_nginx(self, nginx_bin):
        nginx_dir = self.runtime_dir / "nginx"
        nginx_dir.mkdir(mode=0o755)
        site = nginx_dir / "authlab.conf"
        site.write_text(
            nginx.render(
                {
                    "NGINX_LISTEN": f"127.0.0.1:{self.port}",
                    "NGINX_UPSTREAM_SERVERS": nginx.upstream_servers(
                        f"127.0.0.1:{backend.port}" for backend in self.backends.values()
                    ),
                    "NGINX_STATIC_ROOT": str(REPO_ROOT / "static"),
                }
            )
        )
        main = nginx_dir / "nginx.conf"
        main.write_text(nginx.main_config(site, nginx_dir))
        argv = [
            nginx_bin,
            "-p",
            str(nginx_dir),
            "-c",
            str(main),
            "-e",
            str(nginx_dir / "error.log"),
        ]
        self.nginx = Service(
            "nginx", argv, nginx_dir / "error.log", ready=lambda: http_ok(f"{self.url}/healthz")
        )
        self.nginx.start()
        self.nginx.wait_ready()


def state_dir(state_home=None):
    """Return the folder, outside the repo, of what outlives a run (keys, workshop progress)."""
    state = state_home or os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "authlab"


def key_folder(algorithm, configured=None, state_home=None):
    """Return the folder of the lab's key pairs: configured, or one in the user's state dir.

    Outside the repository, so that no private key is ever committed.
    """
    if configured:
        return Path(configured)
    return state_dir(state_home) / "keys" / algorithm


def ensure_key_pair(algorithm, folder):
    """Return folder, creating a first key pair for algorithm there if it has none."""
    folder = Path(folder)
    if not list(folder.glob(f"{algorithm}-*.pub.pem")):
        keys.generate_key_pair(algorithm, folder)
    return folder


@contextlib.contextmanager
def running_redis(folder):
    """Run a redis-server of its own on a free loopback port, data in folder; yield it."""
    service = redis_service(
        find_program("redis-server", "redis-server"), free_port(), folder, folder / "redis.log"
    )
    service.start()
    try:
        service.wait_ready()
        yield service
    finally:
        service.stop()


def redis_service(redis_bin, port, data_dir, log_path):
    """Return a (not yet started) redis-server on 127.0.0.1:port keeping its data in data_dir."""
    client = redis.Redis(port=port, socket_connect_timeout=0.2, socket_timeout=0.2)

    def answers_ping():
        try:
            return client.ping()
        except redis.RedisError:
            return False

    # Append-only file: revoked token ids and shared sessions survive a Redis restart.
    argv = [
        redis_bin,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(data_dir),
        "--save",
        "",
        "--appendonly",
        "yes",
        "--protected-mode",
        "yes",
    ]
    service = Service("redis", argv, log_path, answers_ping)
    service.url = f"redis://127.0.0.1:{port}/0"
    return service
