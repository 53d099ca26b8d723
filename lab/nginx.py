"""Render the one nginx template that the local launcher and docker compose share."""

import re
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent / "nginx" / "authlab.conf.template"

# The official nginx image substitutes environment variables with envsubst; only these
# ${NGINX_...} placeholders are ours, every other $name is an nginx variable.
PLACEHOLDER = re.compile(r"\$\{(NGINX_[A-Z0-9_]+)\}")

# A backend that refuses a connection is skipped for this long before nginx tries it again.
FAIL_TIMEOUT_SECONDS = 5


def placeholders(text=None):
    """Return the names of the placeholders the template uses."""
    text = TEMPLATE.read_text() if text is None else text
    return set(PLACEHOLDER.findall(text))


def render(variables, text=None):
    """Substitute the template's placeholders, failing on any that has no value."""
    text = TEMPLATE.read_text() if text is None else text
    missing = placeholders(text) - set(variables)
    if missing:
        raise KeyError(f"nginx template needs values for {', '.join(sorted(missing))}")
    return PLACEHOLDER.sub(lambda match: variables[match.group(1)], text)


def upstream_servers(addresses):
    """Return the upstream lines for backends at these host:port addresses."""
    return " ".join(
        f"server {address} max_fails=1 fail_timeout={FAIL_TIMEOUT_SECONDS}s;"
        for address in addresses
    )


def main_config(site_config, runtime_dir):
    """Return a main nginx.conf that runs the rendered site config from a private folder.

    The nginx image brings its own main file; locally nginx runs unprivileged paths and in
    the foreground, with every file it writes kept under runtime_dir.
    """
    return f"""\
daemon off;
worker_processes auto;
pid {runtime_dir}/nginx.pid;
error_log {runtime_dir}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    types {{
        text/html html;
        text/css css;
        text/javascript js mjs;
        application/json json;
        image/png png;
        image/svg+xml svg;
    }}
    default_type application/octet-stream;
    access_log {runtime_dir}/access.log;
    client_body_temp_path {runtime_dir}/client_body;
    proxy_temp_path {runtime_dir}/proxy;
    fastcgi_temp_path {runtime_dir}/fastcgi;
    uwsgi_temp_path {runtime_dir}/uwsgi;
    scgi_temp_path {runtime_dir}/scgi;
    include {site_config};
}}
"""
