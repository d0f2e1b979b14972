"""Where ``kg serve``'s queries run: worker processes that hold the store and can be killed.

Oxigraph cannot cancel a query it has started, and a thread cannot be stopped, so a query past its
time limit would run on, holding a core and its memory, long after its client was told 503. Each
query, update and page therefore runs in a worker process; one that passes its deadline is killed
(its memory and CPU go back to the machine at once) and a fresh worker takes its place.

- A read-only server (no update token) starts several workers, each with the store opened read-only:
  a killed worker takes only its own request with it.
- A server that takes updates has one worker holding the store for writing, with a few threads. A
  write runs alone (reads wait for it, it waits for reads), and every write carries a receipt, a
  marker triple written in the same transaction: when a worker dies during a write, the receipt
  says whether the write committed, so an error always means that nothing changed. Reads that died
  alongside a runaway query are run again on the fresh worker.

The server's own process holds the store folder's lock for the server's lifetime, so no other
``kg`` command writes the store while workers read it.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from itertools import count
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kg.serve import sandbox, tasks
from kg.serve.problems import HTTPProblem, TimedOut, WriteInterrupted
from kg.store import Store

_START = "import sys; from kg.serve.engine import work; work(*sys.argv[1:])"


class WorkerLost(Exception):
    """The worker running a task died (it was killed for another task's deadline)."""


@dataclass
class _Task:
    future: asyncio.Future[Any]
    chunks: asyncio.Queue[bytes | None] | None = None  # for a task that streams its answer


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    sock: socket.socket  # our end of the pair; shutting it for writing tells the worker to stop
    conn: Connection
    ready: asyncio.Event
    tasks: dict[int, _Task] = field(default_factory=dict)
    sending: threading.Lock = field(default_factory=threading.Lock)
    alive: bool = True
    reader: threading.Thread | None = None


class Engine:
    """A pool of worker processes over one store; ``run`` and ``stream`` hand them tasks.

    A task is a module-level function ``task(store, *args)``; a generator function streams its
    chunks of bytes.
    """

    def __init__(
        self, path: Path, *, writable: bool, processes: int | None = None, offline: bool = False
    ) -> None:
        cores = os.cpu_count() or 2
        self.path, self.writable, self.offline = path, writable, offline
        self.processes = 1 if writable else (processes or max(2, 2 * cores))
        self.threads = 2 * cores if writable else 1
        self._workers: list[_Worker] = []
        self._ids = count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Condition | None = None  # workers ready or lost; reads and writes
        self._slots: asyncio.LifoQueue[_Worker] | None = None  # a worker once per free thread
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0
        self._starting: asyncio.Lock | None = None
        self._broken: str | None = None  # why workers cannot start, when they cannot

    # --- running tasks ---------------------------------------------------------------------------

    async def run(self, task: Callable[..., Any], *args: Any, timeout: float, write: bool = False) -> Any:
        """The task's result, or its exception; TimedOut when it passes ``timeout`` seconds (its
        worker is killed). A write gets a receipt as its last argument."""
        await self._start()
        deadline = self._now() + timeout
        async with self._access(write, deadline):
            if not write:
                return await self._call(task, args, deadline, timeout)
            receipt = f"urn:uuid:{uuid.uuid4()}"
            try:
                return await self._call(task, (*args, receipt), deadline, timeout, retry=False)
            except (TimedOut, WorkerLost):
                settle = max(timeout, 30.0)
                committed = await self._call(tasks.take_receipt, (receipt,), self._now() + settle, settle)
                if not committed:
                    raise WriteInterrupted(
                        f"the update was stopped at the server's time limit of {timeout:g} s; "
                        "nothing was changed"
                    ) from None

    async def _call(
        self,
        task: Callable[..., Any],
        args: tuple[Any, ...],
        deadline: float,
        limit: float,
        retry: bool = True,
    ) -> Any:
        for attempt in range(2):
            worker = await self._checkout(deadline)
            key, pending = self._submit(worker, task, args)
            try:
                return await asyncio.wait_for(asyncio.shield(pending.future), deadline - self._now())
            except TimeoutError:
                await self._kill(worker)
                if pending.future.done() and not pending.future.exception():
                    return pending.future.result()  # it answered just as its deadline passed
                raise TimedOut(
                    f"the request ran past the server's time limit of {limit:g} s and was stopped"
                ) from None
            except WorkerLost:  # killed for another task's deadline: a read runs once more
                if not retry or attempt:
                    raise
            finally:
                worker.tasks.pop(key, None)
                self._release(worker)
        raise AssertionError("unreachable")

    async def stream(self, task: Callable[..., Iterator[bytes]], *args: Any) -> AsyncIterator[bytes]:
        """The chunks a generator task yields, as the client takes them; no time limit (the worker
        waits while the client reads slowly). A client that leaves takes the worker with it."""
        await self._start()
        async with self._access(False, None):
            worker = await self._checkout(None)
            pending = _Task(self._loop_now().create_future(), asyncio.Queue(maxsize=8))
            key = self._send(worker, pending, task, args)
            finished = False
            try:
                while (chunk := await pending.chunks.get()) is not None:  # type: ignore[union-attr]
                    yield chunk
                await pending.future
                finished = True
            finally:
                worker.tasks.pop(key, None)
                if not finished:
                    while not pending.chunks.empty():  # type: ignore[union-attr]
                        pending.chunks.get_nowait()  # type: ignore[union-attr]  # frees the reader
                    await self._kill(worker)
                self._release(worker)

    async def close(self) -> None:
        """Let the workers finish what they run and close the store (a few seconds at most), then stop
        those still running."""
        workers, self._workers = list(self._workers), []
        for worker in workers:
            worker.sock.shutdown(socket.SHUT_WR)  # the worker reads the end of its input and leaves
        for worker in workers:
            with suppress(TimeoutError):
                await asyncio.wait_for(asyncio.to_thread(worker.process.wait), 5)
            await self._kill(worker, replace=False)

    async def swap(self, replace: Callable[[], None]) -> None:
        """Close the store, let ``replace`` put another in its place, and open that: requests that come
        meanwhile wait (as for a write), those under way finish first (``kg.serve.changes``)."""
        async with self._access(True, None):
            await self.close()
            replace()
            await self.start()

    def pids(self) -> list[int]:
        """The process ids of the workers ready for tasks (the tests watch them die and come back)."""
        return [w.process.pid for w in self._workers if w.alive and w.ready.is_set()]

    # --- the pool ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the workers and wait until each has opened the store (or one could not)."""
        await self._start()
        assert self._changed is not None
        async with self._changed:
            while self._broken is None and not all(worker.ready.is_set() for worker in self._workers):
                await self._changed.wait()
        if self._broken is not None:
            raise HTTPProblem(self._broken, 500)

    async def _start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._changed = asyncio.Condition()
            self._starting = asyncio.Lock()
            self._slots = asyncio.LifoQueue()  # the worker freed last, warm caches first
        async with self._starting:  # type: ignore[union-attr]
            while len(self._workers) < self.processes:
                self._spawn(first=True)

    def _spawn(self, first: bool = False) -> _Worker:
        """Start a worker: a new interpreter (a fork would copy the server's threads mid-work), talking
        over a socket pair in pickled messages."""
        ours, theirs = socket.socketpair()
        command = [sys.executable, "-c", _START, str(theirs.fileno()), str(self.path)]
        command += [str(int(self.writable)), str(self.threads), str(int(first)), str(int(self.offline))]
        process = subprocess.Popen(command, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        theirs.close()
        worker = _Worker(process, ours, Connection(os.dup(ours.fileno())), asyncio.Event())
        worker.reader = threading.Thread(target=self._read, args=(worker,), daemon=True)
        worker.reader.start()
        self._workers.append(worker)
        return worker

    async def _checkout(self, deadline: float | None) -> _Worker:
        """A worker with a free thread, waiting in line (first come, first served) until ``deadline``."""
        assert self._slots is not None
        while True:
            if self._broken is not None:
                raise HTTPProblem(self._broken, 500)
            left = None if deadline is None else deadline - self._now()
            if left is not None and left <= 0:
                raise TimedOut("the server is busy: no worker was free within the time limit")
            try:
                worker = await asyncio.wait_for(self._slots.get(), left)
            except TimeoutError:
                continue
            if worker.alive and worker in self._workers:
                return worker  # (a slot of a worker killed since is dropped)

    def _release(self, worker: _Worker) -> None:
        if worker.alive and worker in self._workers:
            self._slots.put_nowait(worker)  # type: ignore[union-attr]

    def _submit(self, worker: _Worker, task: Callable[..., Any], args: tuple[Any, ...]) -> tuple[int, _Task]:
        pending = _Task(self._loop_now().create_future())
        return self._send(worker, pending, task, args), pending

    def _send(self, worker: _Worker, pending: _Task, task: Callable[..., Any], args: tuple[Any, ...]) -> int:
        key = next(self._ids)
        worker.tasks[key] = pending
        payload = pickle.dumps((task, args))  # a task that does not pickle fails here, in the server
        with worker.sending:
            worker.conn.send((key, payload))
        return key

    def _read(self, worker: _Worker) -> None:
        """The worker's messages, handed to the tasks waiting for them (runs in a thread per worker)."""
        loop = self._loop_now()
        while True:
            try:
                kind, key, value = worker.conn.recv()
            except (EOFError, OSError):
                break
            if kind == "ready":
                loop.call_soon_threadsafe(self._ready, worker)
                continue
            pending = worker.tasks.get(key)
            if pending is None:
                continue
            if kind == "chunk" and pending.chunks is not None:
                asyncio.run_coroutine_threadsafe(pending.chunks.put(value), loop).result()
            else:
                loop.call_soon_threadsafe(_settle_future, pending, kind, value)
        loop.call_soon_threadsafe(self._lost, worker)

    def _ready(self, worker: _Worker) -> None:
        worker.ready.set()
        for _ in range(self.threads):
            self._slots.put_nowait(worker)  # type: ignore[union-attr]
        self._notify()

    def _lost(self, worker: _Worker) -> None:
        worker.alive = False
        if worker in self._workers:  # it died by itself, not by a kill of ours
            self._workers.remove(worker)
            if worker.ready.is_set():
                self._spawn()
            else:
                self._broken = f"a query worker could not open the store (exit code {worker.process.wait()})"
        for pending in worker.tasks.values():
            if not pending.future.done():
                pending.future.set_exception(WorkerLost())
            if pending.chunks is not None:
                pending.chunks.put_nowait(None)
        self._notify()

    def _notify(self) -> None:
        async def wake() -> None:
            assert self._changed is not None
            async with self._changed:
                self._changed.notify_all()

        self._loop_now().create_task(wake())

    async def _kill(self, worker: _Worker, replace: bool = True) -> None:
        """Stop the worker at once and wait until its last messages are read; start another."""
        if worker in self._workers:
            self._workers.remove(worker)
            if replace:
                self._spawn()
        if worker.process.poll() is None:
            worker.process.kill()
        await asyncio.to_thread(worker.process.wait)
        if worker.reader is not None:
            await asyncio.to_thread(worker.reader.join)
        worker.conn.close()
        worker.sock.close()
        await asyncio.sleep(0)  # let the messages read before the end reach their tasks

    @asynccontextmanager
    async def _access(self, write: bool, deadline: float | None) -> AsyncIterator[None]:
        """Writes run alone on a writable server; reads share. A read-only server has no writes."""
        if not self.writable:
            yield
            return
        assert self._changed is not None
        async with self._changed:
            self._writers_waiting += write
            try:
                # a waiting write goes before reads that come after it, so reads cannot starve it
                while self._writing or (self._readers if write else self._writers_waiting):
                    left = None if deadline is None else deadline - self._now()
                    if left is not None and left <= 0:
                        raise TimedOut("the server is busy with an update; try again")
                    try:
                        await asyncio.wait_for(self._changed.wait(), left)
                    except TimeoutError:
                        continue
            finally:
                self._writers_waiting -= write
                if write:
                    self._changed.notify_all()  # reads held back for this write may go, if it gave up
            if write:
                self._writing = True
            else:
                self._readers += 1
        try:
            yield
        finally:
            async with self._changed:
                if write:
                    self._writing = False
                else:
                    self._readers -= 1
                self._changed.notify_all()

    def _now(self) -> float:
        return self._loop_now().time()

    def _loop_now(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None, "the engine runs tasks once started"
        return self._loop


def _settle_future(pending: _Task, kind: str, value: Any) -> None:
    if pending.future.done():
        return
    if kind == "error":
        pending.future.set_exception(value)
    else:
        pending.future.set_result(value)
    if pending.chunks is not None:
        pending.chunks.put_nowait(None)


def work(fd: str, path: str, writable: str, threads: str, first: str, offline: str) -> None:
    """A worker process: open the store, then run the tasks that arrive, ``threads`` at a time. A
    writable worker clears what writes cut short left behind: uploads, and when the server starts,
    receipts (a worker that replaces a killed one keeps them: they are the server's evidence). An
    offline worker cannot open an Internet socket, whatever it runs."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which stops its workers
    if offline == "1" and sandbox.supported():
        try:
            sandbox.forbid_internet()
        except OSError as error:  # a kernel without seccomp filters: the query lexer stays the guard
            print(f"kg serve: workers keep their network ({error})", file=sys.stderr)
    conn = Connection(int(fd))
    store = Store(path, lock=False) if writable == "1" else Store.read_only(path)
    if writable == "1":
        tasks.clear_leftovers(store, receipts=first == "1")
    sending = threading.Lock()

    def reply(kind: str, key: int, value: Any) -> None:
        with sending:
            try:
                conn.send((kind, key, value))
            except Exception as error:  # an answer that does not pickle: say what it was instead
                conn.send(("error", key, RuntimeError(f"{type(value).__name__}: {error}")))

    def execute(key: int, payload: bytes) -> None:
        try:
            task, args = pickle.loads(payload)
            result = task(store, *args)
            if isinstance(result, Iterator):
                for chunk in result:
                    reply("chunk", key, chunk)
                result = None
            reply("ok", key, result)
        except BaseException as error:  # handed to the server, which maps it to a status
            reply("error", key, error)

    reply("ready", -1, None)
    with ThreadPoolExecutor(int(threads)) as pool:
        while True:
            try:
                key, payload = conn.recv()
            except (EOFError, OSError):
                break  # the server has gone, or is stopping
            pool.submit(execute, key, payload)
    store.close()
