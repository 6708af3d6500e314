"""Independent pieces of work through Dask: one definition of "a client" and of "run these, report as they finish".

`client_for(address, workers)`: None for "serial" (this process, one piece after another); a Client of the
scheduler at ``address`` (tcp://HOST:PORT, started with `dask scheduler` and `dask worker ADDRESS`); else a
LocalCluster of one single-threaded worker process per core (GENPHYS_THREADS=1 in each, so the hot loops of
numeric.empirical do not start a thread per core in every worker; give remote workers the same when they are one per
core). The LocalCluster's workers are not daemonic, so a piece may fork its own children — the symbolic steps'
time budget (analytic.budget) does.
`completed(client, fn, jobs)` yields (index, fn(*job)) in the order the pieces finish.

Pieces take plain data (PDE text, assumptions, values, options) and build what they need on the worker;
compiled functions are never shipped.
"""

from __future__ import annotations

import logging

from analytic.errors import PDEInputError


def client_for(address: str | None, workers: int | None = None):
    if address == "serial":
        return None
    import dask
    from distributed import Client, LocalCluster

    if address:
        try:
            return Client(address, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise PDEInputError(f"--scheduler {address!r}: cannot reach a Dask scheduler there ({exc}); start one "
                                "with `dask scheduler` and `dask worker ADDRESS`, or drop --scheduler") from None
    from numeric.empirical import WORKERS

    # distributed sets MALLOC_TRIM_THRESHOLD_ in its workers, which turns off glibc's adaptive mmap threshold: every
    # array over 128 KiB is then fresh pages, 14x the page faults and 1.5x the time on NumPy work (measured here)
    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ").items()
               if k != "MALLOC_TRIM_THRESHOLD_"}
    with dask.config.set({"distributed.worker.daemon": False, "distributed.nanny.pre-spawn-environ": environ}):
        cluster = LocalCluster(n_workers=workers or WORKERS, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR,  # any free port: no clash
                               env={"GENPHYS_THREADS": "1"})  # one worker per core: one hot-loop thread each
    return Client(cluster)


def close(client) -> None:
    """Close ``client`` and, when this process started it, its LocalCluster."""
    if client is None:
        return
    cluster = client.cluster
    client.close()
    if cluster is not None:
        cluster.close()


def completed(client, fn, jobs: list[tuple]):
    """(index, fn(*job)) for every job, as each finishes (in order without a client)."""
    if client is None:
        for i, job in enumerate(jobs):
            yield i, fn(*job)
        return
    from distributed import as_completed

    futures = {client.submit(fn, *job, pure=False): i for i, job in enumerate(jobs)}
    for future in as_completed(futures):
        yield futures[future], future.result()
