"""The ``kg`` command: a thin layer over the library that parses options and formats results."""

# (No ``from __future__ import annotations`` here, unlike the rest of kg: typer reads every command's
# annotations at each start, and evaluating them from strings, twice each, cost 10 ms of ``kg stats``'s
# 130. The names imported only for type checking are quoted.)
import json
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from kg.errors import CitekgError, InvalidArgument, InvalidInput, QueryError, RecordError, StoreBusy
from kg.settings import DEFAULT_STORE, Settings, read_config

# A command imports what it needs when it runs (the engine, the saved queries, the progress display),
# so that `kg --help` and a small command start quickly.
if TYPE_CHECKING:
    from rich.console import Console

    from kg import queries
    from kg.annotate import Scores
    from kg.backend import Backend
    from kg.hub import HubSummary
    from kg.store import Store

T = TypeVar("T")


class _Commands(TyperGroup):
    """The one place a citekg error becomes what the user reads: its message on stderr, and its exit
    code (kg.errors); anything else is a bug and keeps its traceback."""

    def invoke(self, ctx: Any) -> Any:  # click.Context, wherever this typer keeps click
        try:
            return super().invoke(ctx)
        except CitekgError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(error.exit_code) from None


app = typer.Typer(
    cls=_Commands,
    help="citekg: a citation knowledge graph as linked data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


@cache
def stderr() -> "Console":
    """Where progress and status go (rich's console costs a sixth of a small command's start: made
    when first used)."""
    from rich.console import Console

    return Console(stderr=True)


class Output(StrEnum):
    text = "text"
    json = "json"


class ExportFormat(StrEnum):
    turtle = "turtle"
    ntriples = "ntriples"
    nquads = "nquads"
    trig = "trig"
    jsonld = "jsonld"


class Sort(StrEnum):
    """The explorer's orders (``kg.explorer.SORTS``; a test keeps the two the same)."""

    year = "year"
    year_asc = "year-asc"
    title_asc = "title"
    title_desc = "title-desc"


FormatOption = Annotated[Output, typer.Option("--format", "-f", help="text for people, json for programs.")]
SETTINGS = Settings.names()


@app.callback()
def main(
    ctx: typer.Context,
    store: Annotated[Path, typer.Option(envvar="KG_STORE", help="The store folder.")] = Path(DEFAULT_STORE),
    base: Annotated[str | None, typer.Option(envvar="KG_BASE", help="IRI base for a new store.")] = None,
    endpoint: Annotated[
        str | None, typer.Option(envvar="KG_ENDPOINT", help="A SPARQL 1.1 query endpoint to use instead.")
    ] = None,
    update_endpoint: Annotated[
        str | None, typer.Option(envvar="KG_UPDATE_ENDPOINT", help="Its SPARQL 1.1 update endpoint.")
    ] = None,
    user: Annotated[str | None, typer.Option(envvar="KG_USER", help="User name for the endpoint.")] = None,
    password: Annotated[
        str | None, typer.Option(envvar="KG_PASSWORD", help="Password for the endpoint.")
    ] = None,
    config: Annotated[
        Path, typer.Option(envvar="KG_CONFIG", help="A TOML file with any of these settings.")
    ] = Path("citekg.toml"),
) -> None:
    given = {
        "store": store,
        "base": base,
        "endpoint": endpoint,
        "update_endpoint": update_endpoint,
        "user": user,
        "password": password,
    }
    from_file = read_config(config)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name in SETTINGS:
        source = ctx.get_parameter_source(name)
        if source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT"):
            values[name], sources[name] = (
                given[name],
                "option" if source.name == "COMMANDLINE" else "environment",
            )
        elif name in from_file:
            values[name], sources[name] = from_file[name], str(config)
        else:
            values[name], sources[name] = given[name], "default"
    ctx.obj = Settings(**values)
    ctx.meta["sources"] = sources  # for kg config


def using_store(ctx: typer.Context, work: "Callable[[Backend], T]") -> T:
    """Open the store, do the work, close it."""
    with ctx.obj.open() as store:
        return work(store)


def emit_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


@app.command()
def load(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Files to load, each into its own graph.")],
    graph: Annotated[str | None, typer.Option(help="Graph name or IRI (one file only).")] = None,
    skip_invalid: Annotated[bool, typer.Option(help="Load the valid records and report the rest.")] = False,
    timings: Annotated[
        bool, typer.Option(help="Print the seconds each phase took (JSON, on stderr).")
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="The files' format (see kg formats); by default detected."),
    ] = None,
    paper: Annotated[
        str | None, typer.Option(help="The paper a Semantic Scholar citations/references page is about.")
    ] = None,
    replace: Annotated[
        bool, typer.Option(help="Replace a graph loaded before (--no-replace refuses).")
    ] = True,
    report_as: Annotated[Output, typer.Option("--report", help="text, or json for programs.")] = Output.text,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display, no summary.")] = False,
) -> None:
    """Load files; each replaces its graph, all or nothing unless --skip-invalid."""
    if graph is not None and len(files) > 1:
        raise InvalidArgument("--graph names the graph of one file; load several files without it")

    from kg.loader import graph_name_for
    from kg.loader import load as load_file

    def skipped(error: RecordError) -> None:
        typer.echo(f"{error} (skipped)", err=True)

    server = ctx.obj.server()
    try:
        if server is not None:  # kg serve holds the store: it carries the loads out
            for file in files:
                named = graph or graph_name_for(file)  # as the load here would name it, not the server's copy
                options = {"graph": named, "format": fmt, "paper": paper, "replace": replace}
                started = time.perf_counter()
                try:
                    with LoadDisplay(file, quiet) as display:
                        follow = display.follow if display.shown else None
                        found = server.change("load", file, follow, skip_invalid=skip_invalid, **options)
                except KeyboardInterrupt:
                    typer.echo(
                        f"interrupted: the server at {server.url} goes on with the load of {file}", err=True
                    )
                    raise typer.Exit(130) from None
                for record in found.pop("skipped"):
                    skipped(RecordError(str(file), record["line"], record["field"], record["message"]))
                said = found.pop("summary")
                if report_as is Output.json:
                    emit_json(found)
                elif not quiet:
                    typer.echo(
                        f"{said} in {time.perf_counter() - started:.1f} s (by the server at {server.url})"
                    )
            return
        with ctx.obj.open_writable() as store:
            for file in files:
                started = time.perf_counter()
                try:
                    with LoadDisplay(file, quiet) as display:
                        report = load_file(
                            store,
                            file,
                            graph,
                            fmt=fmt,
                            paper=paper,
                            replace=replace,
                            skip_invalid=skip_invalid,
                            on_skip=skipped,
                            progress=display if display.shown else None,
                        )
                except KeyboardInterrupt:
                    kept = "its work is kept: run the same load again to finish it"
                    done = kept if store.resumes_loads else "nothing was changed"
                    typer.echo(f"interrupted: {file} was not loaded; {done}", err=True)
                    raise typer.Exit(130) from None
                if report_as is Output.json:
                    emit_json(report.to_json())
                elif not quiet:
                    typer.echo(f"{report.summary()} in {time.perf_counter() - started:.1f} s")
                if timings:
                    typer.echo(json.dumps(report.seconds), err=True)
    except InvalidInput as error:
        for line in error.errors:
            typer.echo(str(line), err=True)
        typer.echo(
            f"error: nothing of {error.errors[0].file} was loaded; fix the records above or "
            "pass --skip-invalid",
            err=True,
        )
        raise typer.Exit(error.exit_code) from None


