"""The examples of the docs run as written: every Python block of
docs/recipes.md (a block starting `# file: NAME.py` is saved as that module,
every other block runs as a script beside them, in order), every JavaScript
block (with the Node.js clients of tests/compat/node), and the README's first
SDK call, found from another directory. The README's install lines name the
versions this suite pins.

Each script runs in a fresh directory with the Python of this suite, against
the session's server: RAMPART_ENDPOINT and RAMPART_CREDENTIALS tell it where.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
RECIPES = REPO / "docs" / "recipes.md"
README = REPO / "README.md"
COMPAT = REPO / "tests" / "compat"

FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(path: Path):
    """[(heading, code)] of every ```python block, with the `##` heading above it."""
    text = path.read_text()
    out = []
    for m in FENCE.finditer(text):
        headings = re.findall(r"^## (.+)$", text[: m.start()], re.M)
        out.append((headings[-1] if headings else "", m.group(1)))
    return out


def modules_and_scripts(path: Path):
    modules, scripts = {}, []
    for heading, code in python_blocks(path):
        first = code.splitlines()[0] if code.strip() else ""
        m = re.match(r"# file: ([\w.]+\.py)$", first)
        if m:
            modules[m.group(1)] = code
        else:
            scripts.append((heading, code))
    return modules, scripts


MODULES, SCRIPTS = modules_and_scripts(RECIPES)


def _slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")[:40]


def run(code: str, cwd: Path, env: dict, name: str = "example.py") -> str:
    script = cwd / name
    script.write_text(code)
    p = subprocess.run([sys.executable, str(script)], cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=180, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, f"{name} failed (exit {p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-6000:]}"
    return p.stdout


def client_env(server, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ALIBABA_CLOUD_", "RAMPART_CREDENTIALS", "RAMPART_ENDPOINT"))}
    env.update(RAMPART_ENDPOINT=server.endpoint, PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def test_the_recipes_page_has_examples():
    assert {"rampart_env.py", "rotating_key.py"} <= set(MODULES)
    assert len(SCRIPTS) >= 4
    headings = [h for h, _ in SCRIPTS]
    for wanted in ("SecretData", "RotateSecret", "survives rotations", "least-privilege"):
        assert any(wanted in h for h in headings), (wanted, headings)


@pytest.mark.parametrize("heading,code", SCRIPTS, ids=[_slug(h) for h, _ in SCRIPTS])
def test_recipe(server, tmp_path, heading, code):
    for name, module in MODULES.items():
        (tmp_path / name).write_text(module)
    env = client_env(server, RAMPART_CREDENTIALS=str(server.data_dir / "root-credentials.json"))
    out = run(code, tmp_path, env)
    assert out.strip(), f"the recipe {heading!r} prints what it did"


def _first_call():
    blocks = python_blocks(README)
    assert blocks, "the README has a first SDK call"
    return blocks[0][1]


JS_BLOCKS = re.findall(r"^```js\n(.*?)^```", RECIPES.read_text(), re.S | re.M)


@pytest.mark.parametrize("code", JS_BLOCKS, ids=[f"js-{i}" for i in range(len(JS_BLOCKS))])
def test_recipe_in_node(server, tmp_path, code):
    modules = COMPAT / "node" / "node_modules"
    if not modules.is_dir():
        pytest.fail(f"{modules} missing: run tests/compat/run.sh (it runs npm ci)", pytrace=False)
    (tmp_path / "node_modules").symlink_to(modules)
    script = tmp_path / "example.mjs"
    script.write_text(code)
    env = client_env(server, RAMPART_CREDENTIALS=str(server.data_dir / "root-credentials.json"))
    p = subprocess.run(["node", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, f"{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    assert f"signed in as acs:ram::{server.account_id}:root" in p.stdout


def test_readme_first_call_with_rampart_credentials(server, tmp_path):
    env = client_env(server, RAMPART_CREDENTIALS=str(server.data_dir / "root-credentials.json"))
    out = run(_first_call(), tmp_path, env, "first_call.py")
    assert f"signed in as acs:ram::{server.account_id}:root" in out
    assert "RAM users:" in out


def test_readme_first_call_finds_the_file_from_a_subdirectory(server, tmp_path):
    # As after `cargo run -- serve` in a checkout: ./rampart-data beside the
    # directory the script runs from, or above it.
    (tmp_path / "rampart-data").mkdir()
    shutil.copy(server.data_dir / "root-credentials.json", tmp_path / "rampart-data")
    deep = tmp_path / "app" / "src"
    deep.mkdir(parents=True)
    out = run(_first_call(), deep, client_env(server), "first_call.py")
    assert f"signed in as acs:ram::{server.account_id}:root" in out
    # Without it anywhere, it says what to do.
    elsewhere = tmp_path.parent / (tmp_path.name + "-empty")
    elsewhere.mkdir()
    script = elsewhere / "first_call.py"
    script.write_text(_first_call())
    p = subprocess.run([sys.executable, str(script)], cwd=elsewhere, env=client_env(server),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "set RAMPART_CREDENTIALS" in p.stderr


def _pins(path: Path) -> dict:
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, ver = line.split("==")
            out[re.sub(r"[-_.]+", "-", name.lower())] = ver.strip()
    return out


def _install_lines(kind: str):
    text = README.read_text().replace("\\\n", " ")
    return [line for line in text.splitlines() if line.strip().startswith(kind)]


def test_readme_install_lines_name_the_pinned_versions():
    pinned = _pins(COMPAT / "python" / "requirements.txt")
    pip_lines = _install_lines("pip install")
    named = dict(re.findall(r"([A-Za-z0-9_.-]+)==([0-9][^\s`]*)", " ".join(pip_lines)))
    assert {"alibabacloud-ram20150501", "alibabacloud-sts20150401", "alibabacloud-kms20160120",
            "alibabacloud-secretsmanager-client-v2"} <= set(named)
    for name, ver in named.items():
        assert pinned.get(re.sub(r"[-_.]+", "-", name.lower())) == ver, (name, ver)
    v1 = re.search(r"aliyun-secret-manager-client==([0-9.]+)", README.read_text())
    assert v1 and _pins(COMPAT / "python" / "requirements-smc-v1.txt")["aliyun-secret-manager-client"] == v1.group(1)

    deps = json.loads((COMPAT / "node" / "package.json").read_text())["dependencies"]
    npm = dict(re.findall(r"(@alicloud/[a-z0-9-]+)@([0-9][^\s`]*)", " ".join(_install_lines("npm install"))))
    assert {"@alicloud/ram20150501", "@alicloud/sts20150401", "@alicloud/kms20160120"} <= set(npm)
    for name, ver in npm.items():
        assert deps.get(name) == ver, (name, ver)
