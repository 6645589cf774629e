"""Several writers at the same moment, for the tests of concurrent writes (on PostgreSQL, where
writers do run at the same time: SQLite writes one at a time)."""
import threading

from django.db import connections


def at_once(*calls):
    """Runs ``calls`` in threads released together; their results in order (an exception raised
    is the result of its call)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:  # noqa: BLE001 (the test reads it)
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
