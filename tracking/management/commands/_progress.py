"""Where a long command stands: a bar on a terminal, lines in a log.

A tqdm bar redraws one line with carriage returns, which a log file (a pipe, CI, ``nohup``)
keeps as one endless line or, with ``disable=None``, not at all. There a long command writes a
line every ``EVERY_SECONDS`` while it works, whether or not the work reports progress meanwhile
(a bulk write reports only at its end), and a line when it is done.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator

from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm

EVERY_SECONDS = 30.0


def progress(stream, description: str, *, unit: str, total: int | None = None, iterable: Iterable | None = None,
             every: float = EVERY_SECONDS):
    """A context manager with ``update(n)`` (and iterable over ``iterable``) that shows progress on
    ``stream``, a command's ``self.stderr``: a tqdm bar if it is a terminal, otherwise ``Lines``."""
    if stream.isatty():
        return tqdm(iterable, total=total, desc=description, unit=" " + unit, file=getattr(stream, "_out", stream))
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    return Lines(stream, description, unit=unit, total=total, iterable=iterable, every=every)


class Lines:
    """Progress as lines of text: where the work stands every ``every`` seconds (from a thread of
    its own, so a long step without updates still says it is running), then how long it took."""

    def __init__(self, stream, description: str, *, unit: str, total: int | None = None,
                 iterable: Iterable | None = None, every: float = EVERY_SECONDS):
        self.stream, self.description, self.unit, self.total = stream, description, unit, total
        self.iterable, self.every = iterable, every
        self.done = 0
        self._language = translation.get_language()  # the thread that writes the lines speaks it too
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> Lines:
        self._started = time.monotonic()
        self._ticker = threading.Thread(target=self._tick, name="progress lines", daemon=True)
        self._ticker.start()
        return self

    def __exit__(self, exception_type, *rest) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if exception_type is None:
            self._write(_("%(step)s: %(done)s %(unit)s, done in %(seconds).1f s")
                        % {"step": self.description, "done": self.done, "unit": self.unit, "seconds": self._seconds()})

    def __iter__(self) -> Iterator:
        for item in self.iterable:
            yield item
            self.done += 1

    def update(self, n: int = 1) -> None:
        self.done += n

    def line(self) -> str:
        """Where the work stands, e.g. ``verify: 1200 of 95640 villages (1%), 30 s``."""
        values = {"step": self.description, "done": self.done, "unit": self.unit, "seconds": int(self._seconds())}
        if self.total is None:
            return _("%(step)s: %(done)s %(unit)s, %(seconds)s s") % values
        percent = 100 * self.done // self.total if self.total else 100
        return _("%(step)s: %(done)s of %(total)s %(unit)s (%(percent)s%%), %(seconds)s s") % {
            **values, "total": self.total, "percent": percent}

    def _tick(self) -> None:
        with translation.override(self._language):
            while not self._stop.wait(self.every):
                self._write(self.line())

    def _seconds(self) -> float:
        return time.monotonic() - self._started

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")  # a command's OutputWrapper adds no second one
        self.stream.flush()