# A load's phases as shares of its time (a load of 10^6 native citations into an empty store, which
# compacts it at the end): reading and mapping the file about a fifth, the store's bulk load half,
# compacting an eighth, the other phases (consensus, representatives, explorer rows, merging papers,
# ...) two parts each. One bar moves through them all.
SHARES = {"map": 22.0, "bulk load": 50.0, "optimize": 12.0, "write parts": 100.0}  # (kg build: its own bar)
OTHER_SHARE = 2.0


class LoadDisplay:
    """One progress bar for one file's load, with the phase under way, the elapsed time and an ETA
    (on stderr, only on a terminal, and not with --quiet)."""

    def __init__(self, file: Path, quiet: bool) -> None:
        self.file = file
        from rich.progress import (
            BarColumn,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self.bar = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=stderr(),
            transient=True,
            disable=quiet or not stderr().is_terminal,
        )
        self.shown = not self.bar.disable  # counting bytes costs a little: only for a display
        self.task = self.bar.add_task(str(file), total=100)
        self.start, self.share, self.total, self.done = 0.0, 0.0, 0, 0
        self.phase_name: str | None = None

    def __enter__(self) -> "LoadDisplay":
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def phase(self, name: str, total: int | None = None) -> None:
        self.start = min(self.start + self.share, 99.0)
        self.share, self.total, self.done = SHARES.get(name, OTHER_SHARE), total or 0, 0
        self.bar.update(self.task, description=f"{self.file}: {name}", completed=self.start)

    def advance(self, done: int) -> None:
        self.done += done
        if self.total:
            fraction = min(self.done / self.total, 1.0)
            self.bar.update(self.task, completed=min(self.start + self.share * fraction, 99.0))

    def follow(self, change: dict[str, Any]) -> None:
        """Show a change that a server carries out (``kg.served``) as it tells it: phase and bytes."""
        if change["phase"] != self.phase_name:
            self.phase_name = change["phase"]
            self.phase(change["phase"] or "upload", change["total"])
        if change["done"] > self.done:
            self.advance(change["done"] - self.done)


