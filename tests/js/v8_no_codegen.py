"""A pytest plugin (`-p tests.js.v8_no_codegen`): starts V8 with `--disallow-code-generation-from-strings`.

V8's flags are fixed when the first context of the process is made, so this runs at import, before any test.
"""

from __future__ import annotations

from py_mini_racer._dll import init_mini_racer

FLAGS = ["--single-threaded", "--disallow-code-generation-from-strings"]
init_mini_racer(flags=FLAGS, ignore_duplicate_init=True)
