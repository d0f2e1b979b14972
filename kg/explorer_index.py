"""The citing-papers explorer's rows of each hub kept in order beside the store: a page costs an index
range, whatever the hub's size.

Oxigraph orders literals by their hash, so none of its indexes ranges over years or titles: a page of
a hub read the hub's every row (``kg.explorer.rows``, some 50 ms for 10,000 citing papers) and sorted
them. Here a hub's rows, once read, are kept in SQLite (``explorer.sqlite`` in the store's folder),
each with its position in every order the explorer offers, under covering indexes: a page is an index
range with LIMIT and OFFSET, its count an index-only scan.

It is a cache, not a second store: a hub's rows are kept with the store's ``generation`` when they
were read, and read again once the store has changed since. The file may be deleted at any time.
Where no generation can be trusted (a store in memory, a remote store, a change under way) or SQLite
cannot write in the store's folder, a page comes from the rows directly (``explorer.page``), as before.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from kg import explorer
from kg.backend import Backend
from kg.explorer import SORTS, UNCLASSIFIED, Row

T = TypeVar("T")
FILE = "explorer.sqlite"
_POSITION = {sort: "by_" + sort.replace("-", "_") for sort in SORTS}  # a fixed column name per order
_SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS hub (
    id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, generation INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS row (
    hub INTEGER NOT NULL, citing TEXT NOT NULL, year INTEGER, role TEXT, polarity TEXT, title TEXT,
    {positions}
);
{indexes}
""".format(
    positions=", ".join(f"{column} INTEGER NOT NULL" for column in _POSITION.values()),
    indexes="\n".join(
        f"CREATE INDEX IF NOT EXISTS row_{column} ON row (hub, {column}, role, polarity, year);"
        for column in _POSITION.values()
    ),
)
_local = threading.local()  # a connection per thread and store folder (SQLite's objects stay in their thread)


def page(
    store: Backend,
    paper: ox.NamedNode,
    *,
    role: str | None = None,
    polarity: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    sort: str = "year",
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[Row]]:
    """The rows of one page of a hub's explorer, and how many rows pass the filters on all pages: the
    rows and the order of ``explorer.page``. Raises ValueError for an unknown sort."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; expected one of {', '.join(SORTS)}")
    found = _from_index(
        store,
        paper,
        lambda connection, hub: _page(
            connection, hub, sort, offset, limit, role, polarity, from_year, to_year
        ),
    )
    if found is not None:
        return found
    kept = explorer.page(
        explorer.rows(store, paper),
        role=role,
        polarity=polarity,
        from_year=from_year,
        to_year=to_year,
        sort=sort,
    )
    return len(kept), kept[offset : offset + limit]


def role_years(store: Backend, paper: ox.NamedNode) -> list[tuple[int, str, int]]:
    """How many citing papers of each role a hub has per year (those with a year and a role), by
    year then role: the hub page's chart, from the same rows as its explorer."""
    found = _from_index(
        store,
        paper,
        lambda connection, hub: [
            (int(year), str(role), int(count))
            for year, role, count in connection.execute(
                "SELECT year, role, COUNT(*) FROM row INDEXED BY row_by_year WHERE hub = ? "
                "AND year IS NOT NULL AND role IS NOT NULL GROUP BY year, role ORDER BY year, role",
                (hub,),
            )
        ],
    )
    if found is not None:
        return found
    counts = Counter(
        (row.year, row.role) for row in explorer.rows(store, paper) if row.year is not None and row.role
    )
    return [(year, role, count) for (year, role), count in sorted(counts.items())]


def _from_index(store: Backend, paper: ox.NamedNode, ask: Callable[[sqlite3.Connection, int], T]) -> T | None:
    """``ask`` of the hub's rows in the index (read from the store first if they are not kept at the
    store's generation); None where the index cannot be trusted or used (then read the store)."""
    generation, connection = store.generation, _connection(store)
    if generation is None or connection is None:
        return None
    try:
        with connection:
            return ask(connection, _hub(connection, store, paper, generation))
    except sqlite3.Error:  # locked for longer than the timeout, a full disk: read the store instead
        return None


def _connection(store: Backend) -> sqlite3.Connection | None:
    """This thread's connection to the index in the store's folder (made again if the file went)."""
    if store.path is None:
        return None
    path = store.path / FILE
    connections: dict[Path, tuple[sqlite3.Connection, int]] = _local.__dict__.setdefault("connections", {})
    known = connections.get(path)
    try:
        if known is not None and os.stat(path).st_ino == known[1]:
            return known[0]
    except OSError:
        pass
    if known is not None:
        known[0].close()
        del connections[path]
    try:
        connection = sqlite3.connect(path, timeout=5.0, isolation_level=None)
        connection.executescript(_SCHEMA)
        connection.isolation_level = "DEFERRED"  # transactions again, after the schema's PRAGMA
        connections[path] = (connection, os.stat(path).st_ino)
    except (sqlite3.Error, OSError):  # a folder this process may not write, say
        return None
    return connection


def _hub(connection: sqlite3.Connection, store: Backend, paper: ox.NamedNode, generation: int) -> int:
    """The hub's id in the index, its rows read from the store first if they were not kept at this
    generation."""
    found = connection.execute("SELECT id, generation FROM hub WHERE iri = ?", (paper.value,)).fetchone()
    if found is not None and found[1] == generation:
        return int(found[0])
    rows = list(explorer.rows(store, paper))
    positions = {sort: {id(row): n for n, row in enumerate(explorer.page(rows, sort=sort))} for sort in SORTS}
    if found is not None:
        connection.execute("DELETE FROM row WHERE hub = ?", (found[0],))
        connection.execute("UPDATE hub SET generation = ? WHERE id = ?", (generation, found[0]))
        hub = int(found[0])
    else:
        made = connection.execute(
            "INSERT INTO hub (iri, generation) VALUES (?, ?)", (paper.value, generation)
        )
        hub = int(made.lastrowid or 0)
    columns = ", ".join(_POSITION.values())
    connection.executemany(
        f"INSERT INTO row (hub, {', '.join(Row._fields)}, {columns}) "
        f"VALUES (?, ?, ?, ?, ?, ?, {', '.join('?' for _ in SORTS)})",
        ((hub, *row, *(positions[sort][id(row)] for sort in SORTS)) for row in rows),
    )
    return hub


def _page(
    connection: sqlite3.Connection,
    hub: int,
    sort: str,
    offset: int,
    limit: int,
    role: str | None,
    polarity: str | None,
    from_year: int | None,
    to_year: int | None,
) -> tuple[int, list[Row]]:
    """The count and the page from the index: column names are the module's own, values are bound."""
    conditions: list[str] = ["hub = ?"]
    values: list[object] = [hub]
    for column, wanted in (("role", role), ("polarity", polarity)):
        if wanted == UNCLASSIFIED:
            conditions.append(f"{column} IS NULL")
        elif wanted is not None:
            conditions.append(f"{column} = ?")
            values.append(wanted)
    if from_year is not None:
        conditions.append("year >= ?")
        values.append(from_year)
    if to_year is not None:
        conditions.append("year <= ?")
        values.append(to_year)
    position = _POSITION[sort]
    source = f"FROM row INDEXED BY row_{position} WHERE {' AND '.join(conditions)}"
    (total,) = connection.execute(f"SELECT COUNT(*) {source}", values).fetchone()
    found = connection.execute(
        f"SELECT {', '.join(Row._fields)} {source} ORDER BY {position} LIMIT ? OFFSET ?",
        [*values, limit, offset],
    )
    return int(total), [Row(*values) for values in found]