query_app = typer.Typer(help="Saved queries: list, show and run them by name.", no_args_is_help=True)
app.add_typer(query_app, name="query")
RowFormat = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help="table, json, ndjson, csv, tsv, or sparql-json, sparql-xml, sparql-csv, sparql-tsv.",
    ),
]


@query_app.command("list")
def query_list(output: FormatOption = Output.text) -> None:
    """Every saved query with its title and parameters."""
    from kg import queries

    found = queries.catalogue().values()
    if output is Output.json:
        emit_json([query.to_json() for query in found])
        return
    for query in found:
        typer.echo(f"{query.name}: {query.title}\n    {query.signature()}")


@query_app.command("docs")
def query_docs() -> None:
    """The catalogue of saved queries as Markdown (queries/README.md)."""
    from kg import queries

    typer.echo(queries.catalogue_markdown())


@query_app.command("show")
def query_show(name: Annotated[str, typer.Argument(help="The saved query.")]) -> None:
    """A saved query's description, parameters and SPARQL."""
    from kg import queries

    query = queries.get(name)
    typer.echo(f"{query.title}\n\n{query.description}\n\nParameters:")
    for param in query.params:
        state = "required" if param.required else f"default {param.default}" if param.default else "optional"
        typer.echo(f"  {param.name} ({param.type}, {state}): {param.description}")
    typer.echo(f"\n{query.sparql}")


@query_app.command("run")
def query_run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The saved query.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE, repeatable.")] = None,
    fmt: RowFormat = "table",
    limit: Annotated[
        int, typer.Option(min=1, help="At most this many rows (the JSON says truncated).")
    ] = 10_000,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    timeout: Annotated[float, typer.Option(min=0.001, help="Give up after this many seconds.")] = 60.0,
) -> None:
    """Run a saved query with typed parameters."""
    from kg import queries
    from kg.results import W3C_FORMATS

    values = {}
    for pair in param or []:
        key, sep, value = pair.partition("=")
        if not sep:
            raise QueryError(f"--param takes NAME=VALUE, got {pair!r}")
        values[key.strip()] = value
    with ctx.obj.open() as store:
        if fmt in W3C_FORMATS:
            solutions = store.query(queries.bound_sparql(store, queries.get(name), values))
            solutions.serialize(sys.stdout.buffer, W3C_FORMATS[fmt])
            return
        result = queries.run_query(store, name, values, offset=offset, limit=limit, timeout=timeout)
    _write_rows(result, fmt)


@app.command()
def sparql(
    ctx: typer.Context,
    query: Annotated[str | None, typer.Argument(help="The query; or --file, or standard input.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read the query from this file.")] = None,
    fmt: RowFormat = "table",
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 10_000,
) -> None:
    """Run an ad-hoc SPARQL query over all graphs (CONSTRUCT and DESCRIBE print Turtle, or --format)."""
    import pyoxigraph as ox

    from kg import exporter as exporting
    from kg import queries
    from kg.results import W3C_FORMATS

    text = query if query is not None else file.read_text(encoding="utf-8") if file else sys.stdin.read()
    with ctx.obj.open() as store:
        answer = queries.run_sparql(store, text)
        if isinstance(answer, ox.QueryBoolean):
            typer.echo(json.dumps({"boolean": bool(answer)}) if fmt != "table" else str(bool(answer)).lower())
        elif isinstance(answer, ox.QueryTriples):
            rdf = exporting.FORMATS.get(fmt) or ox.RdfFormat.TURTLE
            answer.serialize(sys.stdout.buffer, rdf)
        elif fmt in W3C_FORMATS:
            answer.serialize(sys.stdout.buffer, W3C_FORMATS[fmt])
        else:
            _write_rows(queries.collect(answer, limit=limit), fmt)


