#!/usr/bin/env python3
"""Build Rampart's two wheels from a release binary, with the standard library only.

    python3 packaging/build_wheels.py --binary target/release/rampart \
        --version 0.1.0 --out dist

  rampart_server-<v>-py3-none-manylinux_2_<X>_x86_64.whl
      the binary as `<name>-<v>.data/scripts/rampart` (pip puts it on PATH)
      plus the `rampart_server` package (find_rampart_bin()).
  pytest_rampart-<v>-py3-none-any.whl
      the pytest plugin (entry point pytest11: rampart = pytest_rampart.plugin),
      requiring rampart-server==<v>.

The platform tag comes from the binary itself: X is the highest GLIBC_
symbol version it needs (read from its ELF .gnu.version_r section), and the
build fails if it needs a shared library outside glibc (plus libgcc_s, which
the manylinux policy allows). `--elf-report` prints what was found.
Output is reproducible: fixed timestamps, sorted entries.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import struct
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY_SRC = HERE / "python"
EPOCH = (1980, 1, 1, 0, 0, 0)

# Libraries of glibc itself, and libgcc_s (allowed by every manylinux policy;
# Rust binaries use it for unwinding).
GLIBC_LIBS = {
    "libc.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0",
    "libutil.so.1", "libresolv.so.2", "libnsl.so.1", "libcrypt.so.1",
    "ld-linux-x86-64.so.2", "libanl.so.1",
}
ALLOWED_NON_GLIBC = {"libgcc_s.so.1"}

# Lower bounds of the `clients` extra: the SDK versions the project tests.
CLIENT_EXTRAS = [
    "alibabacloud-tea-openapi>=0.4.6",
    "alibabacloud-ram20150501>=1.3.0",
    "alibabacloud-sts20150401>=1.2.0",
    "alibabacloud-kms20160120>=3.3.1",
    "alibabacloud-ims20190815>=3.5.0",
]


# ------------------------------------------------------------------ ELF

def elf_requirements(path: Path) -> dict:
    """{"needed": [...], "versions": {"libc.so.6": ["GLIBC_2.2.5", ...], ...},
    "machine": "x86_64"} of a 64-bit little-endian ELF file."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF":
        raise SystemExit(f"{path}: not an ELF file")
    if data[4] != 2 or data[5] != 1:
        raise SystemExit(f"{path}: only 64-bit little-endian ELF is supported")
    (e_type, e_machine, _v, _entry, _phoff, e_shoff, _flags, _ehsize, _phentsize, _phnum,
     e_shentsize, e_shnum, _shstrndx) = struct.unpack_from("<HHIQQQIHHHHHH", data, 16)
    machine = {62: "x86_64", 183: "aarch64"}.get(e_machine, str(e_machine))
    sections = []
    for i in range(e_shnum):
        off = e_shoff + i * e_shentsize
        (_name, sh_type, _flags, _addr, sh_offset, sh_size, sh_link, _info, _align,
         sh_entsize) = struct.unpack_from("<IIQQQQIIQQ", data, off)
        sections.append((sh_type, sh_offset, sh_size, sh_link, sh_entsize))

    def cstr(table_index: int, offset: int) -> str:
        _t, base, size, _l, _e = sections[table_index]
        start = base + offset
        end = data.index(b"\0", start)
        return data[start:end].decode()

    needed = []
    versions: dict = {}
    for sh_type, off, size, link, _entsize in sections:
        if sh_type == 6:  # SHT_DYNAMIC
            for j in range(size // 16):
                tag, val = struct.unpack_from("<qQ", data, off + j * 16)
                if tag == 0:
                    break
                if tag == 1:  # DT_NEEDED
                    needed.append(cstr(link, val))
        elif sh_type == 0x6FFFFFFE:  # SHT_GNU_verneed
            pos = off
            while True:
                vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, pos)
                lib = cstr(link, vn_file)
                apos = pos + vn_aux
                for _ in range(vn_cnt):
                    _hash, _flags, _other, vna_name, vna_next = struct.unpack_from("<IHHII", data, apos)
                    versions.setdefault(lib, []).append(cstr(link, vna_name))
                    if vna_next == 0:
                        break
                    apos += vna_next
                if vn_next == 0:
                    break
                pos += vn_next
    return {"needed": needed, "versions": versions, "machine": machine,
            "static": not needed}


