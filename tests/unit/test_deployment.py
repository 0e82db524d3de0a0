"""The image and compose.yaml run the entrypoint's roles, with the settings production needs."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import TEST_CONFIG

ROOT = Path(__file__).resolve().parents[2]


def entrypoint_roles() -> set[str]:
    """Return the roles entrypoint.sh's case statement names."""
    text = (ROOT / "entrypoint.sh").read_text(encoding="utf-8")
    return set(re.findall(r"^  ([a-z]+)\)$", text, flags=re.MULTILINE))


def test_the_image_starts_the_entrypoint_in_the_web_role():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")

    assert entrypoint_roles() == {"migrate", "web", "worker"}
    assert 'ENTRYPOINT ["/app/entrypoint.sh"]' in dockerfile
    assert 'CMD ["web"]' in dockerfile
    assert re.search(r"^COPY .*entrypoint\.sh \./$", dockerfile, flags=re.MULTILINE)
    assert "SCIM_GATEWAY_ENVIRONMENT=production" in dockerfile


def test_compose_runs_every_role_against_postgresql_with_a_public_url_and_smtp():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]

    roles = {name: service["command"] for name, service in services.items() if "build" in service}

    assert roles == {"migrate": ["migrate"], "web": ["web"], "worker": ["worker"]}
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["worker"]["depends_on"] == services["web"]["depends_on"]
    for name in roles:
        env = services[name]["environment"]
        assert env["SCIM_GATEWAY_DATABASE_URL"].startswith("postgresql+psycopg://")
        # Required: compose stops with the message unless they are set.
        for setting in ("PUBLIC_URL", "SMTP_HOST", "MAIL_FROM", "SECRET_KEY"):
            assert ":?set SCIM_GATEWAY_" + setting in env[f"SCIM_GATEWAY_{setting}"]
    assert services["postgres"]["image"].startswith("postgres:")


def test_the_image_compiles_the_translation_catalogs_it_ships():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    ignored = (ROOT / "scim_gateway" / "translations" / ".gitignore").read_text(encoding="utf-8")

    # Compiled catalogs are never committed: the image compiles them once Babel is installed,
    # before it drops to the unprivileged user that could not write them.
    assert "*.mo" in ignored.split()
    install = re.search(
        r"^RUN pip install -e \. && pybabel -q compile -d scim_gateway/translations$",
        dockerfile,
        flags=re.MULTILINE,
    )
    assert install and install.start() < dockerfile.index("USER app")
    assert re.search(r"^COPY scim_gateway \./scim_gateway$", dockerfile, flags=re.MULTILINE)


def test_the_wsgi_module_freezes_what_the_master_built_before_gunicorn_forks(sqlite_url):
    # What a worker finds once gunicorn's master has imported the app (preload_app).
    probe = (
        "import gc, json, wsgi; "
        "gc.collect(); "
        "print(json.dumps([gc.get_freeze_count(), gc.isenabled(), len(gc.get_objects())]))"
    )
    env = {name: value for name, value in os.environ.items() if not name.startswith("SCIM_")}
    env |= {
        "SCIM_GATEWAY_DATABASE_URL": sqlite_url,
        "SCIM_GATEWAY_SECRET_KEY": TEST_CONFIG["SECRET_KEY"],
        "SCIM_GATEWAY_ENCRYPTION_KEY": TEST_CONFIG["ENCRYPTION_KEY"],
        "SCIM_GATEWAY_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr
    frozen, collecting, tracked = json.loads(done.stdout.splitlines()[-1])
    # The app's objects are out of every collection; what requests make is collected still.
    assert frozen > 50_000
    assert collecting
    assert tracked < frozen / 10