def _write_rows(result: "queries.Result", fmt: str) -> None:
    from kg.results import ROW_FORMATS, W3C_FORMATS, write_rows

    if fmt not in ROW_FORMATS:
        raise QueryError(
            f"unknown output format {fmt!r}; expected one of {', '.join((*ROW_FORMATS, *W3C_FORMATS))}"
        )
    write_rows(result, fmt, sys.stdout)


@app.command()
def agreement(ctx: typer.Context, output: FormatOption = Output.text) -> None:
    """How far annotators agree on roles: share of equal roles and Cohen's kappa, per pair."""
    from kg.agreement import agreements

    found = using_store(ctx, agreements)
    if output is Output.json:
        emit_json([vars(pair) for pair in found])
        return
    for pair in found:
        typer.echo(
            f"{pair.first} ~ {pair.second}: {pair.citations} citations, "
            f"{pair.agreement:.0%} the same role, kappa {pair.kappa:.2f}"
        )


@app.command()
def formats(output: FormatOption = Output.text) -> None:
    """The formats kg load reads, each with an example line."""
    from kg import importers

    known = importers.formats().values()
    if output is Output.json:
        emit_json([{"name": f.name, "description": f.description, "example": f.example} for f in known])
        return
    for found in known:
        typer.echo(f"{found.name}: {found.description}\n    {found.example}")


@app.command()
def hub(
    ctx: typer.Context,
    paper: Annotated[str, typer.Argument(help="The paper, by any id (doi:…, arxiv:…, s2:…).")],
    output: FormatOption = Output.text,
    representatives: Annotated[
        int, typer.Option(min=0, max=10, help="How many representative citing papers.")
    ] = 5,
    dominant_share: Annotated[
        float, typer.Option(min=0, max=1, help="Share that makes a role dominant.")
    ] = 0.6,
) -> None:
    """The hub summary of a paper."""
    from kg import hub as hubs

    with ctx.obj.open() as store:
        summary = hubs.summary(store, paper, representatives=representatives, dominant_share=dominant_share)
    if output is Output.json:
        emit_json(summary.to_json())
    else:
        typer.echo(render_hub(summary))


@app.command()
def citing(
    ctx: typer.Context,
    paper: Annotated[str, typer.Argument(help="The cited paper, by any id.")],
    role: Annotated[str | None, typer.Option(help="Only this primary role.")] = None,
    polarity: Annotated[str | None, typer.Option(help="Only this primary polarity.")] = None,
    from_year: Annotated[int | None, typer.Option(help="Only citing papers from this year on.")] = None,
    to_year: Annotated[int | None, typer.Option(help="Only citing papers up to this year.")] = None,
    sort: Annotated[Sort, typer.Option(help="Order of the rows.")] = Sort.year,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    output: FormatOption = Output.text,
) -> None:
    """The citing-papers explorer: filter, sort and page the papers that cite a paper."""
    from kg import hub as hubs

    with ctx.obj.open() as store:
        total, rows = hubs.citing(
            store,
            paper,
            role=role,
            polarity=polarity,
            from_year=from_year,
            to_year=to_year,
            sort=sort.value,
            page=page,
            page_size=page_size,
        )
    if output is Output.json:
        emit_json(hubs.citing_json(total, rows, page, page_size))
        return
    first = (page - 1) * page_size + 1
    typer.echo(f"{total} citing papers" + (f"; showing {first}-{first + len(rows) - 1}" if rows else ""))
    for row in rows:
        typer.echo(
            f"- {row.title or row.iri} ({row.year or 'n.d.'}) [{row.role or 'unclassified'}, "
            f"{row.polarity or 'no polarity'}]"
        )
        if row.summary:
            typer.echo(f"    {row.summary}")