def _vkey(v: str):
    return tuple(int(x) for x in re.findall(r"\d+", v))


def platform_tag(info: dict) -> str:
    """manylinux_2_<X>_<arch> for the highest GLIBC_2.X the binary needs."""
    extra = [lib for lib in info["needed"] if lib not in GLIBC_LIBS | ALLOWED_NON_GLIBC]
    if extra:
        raise SystemExit(
            f"the binary needs shared libraries outside glibc: {', '.join(extra)}; "
            "a manylinux wheel cannot carry them (link them statically)")
    glibc = [v for vs in info["versions"].values() for v in vs if v.startswith("GLIBC_2.")]
    if not glibc:
        return f"manylinux_2_17_{info['machine']}"  # static: the oldest tag PyPI accepts for x86_64 Rust
    top = max(glibc, key=_vkey)
    minor = _vkey(top)[1]
    return f"manylinux_2_{max(minor, 17)}_{info['machine']}"


# ---------------------------------------------------------------- wheels

def _hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def write_wheel(path: Path, files: list) -> None:
    """files: [(arcname, bytes, mode)], dist-info files last. RECORD is added."""
    dist_info = next(a.split("/")[0] for a, _d, _m in files if a.split("/")[0].endswith(".dist-info"))
    record_name = f"{dist_info}/RECORD"
    records = [f"{a},{_hash(d)},{len(d)}" for a, d, _m in files]
    records.append(f"{record_name},,")
    files = files + [(record_name, ("\n".join(records) + "\n").encode(), 0o644)]
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for arcname, data, mode in files:
            info = zipfile.ZipInfo(arcname, date_time=EPOCH)
            info.external_attr = (0o100000 | mode) << 16  # regular file + permissions
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the mode is honoured
            zf.writestr(info, data)
    os.replace(tmp, path)


def _package_files(pkg: str, version: str) -> list:
    out = []
    for src in sorted((PY_SRC / pkg).rglob("*.py")):
        rel = src.relative_to(PY_SRC).as_posix()
        text = src.read_text().replace("@VERSION@", version)
        out.append((rel, text.encode(), 0o644))
    return out


def _wheel_file(tag: str, purelib: bool) -> bytes:
    return (
        "Wheel-Version: 1.0\n"
        "Generator: rampart packaging/build_wheels.py\n"
        f"Root-Is-Purelib: {'true' if purelib else 'false'}\n"
        f"Tag: {tag}\n"
    ).encode()


def build_server_wheel(binary: Path, version: str, out: Path, tag: str) -> Path:
    name = "rampart_server"
    dist_info = f"{name}-{version}.dist-info"
    readme = (HERE / "python" / "README-rampart-server.md").read_text().replace("@VERSION@", version)
    metadata = (
        "Metadata-Version: 2.1\n"
        "Name: rampart-server\n"
        f"Version: {version}\n"
        "Summary: The Rampart server (RAM, IMS, STS and KMS Secrets Manager APIs) as a single executable\n"
        "License: Apache-2.0\n"
        "Requires-Python: >=3.8\n"
        "Classifier: Programming Language :: Rust\n"
        "Classifier: Operating System :: POSIX :: Linux\n"
        "Classifier: Topic :: Software Development :: Testing\n"
        "Description-Content-Type: text/markdown\n"
        "\n" + readme
    ).encode()
    files = _package_files(name, version)
    files.append((f"{name}-{version}.data/scripts/rampart", binary.read_bytes(), 0o755))
    files += [
        (f"{dist_info}/METADATA", metadata, 0o644),
        (f"{dist_info}/WHEEL", _wheel_file(f"py3-none-{tag}", purelib=False), 0o644),
        (f"{dist_info}/top_level.txt", f"{name}\n".encode(), 0o644),
    ]
    path = out / f"{name}-{version}-py3-none-{tag}.whl"
    write_wheel(path, files)
    return path


