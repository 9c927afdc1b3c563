"""`python -m analytics`: see analytics.cli."""

import gc
import os
import sys

# A command is a short process, and loading pandas, which every command needs, is most of its
# start-up (issue 18). The cyclic garbage collector finds nothing to free in what pandas builds
# as it loads, yet would walk all of it in every later collection, the interpreter's last one at
# exit included: so it is off while pandas loads, and what pandas built is then frozen
# (gc.freeze: left out of every later collection): `scores` at 10,000 respondents from 0.57 s to
# 0.49 s. DuckDB loads after the freeze, collectable as before: its bindings report at exit any
# of their objects that was never collected.
gc.disable()
import pandas  # noqa: E402, F401

gc.freeze()
gc.enable()

from analytics.cli import main  # noqa: E402

try:
    code = main()
    sys.stdout.flush()  # a closed pipe shows here, while it can still be handled
except BrokenPipeError:
    # The reader (`| head`) has what it wanted: exit quietly, and keep Python from reporting
    # the pipe again when it flushes standard output at exit.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 0
sys.exit(code)
