"""Load test: N simulated sellers, a day of their traffic compressed into minutes, and what it costs.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.load --sellers 1000 --minutes 5 [--llm stub|local] [--json out.json]
    .venv/bin/python -m bench.load --cleanup          # sellers left by interrupted runs
    .venv/bin/python -m bench.load.capacity small.json large.json   # the capacity model of two runs

Modules: ``deployment`` (what serves the load), ``sellers`` (sign-up, channel, KB, removal),
``traffic`` (the load processes), ``outcomes`` (what became of each message), ``resources`` (/proc,
disk, Redis), ``report``, ``capacity``, ``stub_llm``. bench/README.md has the details and the numbers.
"""
