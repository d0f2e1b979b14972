"""Where citekg reads and writes, as the ``kg`` command and library users both say it: the embedded
store in a folder, or a SPARQL 1.1 endpoint (with its update endpoint and credentials), from options,
the environment or a TOML file (``citekg.toml``).

>>> import kg
>>> store = kg.open(store="citekg.store")                       # doctest: +SKIP
>>> remote = kg.open(endpoint="http://localhost:7878/query")    # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import InvalidSetting

if TYPE_CHECKING:  # the engine is imported when a store is opened, not to read settings
    from kg.backend import WritableBackend
    from kg.served import Server
    from kg.store import Store

DEFAULT_STORE = "citekg.store"


@dataclass(frozen=True)
class Settings:
    """Where to work: ``endpoint`` (a SPARQL query endpoint) wins over ``store`` (a folder)."""

    store: Path = Path(DEFAULT_STORE)
    base: str | None = None  # the IRI base of a new store
    endpoint: str | None = None
    update_endpoint: str | None = None
    user: str | None = None
    password: str | None = None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(field.name for field in fields(cls))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def open(self) -> WritableBackend:
        """The store these settings name, opened to read (a new embedded store is created with
        ``base``; an embedded store is shared with other readers: ``Store.for_reading``); an embedded
        store that ``kg serve`` holds is read through the server (``kg.served``)."""
        server = self.server()
        if server is not None:
            from kg.remote import RemoteStore
            from kg.store import stored_minter

            return RemoteStore(server.endpoint, base=stored_minter(self.store).base)
        if self.endpoint:
            return self._open()
        from kg.store import Store

        return Store.for_reading(self.store, base=self.base)

    def server(self) -> Server | None:
        """The ``kg serve`` that holds the embedded store, if one runs: changes go through it."""
        if self.endpoint:
            return None
        from kg.served import server_of

        return server_of(self.store)

    def _open(self) -> WritableBackend:
        if self.endpoint:
            from kg.remote import RemoteStore

            return RemoteStore(
                self.endpoint,
                update_endpoint=self.update_endpoint,
                user=self.user,
                password=self.password,
                base=self.base,
            )
        from kg.store import Store

        return Store(self.store, base=self.base)

    def open_writable(self) -> WritableBackend:
        """The store to change; a remote one only with an update endpoint."""
        if self.endpoint and not self.update_endpoint:
            raise InvalidSetting(f"{self.endpoint} is read-only here: give --update-endpoint too")
        return self._open()

    def open_embedded(self, command: str) -> Store:
        """The embedded store, for the commands that need its own engine (restoring, serving it)."""
        if self.endpoint:
            raise InvalidSetting(f"kg {command} works on the embedded store; it does not take --endpoint")
        from kg.store import Store

        return Store(self.store, base=self.base)


def read_config(path: Path) -> dict[str, Any]:
    """The settings a TOML file gives (none when there is no such file)."""
    if not path.is_file():
        return {}
    import tomllib  # (only where there is a file: 4 ms of every command's start otherwise)

    try:
        found = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidSetting(f"{path}: not valid TOML: {error}") from None
    known = Settings.names()
    unknown = sorted(set(found) - set(known))
    if unknown:
        raise InvalidSetting(f"{path}: unknown settings {', '.join(unknown)}; known: {', '.join(known)}")
    return {name: Path(value) if name == "store" else value for name, value in found.items()}


def open(config: str | Path | None = None, **values: Any) -> WritableBackend:
    """Open the store that ``values`` name, over what the TOML file ``config`` says, over the defaults:
    ``kg.open(store="citekg.store")``, ``kg.open(endpoint=..., update_endpoint=...)``."""
    given = read_config(Path(config)) if config is not None else {}
    given.update({name: value for name, value in values.items() if value is not None})
    if "store" in given:
        given["store"] = Path(given["store"])
    unknown = sorted(set(given) - set(Settings.names()))
    if unknown:
        raise InvalidSetting(f"unknown settings {', '.join(unknown)}; known: {', '.join(Settings.names())}")
    return Settings(**given).open()
