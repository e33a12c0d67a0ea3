#!/usr/bin/env python3
"""Evaluate a KCL file with KCL's own implementation and print the result as JSON.

Usage: kcl_eval.py FILE.k

The tests use this as the judge of tagbump's KCL editor: the original and the edited file
must evaluate to the same value except at the bumped image. It needs the PyPI package
`kcl-lib` (module `kcl_lib.api`):

    python3 -m venv /tmp/tagbump-testenv/venv
    /tmp/tagbump-testenv/venv/bin/pip install kcl-lib

Exit status: 0 with the JSON on stdout; 1 when KCL rejects the file (its message on
stderr); 2 on bad usage or when kcl-lib is missing.
"""

import json
import os
import re
import sys

# KCL colours its diagnostics; the tests print them, so drop the escape sequences.
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    try:
        import kcl_lib.api as api
    except ImportError as e:
        sys.stderr.write(
            f"kcl_eval.py: cannot import kcl_lib ({e}); install it with: pip install kcl-lib\n"
        )
        return 2
    path = os.path.abspath(argv[1])
    args = api.ExecProgramArgs(k_filename_list=[path], work_dir=os.path.dirname(path))
    try:
        result = api.API().exec_program(args)
    except Exception as e:  # kcl_lib raises a bare Exception carrying KCL's diagnostics
        sys.stderr.write(f"{path}: KCL rejected the file:\n{ANSI.sub('', str(e))}\n")
        return 1
    if result.err_message:
        message = ANSI.sub("", result.err_message)
        sys.stderr.write(f"{path}: KCL rejected the file:\n{message}\n")
        return 1
    # Re-encode so the output is one canonical JSON document whatever kcl-lib's layout.
    value = json.loads(result.json_result) if result.json_result.strip() else None
    json.dump(value, sys.stdout, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