@app.command()
def export(
    ctx: typer.Context,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="RDF format.")] = ExportFormat.turtle,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default stdout).")
    ] = None,
    graph: Annotated[str | None, typer.Option(help="Only this named graph.")] = None,
    void: Annotated[
        bool, typer.Option("--void", help="The VoID/DCAT description of the dataset instead (Turtle).")
    ] = False,
) -> None:
    """Export the store (or one graph) as linked data."""
    import pyoxigraph as ox

    from kg import exporter as exporting

    def write(store: "Store", out: IO[bytes]) -> None:
        if void:
            from kg import linked_data

            ox.serialize(linked_data.void(store), out, ox.RdfFormat.TURTLE, prefixes=store.prefixes)
        else:
            exporting.export(store, out, fmt.value, graph)

    with ctx.obj.open() as store:
        if output is None:
            write(store, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            with output.open("wb") as out:
                write(store, out)


@app.command()
def restore(
    ctx: typer.Context,
    dump: Annotated[Path, typer.Argument(help="A citekg dump: N-Quads (.nq) or TriG (.trig), or .gz.")],
    output: FormatOption = Output.text,
) -> None:
    """Rebuild an empty store from a dump of `kg export --format nquads|trig` (a backup)."""
    from kg.restore import restore as restoring

    server = ctx.obj.server()
    with stderr().status(f"restoring {dump}"):
        if server is not None:  # kg serve holds the (empty) store: it carries the restore out
            found = server.change("restore", dump)
            found.pop("skipped")
        else:
            with ctx.obj.open_embedded("restore") as store:
                report = restoring(store, dump)
            found = {"base": report.base, "quads": report.quads, **report.stats.to_json()}
    if output is Output.json:
        emit_json(found)
        return
    typer.echo(
        f"restored {found['quads']:,} quads from {dump} (base {found['base']}): {found['papers']} papers, "
        f"{found['citations']} citations, {found['annotations']} annotations in {len(found['graphs'])} graphs"
    )


@app.command()
def validate(
    ctx: typer.Context,
    graph: Annotated[str | None, typer.Option(help="Only this graph (name or IRI).")] = None,
    output: FormatOption = Output.text,
) -> None:
    """Check citekg's graphs against its SHACL shapes (exit 5 when they do not conform)."""
    from kg.validation import validate as validating

    with stderr().status("validating"):
        found = using_store(ctx, lambda store: validating(store, graph))
    if output is Output.json:
        emit_json({"conforms": found.conforms, "triples": found.triples, "violations": found.violations})
    elif found.conforms:
        typer.echo(f"conforms: {found.triples:,} triples checked against ontology/shapes.ttl")
    else:
        typer.echo(found.report)
    if not found.conforms:
        raise typer.Exit(5)


@app.command()
def stats(ctx: typer.Context, output: FormatOption = Output.text) -> None:
    """Papers, citations, annotations and graphs in the store."""
    from kg.stats import store_stats

    numbers = using_store(ctx, store_stats)
    if output is Output.json:
        emit_json(numbers.to_json())
        return
    typer.echo(
        f"papers:      {numbers.papers}\ncitations:   {numbers.citations}\n"
        f"annotations: {numbers.annotations}\ngraphs:"
    )
    for graph in numbers.graphs:
        typer.echo(f"  {graph}")


@app.command()
def sources(ctx: typer.Context, output: FormatOption = Output.text) -> None:
    """The loaded sources, with their files, formats, load times and record counts."""
    from kg.stats import sources as loaded_sources

    found = using_store(ctx, loaded_sources)
    if output is Output.json:
        emit_json([vars(source) for source in found])
        return
    for source in found:
        typer.echo(
            f"{source.graph}\n  {source.file} ({source.format}), loaded {source.loaded}: "
            f"{source.papers} papers, {source.citations} citations, {source.annotations} annotations"
        )


@app.command()
def build(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Files to build, each as kg load would load it.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The folder to write the build into.")],
    part_mib: Annotated[int, typer.Option(min=1, help="N-Quads per part before compression, in MiB.")] = 256,
    report_as: Annotated[Output, typer.Option("--report", help="text, or json for programs.")] = Output.text,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Build files into gzipped N-Quads, with the commands that bulk-load them into a SPARQL server."""
    from kg.build import build as building

    settings: Settings = ctx.obj
    if settings.endpoint:
        raise InvalidArgument("kg build writes files for a server's own loader; it does not take --endpoint")
    started = time.perf_counter()
    with ExitStack() as displays:

        def display(file: Path) -> LoadDisplay | None:
            displays.close()  # the previous file's bar
            shown = displays.enter_context(LoadDisplay(file, quiet))
            return shown if shown.shown else None

        report = building(files, out, base=settings.base, part_bytes=part_mib * 2**20, progress=display)
    if report_as is Output.json:
        emit_json(report.to_json())
        return
    typer.echo(
        f"built {len(files)} files into {report.quads:,} quads in {len(report.parts)} parts in {out} "
        f"(base {report.base}) in {time.perf_counter() - started:.1f} s; load them with "
        f"{out / 'load-oxigraph.sh'}, {out / 'load-virtuoso.sql'} or {out / 'Qleverfile'}"
    )


@app.command()
def sync(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="The folder of dump files the store should hold.")],
    dry_run: Annotated[bool, typer.Option(help="Say what would change; change nothing.")] = False,
    report_as: Annotated[Output, typer.Option("--report", help="text, or json for programs.")] = Output.text,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Bring the store in line with a folder: load new and changed files, drop graphs whose file is gone."""
    from kg.loader import drop as drop_graph
    from kg.loader import graph_name_for
    from kg.loader import load as load_file
    from kg.sync import plan as planning

    server = ctx.obj.server()
    with ctx.obj.open() as store:  # through the server, when one holds the store
        planned = planning(store, folder)
    if not dry_run:
        for file in planned.new + planned.changed:
            with LoadDisplay(file, quiet) as display:
                if server is not None:
                    follow = display.follow if display.shown else None
                    server.change("load", file, follow, graph=graph_name_for(file))
                else:
                    with ctx.obj.open_writable() as store:
                        load_file(store, file, progress=display if display.shown else None)
        for graph in planned.gone:
            if server is not None:
                server.change("drop", graph=graph)
            else:
                with ctx.obj.open_writable() as store:
                    drop_graph(store, graph)
    if report_as is Output.json:
        emit_json(planned.to_json() | {"dry_run": dry_run})
        return
    verb = {
        "new": "would load" if dry_run else "loaded",
        "changed": "would replace" if dry_run else "replaced",
    }
    for file in planned.new:
        typer.echo(f"{verb['new']} {file}")
    for file in planned.changed:
        typer.echo(f"{verb['changed']} {file}")
    for graph in planned.gone:
        typer.echo(f"{'would drop' if dry_run else 'dropped'} <{graph}>")
    typer.echo(f"{planned.summary()}{' (dry run)' if dry_run else ''}")


@app.command()
def drop(
    ctx: typer.Context,
    graph: Annotated[str, typer.Argument(help="The graph's name or IRI, or the path of the file loaded.")],
) -> None:
    """Remove a loaded source graph and what it brought."""
    from kg.loader import drop as drop_graph

    server = ctx.obj.server()
    if server is not None:  # kg serve holds the store: it carries the drop out
        typer.echo(f"dropped <{server.change('drop', graph=graph)['dropped']}>")
        return
    with ctx.obj.open_writable() as store:
        typer.echo(f"dropped <{drop_graph(store, graph).value}>")


@app.command()
def rebuild(ctx: typer.Context) -> None:
    """Derive everything again from the source graphs: after upgrading citekg, whose newer versions
    derive more (the consensus, ranks, explorer rows, paper behaviour and tallies)."""
    from kg.loader import rebuild as rebuild_derived

    if ctx.obj.server() is not None:
        raise StoreBusy("kg serve holds the store: stop it, run kg rebuild, then serve again")
    with stderr().status("deriving the consensus graph again"), ctx.obj.open_writable() as store:
        rebuild_derived(store)
    typer.echo("rebuilt the consensus graph")


@app.command()
def optimize(ctx: typer.Context) -> None:
    """Compact the store's database, for faster queries: a load does when it has doubled the store
    since the last time; run this after many smaller loads and drops."""
    if ctx.obj.server() is not None:
        raise StoreBusy("kg serve holds the store: stop it, run kg optimize, then serve again")
    started = time.perf_counter()
    with stderr().status("compacting the database"), ctx.obj.open_embedded("optimize") as store:
        store.optimize()
    typer.echo(f"compacted the database in {time.perf_counter() - started:.1f} s")


def render_hub(summary: "HubSummary") -> str:
    """The hub summary as a hub page reads: headline, role and polarity summaries, representatives."""
    from kg import hub as hubs

    paper = summary.paper
    ids = ", ".join(f"{scheme}:{value}" for scheme, values in paper.ids.items() for value in values)
    lines = [
        f"{paper.title or paper.iri}" + (f" ({paper.year})" if paper.year else ""),
        f"  {ids}",
        "",
        *summary.notice_lines,
        summary.headline,
        *summary.model_lines,
        f"{summary.citing_papers} citing papers · {summary.annotated} with a role · "
        f"{summary.unclassified} unclassified",
    ]
    for heading, shares in (("Citation roles", summary.roles), ("Citation polarity", summary.polarities)):
        if shares:
            lines += ["", heading]
            width = max(len(share.label) for share in shares)
            for share in shares:
                bar = "█" * round(share.share * 20)
                label = share.label.replace("_", " ")
                lines.append(
                    f"  {label:<{width}}  {share.count:>5}  {hubs.percent_text(share.share):>4}  {bar}"
                )
    if summary.representatives:
        lines += ["", "Representative citing papers"]
        for rep in summary.representatives:
            tags = ", ".join(t.replace("_", " ") for t in (rep.role, rep.polarity) if t)
            lines.append(
                f"  • {rep.title or rep.iri}"
                + (f" ({rep.year})" if rep.year else "")
                + (f" [{tags}]" if tags else "")
            )
            lines.append(f"    {rep.summary}")
    return "\n".join(lines)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="The address to bind; only this machine by default.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port.")] = 8000,
    update_token: Annotated[
        str | None,
        typer.Option(
            envvar="KG_UPDATE_TOKEN", help="Allow SPARQL Update for requests that carry this token."
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds a request's work may take; past it the work is stopped (503).")
    ] = 30.0,
    max_mib: Annotated[int, typer.Option(help="The largest answer, in MiB.")] = 64,
    request_deadline: Annotated[
        float, typer.Option(min=0.1, help="Seconds a request may take to arrive; slower ones get 408.")
    ] = 10.0,
    allow_service: Annotated[
        list[str] | None,
        typer.Option(help="Let SERVICE call endpoints whose IRI starts with this (repeatable); none if not."),
    ] = None,
    cors: Annotated[
        list[str] | None,
        typer.Option(help="Let scripts from this origin read the answers, e.g. a YASGUI page (repeatable)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Query worker processes of a read-only server (two per core).")
    ] = None,
) -> None:
    """Publish the store over HTTP: SPARQL 1.1 at /sparql, saved queries, hub pages (/docs lists all)."""
    import uvicorn

    from kg.serve import Settings as ServeSettings
    from kg.serve import create_app, server_config

    settings = ServeSettings(
        update_token=update_token,
        timeout=timeout,
        max_bytes=max_mib * 2**20,
        allow_service=tuple(allow_service or ()),
        cors=tuple(cors or ()),
        processes=workers,
        address=f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/",  # kg on this machine
    )
    chosen: Settings = ctx.obj
    with chosen.open_embedded("serve") as store:
        store.record_base()  # a new store is created with the base in force
    app = create_app(chosen.store, settings)
    stderr().print(f"serving {chosen.store} at http://{host}:{port}/ (SPARQL at /sparql)")
    uvicorn.Server(server_config(app, host, port, request_deadline)).run()


