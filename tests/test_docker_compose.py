"""docker-compose.yml and the Dockerfile, checked without a Docker engine: structure, and that every path,
image, command and connection they name exists and fits the project."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-worker": "celery worker",
    "airflow-triggerer": "triggerer",
}
# Images pulled from a registry must carry an explicit version tag.
PINNED_IMAGE = re.compile(r"^[a-z0-9./-]+:[0-9][\w.-]*(-[a-z]+)?$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    return (REPO / "Dockerfile").read_text().splitlines()


def services(compose):
    return compose["services"]


def test_has_the_celery_deployment_services(compose):
    names = set(services(compose))
    assert set(AIRFLOW_SERVICES) | {"airflow-init", "postgres", "redis", "bc-warehouse"} <= names
    for name, command in AIRFLOW_SERVICES.items():
        assert services(compose)[name]["command"] == command, name


def test_airflow_services_share_one_configuration(compose):
    envs = [services(compose)[name]["environment"] for name in [*AIRFLOW_SERVICES, "airflow-init"]]
    for env in envs:
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert "@postgres/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        # Mismatched JWT secrets between containers break task execution.
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == envs[0]["AIRFLOW__API_AUTH__JWT_SECRET"]
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:8080/")


def test_every_referenced_service_and_volume_exists(compose):
    names = set(services(compose))
    declared_volumes = set(compose.get("volumes") or {})
    for name, service in services(compose).items():
        depends = service.get("depends_on") or {}
        assert set(depends) <= names, f"{name} depends on unknown services {set(depends) - names}"
        network_mode = service.get("network_mode", "")
        if network_mode.startswith("service:"):
            assert network_mode.split(":", 1)[1] in names
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")):
                assert (REPO / source).exists(), f"{name} mounts missing path {source}"
            else:
                assert source in declared_volumes, f"{name} uses undeclared volume {source}"


def test_every_pulled_image_is_pinned_and_the_built_image_is_airflow_3_3_2(compose, dockerfile):
    for name, service in services(compose).items():
        if "build" in service:
            assert (REPO / service["build"] / "Dockerfile").is_file()
            continue
        image = service["image"]
        if image.startswith("${INTACCT_SYNC_IMAGE"):
            # The emulator runs the image the Airflow services build.
            assert image == services(compose)["airflow-worker"]["image"]
            continue
        assert PINNED_IMAGE.match(image), f"{name}: image {image!r} has no version tag"
    base = [line.split()[1] for line in dockerfile if line.startswith("FROM ")]
    assert base == ["apache/airflow:3.3.2"]


def test_dockerfile_copies_existing_paths_and_installs_the_pinned_requirements(dockerfile):
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    copies = [line.split()[1:-1] for line in dockerfile if line.startswith("COPY ")]
    assert copies
    for sources in copies:
        for source in (s for s in sources if not s.startswith("--")):
            assert (REPO / source).exists(), f"COPY source {source} does not exist"
            assert source.split("/")[0] not in ignored, f"COPY source {source} is excluded by .dockerignore"
    text = "\n".join(dockerfile)
    assert re.search(r'pip install [^\n]*"apache-airflow==\$\{AIRFLOW_VERSION\}" -r \S*requirements.txt', text)
    assert "ARG AIRFLOW_VERSION=3.3.2" in text
    assert "apache-airflow==3.3.2" in (REPO / "requirements.txt").read_text().splitlines()


def test_connections_are_valid_and_cover_every_configured_entity(compose):
    from intacct.operators.entity_config import load_entities, pool_name_for

    env = services(compose)["airflow-worker"]["environment"]
    connections = {key[len("AIRFLOW_CONN_"):].lower(): json.loads(value)
                   for key, value in env.items() if key.startswith("AIRFLOW_CONN_")}
    entities = load_entities(REPO / "include" / "entities.yaml").entities
    assert entities
    init_script = "\n".join(services(compose)["airflow-init"]["command"])
    for spec in entities:
        assert connections[spec.intacct_conn_id.lower()]["conn_type"] == "intacct"
        assert spec.warehouse_conn_id.lower() in connections
        assert f"airflow pools set {pool_name_for(spec.intacct_conn_id)} " in init_script


def test_demo_intacct_connection_builds_a_client_configuration(compose):
    from intacct.hooks.intacct import config_from_connection

    conn = json.loads(services(compose)["airflow-worker"]["environment"]["AIRFLOW_CONN_INTACCT_DEMO"])
    config = config_from_connection("intacct_demo", login=conn["login"], password=conn["password"],
                                    host=conn["host"], port=None, extra=conn["extra"])
    assert config.credentials.company_id == "DEMO"
    assert config.credentials.endpoint.startswith("http://emulator.local:")
    # The port is stored (the 3.3.2 Test button compares it) and matches the endpoint's.
    assert conn["port"] == int(config.credentials.endpoint.split(":")[2].split("/")[0])


def test_emulator_is_optional_and_its_command_is_accepted_by_its_cli(compose):
    emulator = services(compose)["intacct-emulator"]
    assert emulator["profiles"] == ["emulator"]
    assert emulator["entrypoint"] == ["python", "-m", "intacct_emulator"]
    assert (REPO / "intacct_emulator" / "__main__.py").is_file()
    from intacct_emulator.__main__ import _parser

    args = _parser().parse_args(emulator["command"])
    assert args.dataset == "demo" and args.host == "0.0.0.0"
    # On the shared network (not one worker's namespace) under the name the connection uses.
    assert "network_mode" not in emulator
    assert "emulator.local" in emulator["networks"]["default"]["aliases"]
    assert str(args.port) in services(compose)["airflow-worker"]["environment"]["AIRFLOW_CONN_INTACCT_DEMO"]


SECRETS = ("AIRFLOW_ADMIN_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "POSTGRES_PASSWORD",
           "BC_WAREHOUSE_PASSWORD")


def test_production_secrets_are_required_and_have_no_defaults():
    text = (REPO / "docker-compose.yml").read_text()
    for name in SECRETS:
        uses = re.findall(r"(?<!\$)\$\{" + name + r"([^}]*)\}", text)
        assert uses, f"{name} is not used"
        assert all(use.startswith(":?") for use in uses), f"{name} has a default or is optional: {uses}"
    assert "admin:admin" not in text and "change-this" not in text and ":-}" not in text


def test_the_auth_manager_is_fab_not_the_development_simple_one(compose):
    for name in [*AIRFLOW_SERVICES, "airflow-init"]:
        env = services(compose)[name]["environment"]
        assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("fab_auth_manager.FabAuthManager")
        assert not any("SIMPLE_AUTH" in key for key in env)


def test_docker_compose_config_refuses_to_start_without_the_secrets(tmp_path):
    import shutil
    import subprocess

    if shutil.which("docker") is None:
        pytest.skip("no docker CLI")
    result = subprocess.run(["docker", "compose", "-f", str(REPO / "docker-compose.yml"), "config", "-q"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            env={"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path)})
    if "is not a docker command" in result.stderr or "unknown" in result.stderr.lower():
        pytest.skip("no docker compose plugin")
    assert result.returncode != 0
    assert "set " in result.stderr, result.stderr
