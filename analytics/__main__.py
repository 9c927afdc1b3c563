"""`python -m analytics`: see analytics.cli."""

import os
import sys

from analytics.cli import main

try:
    code = main()
    sys.stdout.flush()  # a closed pipe shows here, while it can still be handled
except BrokenPipeError:
    # The reader (`| head`) has what it wanted: exit quietly, and keep Python from reporting
    # the pipe again when it flushes standard output at exit.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 0
sys.exit(code)