@app.command()
def config(ctx: typer.Context, output: FormatOption = Output.text) -> None:
    """The settings in force, and where each comes from (option, environment, config file, default)."""
    settings: Settings = ctx.obj
    sources: dict[str, str] = ctx.meta["sources"]
    shown = {
        name: ("***" if name == "password" and value else (str(value) if value is not None else None))
        for name, value in settings.as_dict().items()
    }
    if output is Output.json:
        emit_json({name: {"value": shown[name], "from": sources[name]} for name in SETTINGS})
        return
    backend = (
        f"remote endpoint {shown['endpoint']}" if shown["endpoint"] else f"embedded store {shown['store']}"
    )
    typer.echo(f"using the {backend}")
    for name in SETTINGS:
        typer.echo(f"{name:16} {shown[name] if shown[name] is not None else '-':40} ({sources[name]})")


annotate_app = typer.Typer(
    help="Citation-role models trained on your own labels: train, evaluate, run.", no_args_is_help=True
)
app.add_typer(annotate_app, name="annotate")
ModelOption = Annotated[str, typer.Option("--model", "-m", help="The model's name: letters, digits, . _ -")]


@annotate_app.command("train")
def annotate_train(
    ctx: typer.Context,
    model: ModelOption,
    files: Annotated[
        list[Path] | None,
        typer.Option("--from", help="Labelled contexts: native, scicite, acl-arc or multicite (repeatable)."),
    ] = None,
    annotators: Annotated[
        list[str] | None,
        typer.Option(
            "--from-annotator", help="An annotator in the store whose labels to learn (repeatable)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seeds the folds and the learner.")] = 0,  # annotate.DEFAULT_SEED
    folds: Annotated[int, typer.Option(min=2, help="Folds of the cross-validation.")] = 5,  # annotate.FOLDS
    output: FormatOption = Output.text,
) -> None:
    """Train a model of citation roles, measure it by cross-validation, keep it beside the store."""
    from kg import annotate

    with stderr().status(f"training {model}"), ctx.obj.open_writable() as store:
        report = annotate.train(store, model, files or [], annotators or [], seed=seed, folds=folds)
    if output is Output.json:
        emit_json(report.to_json())
        return
    sources = ", ".join(source.name for source in report.sources)
    typer.echo(
        f"trained {annotate.annotator_id(model)} on {report.contexts} labelled contexts from {sources}; "
        f"kept in {report.folder}\ncross-validated ({report.folds} folds, seed {report.seed}):"
    )
    typer.echo(render_scores("role", report.roles))
    if report.polarities is not None:
        typer.echo(render_scores("polarity", report.polarities))


