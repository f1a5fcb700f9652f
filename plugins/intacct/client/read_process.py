"""A long read in a process of its own, so that reading Intacct's answers runs on another CPU than the sync.

A first sync is CPU work under one interpreter lock: reading and typing the XML of every page, then turning
each page into BC rows and storing them. Threads overlap the waiting, not that work. A ``ProcessRead`` runs a
client read (e.g. ``iter_with_children``) in a child Python process with a client of its own: the HTTP
exchanges, the XML and its typed rows, and a ``transform`` applied to each page there (the sync's page
preparation: converting and hashing). The pages come back pickled, a page at a time, while the caller works
on the page before.

What stays as in a read in threads:

- **The same calls.** The child adopts the caller's session (no sign-in of its own unless that one is
  refused), reads with the caller's settings, and reports the calls it made with every message; the
  caller's ``ApiUsage`` adds them in the scope the read was started in, so a run's count stays exact, even
  for a read stopped early (the child stops, counts, then exits).
- **The company's allowance.** The slots the child may use are taken from the company's in the caller and
  held until it ends, and the child never has more requests in flight than it was granted: together they
  never exceed ``max_concurrency``. An early read (``read_early``) is granted half of them, so the caller's
  other work keeps the rest; its first ``next()`` grants them all, so the caller must not send requests of
  its own while it consumes the read (the sync's page step sends none).
- **Errors** are raised in the caller at the page where they happened, after the pages before them, with
  their own class and message (an error that cannot be pickled arrives as a ``TransportError`` with its
  text). A child that dies without a word is a ``TransportError`` naming its exit status.
- **Logs** of the child's client (retries, the reused session) are logged by the caller's loggers of the same
  name, at the caller's level, already redacted by the child's client as they would be here.

Nothing is written to disk and no port is opened: the two ends talk over a pair of pipes. The child is started
with ``sys.executable -c`` and the caller's ``sys.path``, so it never imports the caller's main module.
"""

from __future__ import annotations

import contextvars
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from .errors import TransportError

log = logging.getLogger("intacct.client")

_slots_lock = threading.Lock()  # takes a company's slots for one reading process at a time (no partial holds)
_STOP_SECONDS = 600.0  # a stopping child finishes its request in flight (bounded by the client's timeout)


