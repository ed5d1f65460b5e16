"""``python -m sessionkit ...`` runs the binary."""

import os
import sys

from sessionkit import find_sessionkit_bin

if __name__ == "__main__":
    binary = find_sessionkit_bin()
    if sys.platform == "win32":
        import subprocess

        sys.exit(subprocess.call([binary, *sys.argv[1:]]))
    os.execvp(binary, [binary, *sys.argv[1:]])