@annotate_app.command("evaluate")
def annotate_evaluate(
    ctx: typer.Context,
    model: ModelOption,
    file: Annotated[Path, typer.Argument(help="Labelled contexts, in a format train reads.")],
    output: FormatOption = Output.text,
) -> None:
    """Precision, recall and F1 of a model on a labelled file, per role, and the macro F1."""
    from kg import annotate

    with stderr().status(f"evaluating {model} on {file}"), ctx.obj.open() as store:
        found = annotate.evaluate(store, model, file)
    if output is Output.json:
        emit_json(found.to_json())
        return
    typer.echo(f"{annotate.annotator_id(model)} on {found.contexts} labelled contexts of {file}:")
    typer.echo(render_scores("role", found.roles))
    if found.polarities is not None:
        typer.echo(render_scores("polarity", found.polarities))


@annotate_app.command("run")
def annotate_run(
    ctx: typer.Context,
    model: ModelOption,
    paper: Annotated[
        str | None, typer.Option(help="Only the citations of this paper (where it is cited), by any id.")
    ] = None,
    output: FormatOption = Output.text,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display, no summary.")] = False,
) -> None:
    """Label each citation with a context that no person judged, replacing the model's earlier labels."""
    from kg import annotate

    started = time.perf_counter()
    try:
        with (
            ctx.obj.open_writable() as store,
            LoadDisplay(Path(annotate.annotator_id(model)), quiet) as shown,
        ):
            report = annotate.run(store, model, paper, progress=shown if shown.shown else None)
    except KeyboardInterrupt:
        typer.echo(
            "interrupted: each graph a run changes changes whole or not at all; run it again", err=True
        )
        raise typer.Exit(130) from None
    if output is Output.json:
        emit_json(report.to_json())
    elif not quiet:
        typer.echo(f"{report.summary()} in {time.perf_counter() - started:.1f} s")


def render_scores(kind: str, scores: "Scores") -> str:
    """A table of precision, recall, F1 and support per label (``kg.annotate.Scores``), and the macro F1."""
    lines = [f"  {kind:<12} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}"]
    for label in scores.labels:
        lines.append(
            f"  {label.label.replace('_', ' '):<12} {label.precision:>9.2f} {label.recall:>7.2f} "
            f"{label.f1:>6.2f} {label.support:>8}"
        )
    lines.append(f"  {'macro F1':<12} {'':>9} {'':>7} {scores.macro_f1:>6.2f}")
    return "\n".join(lines)