class ProcessRead(Iterator):
    """The items of ``client.<method>(*args, **kwargs)``, each passed through ``transform(item, *args)``, computed in a
    child process (see the module docstring). ``start()`` launches the child, which then waits; the first
    ``next()`` takes the company's request slots and lets it read (``read_early`` lets it read with half of
    them before). ``close()`` stops it."""

    def __init__(self, client, method: str, args: tuple = (), kwargs: dict[str, Any] | None = None,
                 transform: tuple[Callable, tuple] | None = None, lighter: dict[str, Any] | None = None):
        self._client = client
        self._job = {"credentials": client.credentials, "settings": client.settings, "method": method,
                     "args": args, "kwargs": kwargs or {}, "transform": transform, "lighter": lighter or None,
                     "log_level": logging.getLogger("intacct").getEffectiveLevel()}
        self._name = f"{method} of {args[0] if args else 'Intacct'}"
        self._process: subprocess.Popen | None = None
        self._inbox: Connection | None = None   # messages from the child
        self._outbox: Connection | None = None  # orders to the child
        self._context = contextvars.copy_context()
        self._here: Iterator | None = None  # the read in this process, when no child could be started
        self._slots = 0
        self._reading = False
        self._finished = False

    # -- the caller's side ---------------------------------------------------------------------------------------

    def start(self) -> ProcessRead:
        if self._process is not None or self._here is not None or self._finished:
            return self
        self._context = contextvars.copy_context()  # the calls count where the read was started (its scope)
        child_in, orders = os.pipe()
        messages, child_out = os.pipe()
        code = (f"import sys; sys.path[:0] = {[p for p in sys.path if p]!r}; "
                f"from intacct.client.read_process import serve; serve({child_in}, {child_out})")
        try:
            self._process = subprocess.Popen([sys.executable, "-c", code], pass_fds=(child_in, child_out),
                                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, close_fds=True)
        except BaseException as error:
            for fd in (child_in, orders, messages, child_out):
                os.close(fd)
            if not isinstance(error, OSError):
                raise
            # No process to be had (a process limit, no interpreter at sys.executable): the read runs here.
            log.warning("Reading Intacct (%s) in this process: no reading process could be started (%s)",
                        self._name, error)
            self._here = _read_here(self._client, self._job)
            return self
        os.close(child_in)
        os.close(child_out)
        self._inbox = Connection(messages, writable=False)
        self._outbox = Connection(orders, readable=False)
        self._outbox.send(self._job)  # the child imports and builds its client meanwhile; the session comes with "go"
        return self

    def __iter__(self) -> ProcessRead:
        return self

    def read_early(self) -> ProcessRead:
        """Start reading now, while the caller still works on something else that sends requests: with half the
        company's request slots (rounded down; none, so no early read, with one slot). The first ``next()``
        takes the others."""
        self.start()
        if self._here is None:
            try:
                self._grant(self._client.settings.max_concurrency // 2)
            except Exception as error:  # e.g. a refused sign-in: raised where the read is consumed, not here
                log.debug("The early read of %s waits for its turn: %s", self._name, type(error).__name__)
        return self

    def __next__(self):
        if self._finished:
            raise StopIteration
        self.start()
        if self._here is not None:
            return next(self._here)
        self._grant(self._client.settings.max_concurrency)
        ready = None
        if self._job["lighter"]:
            ready = self._ready()
            if ready is None:
                # Nothing is ready: the child is behind. It leaves the work it may leave to us (``lighter``) on
                # its next item, so that the work is shared as the two ends' speeds allow.
                try:
                    self._outbox.send(("lighter", None))
                except OSError:
                    pass  # it has ended: what it sent before is read below
        while True:
            kind, payload, usage = ready or self._receive()
            ready = None
            self._count(usage)
            if kind == "item":
                return payload
            self._finish()
            if kind == "error":
                raise payload
            raise StopIteration

    def close(self) -> None:
        if self._finished:
            return
        if self._here is not None:
            self._finished = True
            self._here.close()
            return
        try:
            if self._process is not None:
                try:
                    self._outbox.send(("stop", None))
                except OSError:
                    pass  # it has gone already; what it said is read below
                self._drain()
        finally:
            self._finish()

    def __enter__(self) -> ProcessRead:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: S110 - nothing sensible to do while being collected
            pass

    def _grant(self, slots: int) -> None:
        """Let the child have ``slots`` request slots, taken here from the company's (never given back early)."""
        if slots <= self._slots:
            return
        if not self._reading:
            # Signed in here (before the slots are held: a sign-in needs one), the session shared with the child:
            # one sign-in for both, never a second.
            self._client.open_session()
        semaphore = self._client.request_slots
        with _slots_lock:
            while self._slots < slots:
                semaphore.acquire()
                self._slots += 1
        if self._reading:
            try:
                self._outbox.send(("slots", self._slots))
            except OSError:
                pass  # the child has ended: what it sent before is read by the caller's next()
            return
        self._reading = True
        try:
            self._outbox.send(("go", (self._client.export_session(), self._slots)))
        except OSError:
            self._receive()  # it has gone before reading anything: raises that it stopped unexpectedly

    def _ready(self) -> tuple[str, Any, dict | None] | None:
        """The child's next message other than a log line if it has sent one already, else None (without
        waiting). Log lines that came before it are logged: a log line is not an item ready."""
        try:
            while self._inbox.poll():
                message = self._inbox.recv()
                if message[0] != "log":
                    return message
                _log(*message[1:])
        except (EOFError, OSError):
            pass  # it has gone: ``_receive`` says so
        return None

    def _receive(self) -> tuple[str, Any, dict | None]:
        while True:
            try:
                message = self._inbox.recv()
            except (EOFError, OSError):
                status = self._process.wait(timeout=_STOP_SECONDS)
                self._finish()
                raise TransportError(f"The process reading Intacct ({self._name}) stopped unexpectedly (exit "
                                     f"status {status}); the run can be retried") from None
            if message[0] == "log":
                _log(*message[1:])
                continue
            return message

    def _drain(self) -> None:
        """After ``stop``: the child's last messages (their calls are counted) until it says it is done."""
        while True:
            try:
                if not self._inbox.poll(_STOP_SECONDS):
                    break
                kind, _, usage = self._receive()
            except TransportError:
                return
            self._count(usage)
            if kind in ("done", "error"):
                return

    def _count(self, usage: dict | None) -> None:
        if usage:
            self._context.run(self._client.usage.merge, usage)

    def _finish(self) -> None:
        self._finished = True
        process, self._process = self._process, None
        for end in (self._outbox, self._inbox):
            if end is not None:
                end.close()
        self._outbox = self._inbox = None
        if process is not None:
            try:
                process.wait(timeout=_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        semaphore = self._client.request_slots
        while self._slots:
            semaphore.release()
            self._slots -= 1


def _log(name: str, level: int, text: str, pathname: str, lineno: int, function: str) -> None:
    """A record of the child's, logged here as if made here (where in the code it was made included)."""
    logger = logging.getLogger(name)
    if logger.isEnabledFor(level):
        logger.handle(logging.makeLogRecord({
            "name": name, "levelno": level, "levelname": logging.getLevelName(level), "msg": text, "args": None,
            "pathname": pathname, "filename": os.path.basename(pathname), "module": os.path.splitext(
                os.path.basename(pathname))[0], "lineno": lineno, "funcName": function}))


def _read_here(client, job: dict) -> Iterator:
    """The job's read in this process (its items transformed here)."""
    source = getattr(client, job["method"])(*job["args"], **job["kwargs"])
    transform, args = job["transform"] or (None, ())
    try:
        for item in source:
            yield item if transform is None else transform(item, *args)
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


# -- the child's side -----------------------------------------------------------------------------------------------


class _Allowance:
    """The child's request slots: as many as the caller has granted so far (it grants more, never fewer)."""

    def __init__(self, slots: int):
        self._changed = threading.Condition()
        self.slots = slots
        self._busy = 0

    def grant(self, slots: int) -> None:
        with self._changed:
            self.slots = max(self.slots, slots)
            self._changed.notify_all()

    def __enter__(self) -> _Allowance:
        with self._changed:
            while self._busy >= self.slots:
                self._changed.wait()
            self._busy += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._changed:
            self._busy -= 1
            self._changed.notify()


def _listen(orders: Connection, allowance: _Allowance, stop: threading.Event, lighter: threading.Event) -> None:
    """The caller's orders while the child reads: more slots, a lighter next item (the caller waits), or stop."""
    try:
        while True:
            order, value = orders.recv()
            if order == "slots":
                allowance.grant(value)
            elif order == "lighter":
                lighter.set()
            elif order == "stop":
                break
    except (EOFError, OSError):
        pass  # the caller has gone: stop too
    stop.set()


class _Forward(logging.Handler):
    """The child's log records, sent to the caller to be logged there."""

    def __init__(self, send: Callable[[tuple], None]):
        super().__init__()
        self._send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._send(("log", record.name, record.levelno, record.getMessage(), record.pathname, record.lineno,
                        record.funcName))
        except Exception:  # noqa: S110 - a log line that cannot be sent must not stop the read
            pass


def serve(orders_fd: int, messages_fd: int) -> None:
    """The child: read what the job says, send each transformed item, then the calls made and ``done``."""
    try:
        _serve(orders_fd, messages_fd)
    except (BrokenPipeError, EOFError, ConnectionResetError):
        pass  # the caller has gone: nobody is left to tell


def _serve(orders_fd: int, messages_fd: int) -> None:
    from intacct.garbage_collection import bulk_work

    from .client import IntacctClient  # here, not at the top: this module is imported by the client

    with bulk_work():  # the process exists for one bulk read: its imports are frozen, its pages collected rarely
        _read(orders_fd, messages_fd, IntacctClient)


def _read(orders_fd: int, messages_fd: int, client_class: type) -> None:
    """The child's read, ``client_class`` being ``IntacctClient`` (imported late, see ``_serve``)."""
    orders = Connection(orders_fd, writable=False)
    messages = Connection(messages_fd, readable=False)
    lock = threading.Lock()  # the client's reading threads log too

    def send(message: tuple) -> None:
        with lock:
            messages.send(message)

    job = orders.recv()
    logger = logging.getLogger("intacct")
    logger.setLevel(job["log_level"])
    logger.addHandler(_Forward(send))
    logger.propagate = False
    client = client_class(job["credentials"], job["settings"])
    reported: dict = {}

    def usage() -> dict:
        nonlocal reported
        now = client.usage.snapshot()
        calls = {name: count - reported.get("calls_by_function", {}).get(name, 0)
                 for name, count in now["calls_by_function"].items()}
        delta = {"calls_by_function": {name: n for name, n in calls.items() if n},
                 "requests": now["requests"] - reported.get("requests", 0),
                 "records_written": now["records_written"] - reported.get("records_written", 0)}
        reported = now
        return delta

    order, grant = orders.recv()
    if order != "go":
        send(("done", None, usage()))
        return
    session, slots = grant
    if session:
        client.adopt_session(session)
    allowance = _Allowance(slots)
    client._transport.semaphore = allowance  # the caller holds the company's slots: its grant is the limit here
    stop, lighter = threading.Event(), threading.Event()
    threading.Thread(target=_listen, args=(orders, allowance, stop, lighter), name="intacct-read-orders",
                     daemon=True).start()
    failure: BaseException | None = None
    source = None
    try:
        source = getattr(client, job["method"])(*job["args"], **job["kwargs"])
        transform, args = job["transform"] or (None, ())
        light = job.get("lighter") or {}
        for item in source:
            if stop.is_set():
                break
            if transform is not None:
                waited = lighter.is_set()  # the caller waited for the item before this one
                lighter.clear()
                item = transform(item, *args, **(light if waited else {}))
            send(("item", item, usage()))
            if stop.is_set():
                break
    except BaseException as error:  # sent to the caller, raised there
        failure = error
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()  # waits for the read's threads: every request made is counted below
        client.close()
    if failure is None:
        send(("done", None, usage()))
        return
    try:
        send(("error", failure, usage()))
    except Exception:  # an error that does not pickle: its class and text
        send(("error", TransportError(f"{type(failure).__name__}: {failure}"), usage()))
