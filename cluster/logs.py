"""A log file per run, `OUT/_logs/run-<UTC time>-<pid>.log`: this process's records, workers' forwarded ones, and progress.

On a local disk the file is written as the run goes (`tail -f` works). On an object store it is
written to a local temporary file and uploaded once at the end: the final object is written once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator

from corpus.storage import Location

LOG_DIR = "_logs"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextlib.contextmanager
def run_log(out: Location) -> Iterator[str]:
    """Record log records of INFO and up into a new file under OUT/_logs/ while the block runs; yields its URL."""
    name = f"run-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{os.getpid()}.log"
    if out.is_local:
        out.makedirs(LOG_DIR)
        local = out.path(LOG_DIR, name)
    else:
        handle, local = tempfile.mkstemp(prefix="polycorpus-", suffix=".log")
        os.close(handle)
    handler = logging.FileHandler(local, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(_FORMAT))
    loggers = [logging.getLogger(), logging.getLogger("cluster.progress")]
    root_level = loggers[0].level
    if loggers[0].getEffectiveLevel() > logging.INFO:
        loggers[0].setLevel(logging.INFO)
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield out.url.rstrip("/") + f"/{LOG_DIR}/{name}"
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        loggers[0].setLevel(root_level)
        handler.close()
        if not out.is_local:
            with open(local, "rb") as source:
                out.write_bytes(source.read(), LOG_DIR, name)
            os.unlink(local)