def build_plugin_wheel(version: str, out: Path) -> Path:
    name = "pytest_rampart"
    dist_info = f"{name}-{version}.dist-info"
    readme = (HERE / "python" / "README-pytest-rampart.md").read_text().replace("@VERSION@", version)
    requires = [f"rampart-server=={version}", "pytest>=7"]
    lines = [
        "Metadata-Version: 2.1",
        "Name: pytest-rampart",
        f"Version: {version}",
        "Summary: pytest fixture: a Rampart server (Alibaba Cloud RAM/STS/KMS APIs) per test session",
        "License: Apache-2.0",
        "Requires-Python: >=3.8",
        "Classifier: Framework :: Pytest",
        "Classifier: Topic :: Software Development :: Testing",
    ]
    lines += [f"Requires-Dist: {r}" for r in requires]
    lines.append("Provides-Extra: clients")
    lines += [f'Requires-Dist: {r}; extra == "clients"' for r in CLIENT_EXTRAS]
    lines.append("Description-Content-Type: text/markdown")
    metadata = ("\n".join(lines) + "\n\n" + readme).encode()
    entry_points = b"[pytest11]\nrampart = pytest_rampart.plugin\n"
    files = _package_files(name, version) + [
        (f"{dist_info}/METADATA", metadata, 0o644),
        (f"{dist_info}/WHEEL", _wheel_file("py3-none-any", purelib=True), 0o644),
        (f"{dist_info}/entry_points.txt", entry_points, 0o644),
        (f"{dist_info}/top_level.txt", f"{name}\n".encode(), 0o644),
    ]
    path = out / f"{name}-{version}-py3-none-any.whl"
    write_wheel(path, files)
    return path


def workspace_version(cargo_toml: Path = HERE.parent / "Cargo.toml") -> str:
    """[workspace.package] version of the root Cargo.toml."""
    text = cargo_toml.read_text()
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # pragma: no cover
        tomllib = None
    if tomllib is not None:
        return tomllib.loads(text)["workspace"]["package"]["version"]
    m = re.search(r'^\[workspace\.package\]\s*$(.*?)^\[', text + "\n[", re.M | re.S)
    v = m and re.search(r'^version\s*=\s*"([^"]+)"', m.group(1), re.M)
    if not v:
        raise SystemExit(f"no [workspace.package] version in {cargo_toml}")
    return v.group(1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--print-version", action="store_true",
                    help="print the workspace version (Cargo.toml) and exit")
    ap.add_argument("--binary", type=Path)
    ap.add_argument("--version")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--elf-report", type=Path, help="also write the ELF findings as JSON here")
    args = ap.parse_args()
    if args.print_version:
        print(workspace_version())
        return 0
    if not (args.binary and args.version and args.out):
        ap.error("--binary, --version and --out are required")

    info = elf_requirements(args.binary)
    tag = platform_tag(info)
    glibc = sorted({v for vs in info["versions"].values() for v in vs if v.startswith("GLIBC_")}, key=_vkey)
    report = dict(info, platform_tag=tag, glibc_max=glibc[-1] if glibc else None)
    print(f"binary needs: {', '.join(info['needed']) or '(nothing: static)'}")
    print(f"highest glibc symbol version: {report['glibc_max']} -> platform tag {tag}")
    if args.elf_report:
        args.elf_report.write_text(json.dumps(report, indent=1) + "\n")
    args.out.mkdir(parents=True, exist_ok=True)
    for p in (build_server_wheel(args.binary, args.version, args.out, tag),
              build_plugin_wheel(args.version, args.out)):
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
