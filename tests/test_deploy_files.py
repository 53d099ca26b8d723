"""The Docker files cannot run here (no Docker engine): check them statically, nginx -t included."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from auth import settings
from lab import nginx
from lab.processes import find_program

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "docker-compose.yml"
APPS = ["app1", "app2", "app3"]


@pytest.fixture(scope="module")
def compose():
    """The parsed compose file."""
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_has_named_backends_from_one_anchor(compose):
    assert set(compose["services"]) == {*APPS, "redis", "nginx"}
    assert "x-app" in compose
    text = COMPOSE.read_text()
    assert text.count("<<: *app\n") == len(APPS)
    names = [compose["services"][app]["environment"]["LAB_BACKEND_NAME"] for app in APPS]
    assert names == ["backend-1", "backend-2", "backend-3"]
    for app in APPS:
        service = compose["services"][app]
        assert service["build"] == "."
        assert "deploy" not in service and "scale" not in service
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        environment = service["environment"]
        # Every backend shares the same secrets and stores.
        assert environment["SECRET_KEY"] == "${SECRET_KEY:-}"
        assert environment["JWT_SECRET_KEY"] == "${JWT_SECRET_KEY:-}"
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert environment["DATABASE_URL"].startswith("sqlite:////data/")
        assert "userdb:/data" in service["volumes"]


def test_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        assert service["healthcheck"]["test"], name
    for app in APPS:
        assert "/healthz" in " ".join(compose["services"][app]["healthcheck"]["test"])
        assert compose["services"]["nginx"]["depends_on"][app]["condition"] == "service_healthy"


def test_compose_nginx_uses_the_one_template_on_loopback(compose):
    service = compose["services"]["nginx"]
    assert (
        "./nginx/authlab.conf.template:/etc/nginx/templates/default.conf.template:ro"
        in (service["volumes"])
    )
    assert all(port.startswith("127.0.0.1:") for port in service["ports"])
    environment = service["environment"]
    assert set(environment) >= nginx.placeholders()
    # The upstream lines are exactly what the launcher would write for these backends.
    expected = nginx.upstream_servers(f"{app}:8000" for app in APPS)
    assert environment["NGINX_UPSTREAM_SERVERS"].split() == expected.split()


def test_dockerfile_runs_gunicorn_as_a_user_without_privileges():
    text = (REPO / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^FROM python:3\.11", text, re.MULTILINE)
    assert "pip install -r requirements.txt" in text
    assert 'CMD ["gunicorn", "--config", "gunicorn.conf.py"]' in text
    assert "GUNICORN_BIND=0.0.0.0:8000" in text
    assert "HEALTHCHECK" in text and "/healthz" in text


def test_env_example_documents_every_variable():
    documented = set(re.findall(r"^([A-Z_]+)=", (REPO / ".env.example").read_text(), re.MULTILINE))
    compose_variables = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE.read_text()))
    assert set(settings.ENVIRONMENT) <= documented
    assert compose_variables <= documented
    assert {"WEB_CONCURRENCY", "GUNICORN_BIND", "NGINX_BIN", "REDIS_SERVER_BIN"} <= documented


def nginx_test(site_config, tmp_path, hosts=None):
    """Run nginx -t on a site config wrapped in a main config; return the completed process."""
    site = tmp_path / "site.conf"
    site.write_text(site_config)
    main = tmp_path / "nginx.conf"
    main.write_text(nginx.main_config(site, tmp_path))
    command = [
        find_program("nginx", "nginx"),
        "-t",
        "-p",
        str(tmp_path),
        "-c",
        str(main),
        "-e",
        str(tmp_path / "error.log"),
    ]
    if hosts:
        # The compose service names resolve only inside Docker's network: give nginx -t
        # a private /etc/hosts in a mount namespace of its own.
        hosts_file = tmp_path / "hosts"
        hosts_file.write_text("".join(f"127.0.0.1 {host}\n" for host in hosts))
        script = f'mount --bind "{hosts_file}" /etc/hosts && exec "$@"'
        command = [shutil.which("unshare"), "--mount", "sh", "-c", script, "nginx-t", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=30)


def test_local_rendering_passes_nginx_t(tmp_path):
    config = nginx.render(
        {
            "NGINX_LISTEN": "127.0.0.1:8080",
            "NGINX_UPSTREAM_SERVERS": nginx.upstream_servers(["127.0.0.1:9001", "127.0.0.1:9002"]),
            "NGINX_STATIC_ROOT": str(REPO / "static"),
        }
    )
    result = nginx_test(config, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_compose_rendering_passes_nginx_t(compose, tmp_path):
    environment = compose["services"]["nginx"]["environment"]
    config = nginx.render({key: str(value) for key, value in environment.items()})
    assert "server app1:8000" in config and "listen 80;" in config
    result = nginx_test(config, tmp_path, hosts=APPS)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_render_refuses_a_missing_value():
    with pytest.raises(KeyError, match="NGINX_LISTEN"):
        nginx.render({"NGINX_UPSTREAM_SERVERS": "", "NGINX_STATIC_ROOT": "/x"})


def test_template_pins_sticky_clients_without_ip_hash_or_nginx_plus():
    text = nginx.TEMPLATE.read_text()
    uncommented = "\n".join(line.split("#")[0] for line in text.splitlines())
    assert "ip_hash" not in uncommented
    assert re.search(r"\bsticky\s", uncommented) is None  # NGINX Plus only
    assert "hash $lab_sticky_key consistent;" in uncommented
    assert "proxy_next_upstream error timeout;" in uncommented
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header}" in uncommented


def test_app_trusts_exactly_one_proxy_hop():
    from werkzeug.middleware.proxy_fix import ProxyFix

    from app import create_app

    proxy = create_app({"TESTING": True}).wsgi_app
    assert isinstance(proxy, ProxyFix)
    assert (proxy.x_for, proxy.x_proto, proxy.x_host, proxy.x_prefix) == (1, 1, 1, 0)


def test_make_up_installs_from_vendor_when_a_wheelhouse_is_there(tmp_path):
    # A copy of the Makefile in an empty folder: make -n prints what it would run.
    (tmp_path / "Makefile").write_text((REPO / "Makefile").read_text())
    (tmp_path / "requirements.txt").write_text("flask\n")

    def plan():
        return subprocess.run(
            ["make", "-n", "up"], cwd=tmp_path, capture_output=True, text=True, check=True
        ).stdout

    assert "--no-index" not in plan()
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "flask-3.1.3-py3-none-any.whl").write_bytes(b"")
    assert "pip install --quiet --no-index --find-links vendor -r requirements.txt" in plan()
