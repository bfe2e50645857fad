"""`python -m rampart_server ARGS...` runs the installed `rampart` with ARGS."""
import os
import sys

from rampart_server import find_rampart_bin


def main() -> None:
    binary = find_rampart_bin()
    if sys.platform == "win32":  # pragma: no cover
        import subprocess

        sys.exit(subprocess.call([binary, *sys.argv[1:]]))
    os.execvp(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()
