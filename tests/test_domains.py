"""Domain plugins through the real entry-point machinery: discovery, lazy loading, breakage."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from judgekit import (
    Domain,
    DomainNotFound,
    PluginError,
    ReferenceNotFound,
    check,
    get_domain,
    load_suite,
)
from judgekit.content import discover
from judgekit.content._domains import resolve

TmpDomain = Callable[..., Path]
JK = Callable[..., subprocess.CompletedProcess[str]]

RUBRIC = """title: local
kind: pairwise
labels: [A, B]
criteria:
  - id: overall
    description: which is better
"""


def test_core_is_discovered_from_metadata() -> None:
    infos = discover()
    assert infos["core"].distribution == "judgekit"
    assert infos["core"].target == "judgekit.builtin:core"
    core = get_domain("core")
    assert isinstance(core, Domain) and core.name == "core"
    assert {"sample", "sample-pointwise"} <= set(core.names("suites"))
    assert {"pairwise", "pointwise"} <= set(core.names("prompts"))  # folders with user.j2
    assert "_answer.j2" not in core.names("prompts")
    assert {"preference", "quality"} <= set(core.names("rubrics"))
    assert core.names("suites") == sorted(core.names("suites"))
    assert get_domain("core") is core  # loaded once


def test_unknown_domain() -> None:
    with pytest.raises(DomainNotFound, match=r"no domain named 'atlantis'.*installed: .*core"):
        get_domain("atlantis")


def test_domain_at_and_is_frozen(tmp_path: Path) -> None:
    dom = Domain.at("x", tmp_path)
    assert dom.suites == tmp_path / "suites" and dom.prompts == tmp_path / "prompts"
    assert dom.names("rubrics") == []
    with pytest.raises(AttributeError):
        dom.name = "y"  # type: ignore[misc]


def test_bare_names_resolve_home_then_core(tmp_domain: TmpDomain) -> None:
    tmp_domain("local", {"rubrics/preference.yaml": RUBRIC})
    dom, path = resolve("preference", "rubrics", "local")
    assert dom.name == "local" and path.parent.parent.name.startswith("jk_test_local")
    dom, path = resolve("quality", "rubrics", "local")  # not in local: falls back to core
    assert dom.name == "core"
    dom, _ = resolve("core/preference", "rubrics", "local")
    assert dom.name == "core"
    with pytest.raises(ReferenceNotFound) as info:
        resolve("nothing", "rubrics", "local")
    assert "local, core" in info.value.problem
    assert "local/preference" in (info.value.fix or "")


def test_plugin_that_is_not_a_domain(tmp_domain: TmpDomain) -> None:
    tmp_domain("weird", {}, init="domain = 'not a Domain'\n")
    with pytest.raises(PluginError, match=r"is a str, not a judgekit\.Domain"):
        get_domain("weird")


def test_plugin_whose_domain_has_another_name(tmp_domain: TmpDomain) -> None:
    tmp_domain("alias", {}, init=(
        "from pathlib import Path\nfrom judgekit import Domain\n"
        "domain = Domain.at('other', Path(__file__).parent)\n"))
    with pytest.raises(PluginError, match="must match"):
        get_domain("alias")


def test_broken_plugin_fails_only_when_used(tmp_domain: TmpDomain) -> None:
    tmp_domain("kaput", {}, init="raise RuntimeError('kaput on import')\n")
    infos = discover()  # listing does not import the plugin
    assert "kaput" in infos and infos["kaput"].distribution.startswith("jk-test-kaput")
    with pytest.raises(PluginError) as info:
        get_domain("kaput")
    assert infos["kaput"].distribution in str(info.value)
    assert "RuntimeError: kaput on import" in str(info.value)
    assert load_suite("core/sample").items  # other domains are unaffected
    results = {r.target: r for r in check()}
    assert results["kaput"].status == "failed"
    assert results["core/sample"].status == "ok"


# --- the example plugins, pip-installed for real -------------------------------------------


@pytest.fixture(scope="module")
def plugin_site(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("plugins") / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(site),
         str(repo / "examples" / "judgekit-example-plugin"),
         str(repo / "examples" / "broken-plugin")],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return site


@pytest.mark.slow
def test_example_plugin_is_installed_with_entry_point(plugin_site: Path) -> None:
    eps = list(plugin_site.glob("judgekit_example_plugin-*.dist-info/entry_points.txt"))
    assert len(eps) == 1
    assert "example = judgekit_example:domain" in eps[0].read_text(encoding="utf-8")
    content = plugin_site / "judgekit_example" / "content"
    assert (content / "suites" / "support.yaml").is_file()
    assert (content / "prompts" / "support" / "user.j2").is_file()


@pytest.mark.slow
def test_domains_lists_plugins_and_broken_ones(plugin_site: Path, jk: JK,
                                               tmp_path: Path) -> None:
    proc = jk("domains", cwd=tmp_path, env={"PYTHONPATH": str(plugin_site), "COLUMNS": "400"})
    assert proc.returncode == 0, proc.stderr
    rows = {line.split("│")[1].strip(): line for line in proc.stdout.splitlines()
            if line.startswith("│") and line.split("│")[1].strip()}
    assert "judgekit-example-plugin 0.1.0" in rows["example"] and "support" in rows["example"]
    assert "ok" in rows["example"] and "ok" in rows["core"]
    broken = rows["broken"]
    assert "broken:" in broken and "judgekit-broken-plugin" in broken
    assert "judgekit_broken_missing_dependency" in proc.stdout  # the cause


@pytest.mark.slow
def test_example_plugin_checks_renders_and_runs(plugin_site: Path, jk: JK,
                                                tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(plugin_site)}
    proc = jk("check", "example", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "example/support" in proc.stdout and "6 items, 12 prompts rendered" in proc.stdout
    proc = jk("render", "example/support", "--item", "reset", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "senior customer-support lead" in proc.stdout  # its block override
    assert "Principles (Customer support)" in proc.stdout  # the core template it extends
    assert "order BA" in proc.stdout
    proc = jk("run", "example/support", "--judge", "fake", "--out", str(tmp_path / "run"),
              cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "12 judged" in proc.stdout


@pytest.mark.slow
def test_using_the_broken_plugin_fails_cleanly(plugin_site: Path, jk: JK,
                                               tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(plugin_site)}
    for args in (("check", "broken"), ("render", "broken/anything")):
        proc = jk(*args, cwd=tmp_path, env=env)
        assert proc.returncode == 1
        text = proc.stdout + proc.stderr
        assert "judgekit-broken-plugin" in text and "ModuleNotFoundError" in text
        assert "Traceback" not in text
    proc = jk("check", "core", cwd=tmp_path, env=env)  # the rest still works
    assert proc.returncode == 0, proc.stdout
