"""The JVM packages are declared twice (jars/pom.xml for `make jars`, Spark's resolver for
everyone else): they must name the same artifacts and versions."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from adapters.spark.session import JVM_ARCHIVE, JVM_PACKAGES, jar_settings, local_conf

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


def test_a_local_driver_starts_from_the_class_archive_of_its_jars_folder(tmp_path: Path) -> None:
    (tmp_path / "delta.jar").write_bytes(b"")

    def java_options() -> list[str]:
        conf = local_conf(master="local[2]", jars_dir=tmp_path, shuffle_partitions=2, ui=False,
                          small_data=False)  # fmt: skip
        return conf["spark.driver.extraJavaOptions"].split()

    assert not [o for o in java_options() if "Share" in o or "share" in o]
    (tmp_path / JVM_ARCHIVE).write_bytes(b"")
    archive = (tmp_path / JVM_ARCHIVE).resolve()
    assert java_options()[-2:] == [f"-XX:SharedArchiveFile={archive}", "-Xshare:auto"]
    # Only in the jars folder's own jars (a .jsa is not one: spark.jars stays the jars).
    assert jar_settings(tmp_path, "spark://127.0.0.1:7077")["spark.jars"].endswith("delta.jar")
