"""An independent check of issue 16's performance figures, written without reading the team's benchmarks.

Each part drives the system through its public interfaces (the local stack in this process, its routes and
functions, ``composition.services()``), counts AWS calls with its own hook on botocore's client, times with
``time.perf_counter`` and compares each figure with a baseline measured in the same run. Run it with
``python -m tests.bench.independent [--quick] [--only PART ...]``.
"""
