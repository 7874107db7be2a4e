"""The compose stack and the jobs image can't be started here (no Docker engine), so check what can be
checked without one: they parse, pin their images, bind to loopback, mount the provisioning that the
other tests validate, and build on the Spark version of pom.xml."""
import pathlib
import re

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"


def test_compose_stack():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"graphite", "grafana", "kindling"}
    for name, service in services.items():
        if "image" in service:
            assert re.search(r":\d[\w.-]*$", service["image"]), f"{name}: pin the image version"
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name}: {port} must bind to loopback only"
    mounted = services["grafana"]["volumes"][0].split(":")[0]
    assert (DOCKER / mounted / "datasources" / "graphite.yaml").is_file()
    assert "${GRAFANA_ADMIN_PASSWORD:?" in (DOCKER / "compose.yaml").read_text(), "no password in the repo"
    assert (ROOT / services["kindling"]["build"]["dockerfile"]).is_file()


def test_jobs_image_uses_the_spark_version_of_the_build():
    spark = re.search(r"<spark.version>(.+?)</spark.version>", (ROOT / "pom.xml").read_text()).group(1)
    dockerfile = (DOCKER / "kindling" / "Dockerfile").read_text()
    assert f"FROM apache/spark:{spark}-" in dockerfile
    assert '"--class", "dev.kindling.Kindling"' in dockerfile
