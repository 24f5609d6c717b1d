"""The JVM packages are declared twice (jars/pom.xml for `make jars`, Spark's resolver for
everyone else): they must name the same artifacts and versions."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from adapters.spark.session import JVM_PACKAGES, jar_settings

POM = Path(__file__).resolve().parents[2] / "jars" / "pom.xml"
NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def _pom_packages() -> set[str]:
    root = ET.parse(POM).getroot()
    props = {p.tag.split("}")[1]: p.text or "" for p in root.find("m:properties", NS) or []}

    def resolve(text: str) -> str:
        for name, value in props.items():
            text = text.replace("${" + name + "}", value)
        return text

    return {
        ":".join(
            resolve(d.findtext(f"m:{part}", "", NS))
            for part in ("groupId", "artifactId", "version")
        )
        for d in root.iterfind("m:dependencies/m:dependency", NS)
    }


def test_spark_resolves_what_make_jars_fetches() -> None:
    assert set(JVM_PACKAGES) == _pom_packages()


def test_without_a_jars_folder_spark_fetches_the_packages(tmp_path: Path) -> None:
    assert jar_settings(None) == {"spark.jars.packages": ",".join(JVM_PACKAGES)}
    (tmp_path / "delta.jar").write_bytes(b"")
    jar = str((tmp_path / "delta.jar").resolve())
    # A local session's executor is in the driver's JVM: the classpath is enough, no copy.
    assert jar_settings(tmp_path, "local[2]") == {"spark.driver.extraClassPath": jar}
    # A cluster's executors fetch the jars from the driver.
    cluster = jar_settings(tmp_path, "spark://127.0.0.1:7077")
    assert cluster == {"spark.driver.extraClassPath": jar, "spark.jars": jar}
