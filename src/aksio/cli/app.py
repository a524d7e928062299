"""Command definitions. Each command opens the facade, does one user action, and prints."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from aksio.cli.output import console, err_console, markup, print_json, short
from aksio.control_chars import printable

if TYPE_CHECKING:
    from aksio.service import Aksio

app = typer.Typer(
    name="aksio",
    help="Aksio: turn your course material into grounded flashcards and study it, offline, in the terminal.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
course_app = typer.Typer(help="Create, list, show, edit and delete courses.", no_args_is_help=True)
doc_app = typer.Typer(help="List, show and delete imported documents.", no_args_is_help=True)
config_app = typer.Typer(help="Show and change settings.", no_args_is_help=True)
app.add_typer(course_app, name="course")
app.add_typer(doc_app, name="doc")
app.add_typer(config_app, name="config")

_state: dict[str, Path | None] = {"home": None}

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document (keys documented in README).")]
CourseOpt = Annotated[Optional[str], typer.Option("--course", "-c", help="Course name, code or id.")]  # noqa: UP045
TagOpt = Annotated[Optional[list[str]], typer.Option("--tag", "-t", help="Tag (repeat, or comma-separated).")]  # noqa: UP045


def _version(value: bool) -> None:
    if value:
        from aksio import __version__

        typer.echo(f"aksio {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    home: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional at runtime on 3.11
        typer.Option("--home", envvar="AKSIO_HOME", help="Data dir (default: your user data dir).", show_envvar=True),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    _state["home"] = home


def _open() -> Aksio:
    from aksio.service import Aksio

    return Aksio.open(_state["home"])


# -- courses --------------------------------------------------------------------------------------


@course_app.command("add")
def course_add(
    name: Annotated[str, typer.Argument(help="Course name.")],
    code: Annotated[Optional[str], typer.Option(help="Course code, e.g. CS162.")] = None,  # noqa: UP045
    exam_date: Annotated[Optional[str], typer.Option(help="Exam date, YYYY-MM-DD.")] = None,  # noqa: UP045
    description: Annotated[str, typer.Option(help="What the course is about.")] = "",
    tag: TagOpt = None,
    json: JsonOpt = False,
) -> None:
    """Create a course."""
    with _open() as aksio:
        course = aksio.add_course(name, code=code, exam_date=exam_date, description=description, tags=tag or [])
    if json:
        print_json(course)
        return
    console().print(markup("Created course [bold]{}[/] ({}).", course.name, short(course.id)))
    console().print(f"Next: aksio import PATH... --course {_quote(course.name)}")


@course_app.command("list")
def course_list(json: JsonOpt = False) -> None:
    """List courses with their documents and pages."""
    with _open() as aksio:
        courses = aksio.courses()
    if json:
        print_json({"courses": courses})
        return
    if not courses:
        console().print("No courses yet. Create one: aksio course add NAME")
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("id", "name", "code", "exam", "docs", "pages", "tags"):
        table.add_column(col, justify="right" if col in ("docs", "pages") else "left")
    for c in courses:
        table.add_row(
            short(c.id),
            c.name,
            c.code or "",
            c.exam_date.isoformat() if c.exam_date else "",
            str(c.document_count),
            str(c.page_count),
            ", ".join(c.tags),
        )
    console().print(table)


@course_app.command("show")
def course_show(course: Annotated[str, typer.Argument(help="Course name, code or id.")], json: JsonOpt = False) -> None:
    """Show a course and its documents."""
    with _open() as aksio:
        found = aksio.course(course)
        docs = aksio.documents(found.id)
    if json:
        print_json({"course": found, "documents": docs})
        return
    out = console()
    out.print(markup("[bold]{}[/]{}  id {}", found.name, f"  ({found.code})" if found.code else "", found.id))
    if found.description:
        out.print(found.description)
    if found.exam_date:
        out.print(f"Exam: {found.exam_date.isoformat()}")
    if found.tags:
        out.print("Tags: " + ", ".join(found.tags))
    out.print(f"Documents: {found.document_count}, pages: {found.page_count}")
    for d in docs:
        out.print(
            markup(
                "  {}  {}  [dim]{}, {} pages, {} sections[/]",
                short(d.id),
                d.title,
                d.kind,
                d.page_count,
                d.section_count,
            )
        )


@course_app.command("edit")
def course_edit(
    course: Annotated[str, typer.Argument(help="Course name, code or id.")],
    name: Annotated[Optional[str], typer.Option(help="New name.")] = None,  # noqa: UP045
    code: Annotated[Optional[str], typer.Option(help="New code ('' clears it).")] = None,  # noqa: UP045
    exam_date: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD, or 'none' to clear.")] = None,  # noqa: UP045
    description: Annotated[Optional[str], typer.Option(help="New description.")] = None,  # noqa: UP045
    tag: TagOpt = None,
    untag: Annotated[Optional[list[str]], typer.Option(help="Remove a tag.")] = None,  # noqa: UP045
    retention: Annotated[
        Optional[float], typer.Option(help="Desired retention for reviews, 0.70-0.99.")  # noqa: UP045
    ] = None,
    new_per_day: Annotated[Optional[int], typer.Option(help="New cards per day in this course.")] = None,  # noqa: UP045
    max_interval: Annotated[Optional[int], typer.Option(help="Longest interval, in days.")] = None,  # noqa: UP045
    learning_steps: Annotated[
        Optional[str], typer.Option(help="Learning steps in minutes, e.g. 1,10.")  # noqa: UP045
    ] = None,
    relearning_steps: Annotated[
        Optional[str], typer.Option(help="Relearning steps in minutes, e.g. 10.")  # noqa: UP045
    ] = None,
    fuzz: Annotated[
        Optional[bool], typer.Option("--fuzz/--no-fuzz", help="Spread due dates a little.")  # noqa: UP045
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Change a course's name, code, exam date, description, tags or scheduling options."""
    from aksio.service import _UNSET

    with _open() as aksio:
        updated = aksio.edit_course(
            course,
            name=name,
            code=_UNSET if code is None else code,
            exam_date=_UNSET if exam_date is None else exam_date,
            description=description,
            add_tags=tag or [],
            remove_tags=untag or [],
            desired_retention=retention,
            daily_new_limit=new_per_day,
            scheduling=_scheduling_options(max_interval, learning_steps, relearning_steps, fuzz),
        )
    if json:
        print_json(updated)
        return
    console().print(markup("Updated course [bold]{}[/] ({}).", updated.name, short(updated.id)))


def _scheduling_options(
    max_interval: int | None, learning: str | None, relearning: str | None, fuzz: bool | None
) -> dict[str, object]:
    from aksio.errors import InvalidInput

    def minutes(text: str, what: str) -> list[int]:
        try:
            return [int(x.strip().rstrip("m")) for x in text.split(",") if x.strip()]
        except ValueError:
            raise InvalidInput(f"{what} {text!r}: give minutes separated by commas, e.g. 1,10") from None

    out: dict[str, object] = {}
    if max_interval is not None:
        out["maximum_interval"] = max_interval
    if learning is not None:
        out["learning_steps"] = minutes(learning, "--learning-steps")
    if relearning is not None:
        out["relearning_steps"] = minutes(relearning, "--relearning-steps")
    if fuzz is not None:
        out["fuzz"] = fuzz
    return out


@course_app.command("rm")
def course_rm(
    course: Annotated[str, typer.Argument(help="Course name, code or id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    json: JsonOpt = False,
) -> None:
    """Delete a course and everything in it."""
    import sys

    from aksio.errors import InvalidInput

    with _open() as aksio:
        found = aksio.course(course)
        if not yes:
            if not sys.stdin.isatty():
                raise InvalidInput(f"deleting {found.name!r} needs confirmation: pass --yes")
            typer.confirm(
                f"Delete course {found.name!r} with its {found.document_count} documents?",
                abort=True,
                err=True,
            )
        deleted, n_docs = aksio.delete_course(found.id)
    if json:
        print_json({"deleted": deleted, "documents_deleted": n_docs})
        return
    console().print(markup("Deleted course [bold]{}[/] and {} document(s).", deleted.name, n_docs))


# -- documents ------------------------------------------------------------------------------------


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (searched recursively).", readable=False)],
    course: Annotated[str, typer.Option("--course", "-c", help="Course name, code or id.")],
    tag: TagOpt = None,
    json: JsonOpt = False,
) -> None:
    """Import PDF, EPUB, Markdown, text and HTML files into a course."""
    from aksio.cli.progress import ImportBar

    with _open() as aksio, ImportBar(enabled=not json) as bar:
        report = aksio.import_paths(paths, course, tags=tag or [], progress=bar.update)
    if json:
        print_json(report)
    else:
        out = console()
        for f in report.imported:
            line = markup(
                "[green]imported[/] {}: {}, {} pages, {} sections, {} chunks",
                *(f.path, repr(f.title), f.page_count, f.section_count, f.chunk_count),
            )
            if f.warnings:
                line.append_text(markup("  [yellow]({})[/]", "; ".join(f.warnings)))
            out.print(line)
        for s in report.skipped:
            out.print(markup("[yellow]skipped[/] {}: {}", s.path, s.reason))
        if report.imported:
            out.print(
                f"{len(report.imported)} imported into {report.course_name}. "
                f"Next: aksio doc list --course {_quote(report.course_name)}"
            )
    # failures go to stderr in both modes, one line each, so a script sees them without parsing the JSON
    for failed in report.failed:
        one_line = printable(f"{failed.path}: {failed.reason}", lines=False)
        err_console().print(markup("[red]error[/]: {}", one_line), soft_wrap=True)
    if report.failed and not report.imported:
        raise typer.Exit(1)


@doc_app.command("list")
def doc_list(course: CourseOpt = None, json: JsonOpt = False) -> None:
    """List documents, all or one course's."""
    with _open() as aksio:
        docs = aksio.documents(course)
    if json:
        print_json({"documents": docs})
        return
    if not docs:
        console().print("No documents. Import some: aksio import PATH... --course COURSE")
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("id", "course", "title", "kind", "pages", "sections", "file"):
        table.add_column(col, justify="right" if col in ("pages", "sections") else "left")
    for d in docs:
        table.add_row(short(d.id), d.course_name, d.title, d.kind, str(d.page_count), str(d.section_count), d.filename)
    console().print(table)


@doc_app.command("show")
def doc_show(
    document: Annotated[str, typer.Argument(help="Document id, title or file name.")],
    course: CourseOpt = None,
    json: JsonOpt = False,
) -> None:
    """Show a document and its sections with page ranges."""
    with _open() as aksio:
        doc = aksio.document(document, course)
    if json:
        print_json(doc)
        return
    from rich.tree import Tree

    from aksio.models import Section

    def pages(s: Section) -> str:
        return f"p. {s.page_start}" if s.page_start == s.page_end else f"pp. {s.page_start}–{s.page_end}"

    tree = Tree(
        markup("[bold]{}[/]  [dim]{}, {} pages, course {}[/]", doc.title, doc.kind, doc.page_count, doc.course_name)
    )

    def add(node: Tree, sections: list[Section]) -> None:
        for s in sections:
            add(node.add(markup("{}  [dim]{}[/]", s.title, pages(s))), s.children)

    add(tree, doc.sections)
    if not doc.sections:
        tree.add(markup("[dim](no sections found: the whole document is one part)[/]"))
    console().print(tree)
    console().print(markup("[dim]id {}  file {}  sha256 {}…[/]", doc.id, doc.filename, doc.sha256[:16]))


@doc_app.command("rm")
def doc_rm(
    document: Annotated[str, typer.Argument(help="Document id, title or file name.")],
    course: CourseOpt = None,
    json: JsonOpt = False,
) -> None:
    """Delete a document (its sections and search entries go with it)."""
    with _open() as aksio:
        doc = aksio.delete_document(document, course)
    if json:
        print_json({"deleted": doc})
        return
    console().print(markup("Deleted document [bold]{}[/] from {}.", doc.title, doc.course_name))


# -- search ---------------------------------------------------------------------------------------


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Words to find; any characters are fine.")],
    course: CourseOpt = None,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", help="Most hits to show.")] = None,  # noqa: UP045
    json: JsonOpt = False,
) -> None:
    """Search the text of your documents (best matches first, with page numbers)."""
    with _open() as aksio:
        hits = aksio.search(query, course, limit)
        notice = aksio.search_notice(query)
    if notice:  # on stderr in both modes: the JSON on stdout stays as it was
        err_console().print(markup("[yellow]note[/]: {}", notice))
    if json:
        print_json({"query": query, "hits": hits})
        return
    if not hits:
        console().print(f"No matches for {query!r}.")
        return
    from rich.text import Text

    out = console()
    for i, h in enumerate(hits, start=1):
        where = f"{h.document_title}" + (f" › {h.section_title}" if h.section_title else "")
        out.print(markup("[bold]{}.[/] {}  [cyan]p. {}[/]  [dim]{}[/]", i, where, h.page, h.course_name))
        snippet, done = Text("   "), 0
        for start, end in h.highlights:  # each piece escaped on its own: an escape is longer than its character
            snippet.append(printable(h.snippet[done:start])).append(printable(h.snippet[start:end]), "bold reverse")
            done = end
        out.print(snippet.append(printable(h.snippet[done:])))


# -- config ---------------------------------------------------------------------------------------


@config_app.command("show")
def config_show(json: JsonOpt = False) -> None:
    """Show every setting with its current value."""
    from aksio.config import Paths, load_settings, settings_as_dict

    paths = Paths(_state["home"])
    data = settings_as_dict(load_settings(paths))
    if json:
        print_json({"config_file": str(paths.config_file), "data_dir": str(paths.home), "settings": data})
        return
    out = console()
    out.print(markup("[dim]# {}[/]", paths.config_file))

    def walk(prefix: str, node: dict[str, object]) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk(f"{prefix}{key}.", value)
            else:
                out.print(f"{prefix}{key} = {value!r}")

    walk("", data)


@config_app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(help="Setting, e.g. search.limit")],
    value: Annotated[str, typer.Argument(help="New value.")],
) -> None:
    """Change a setting in the config file (validated first)."""
    from aksio.config import Paths, set_value

    paths = Paths(_state["home"])
    stored = set_value(paths, key, value)
    console().print(markup("{} = {}  [dim]({})[/]", key, repr(stored), paths.config_file))


@config_app.command("path")
def config_path() -> None:
    """Print where the config file and the data live."""
    from aksio.config import Paths

    paths = Paths(_state["home"])
    typer.echo(printable(f"config: {paths.config_file}"))
    typer.echo(printable(f"data:   {paths.home}"))


# -- demo -----------------------------------------------------------------------------------------


@app.command("demo")
def demo(
    json: JsonOpt = False,
    no_app: Annotated[bool, typer.Option("--no-app", help="Print what to try instead of opening the app.")] = False,
) -> None:
    """Create a demo course from a sample document that ships with Aksio (cards generated offline), then open
    the app on it (in a terminal) or say what to try."""
    import sys

    from aksio.demo import ensure_demo

    with _open() as aksio:
        result = ensure_demo(aksio)
    if json:
        print_json(result)
        return
    if not no_app and sys.stdin.isatty() and sys.stdout.isatty():
        _run_tui(result["course"]["id"], start="course")
        return
    out = console()
    out.print(markup("Demo course [bold]{}[/] is ready in {}", result["course"]["name"], result["data_dir"]))
    out.print(
        f"  {result['document']['title']}: {result['document']['page_count']} pages, "
        f"{result['document']['section_count']} sections, {result['cards']} flashcards citing their source"
        + (f" ({result['generated']} made by the offline generator)" if result["generated"] else "")
    )
    name = _quote(result["course"]["name"])
    out.print("Try:")
    out.print(f"  aksio study --course {name}")
    out.print(f"  aksio card list --origin generated --course {name}")
    out.print(f"  aksio generate questions --course {name}")
    out.print(f"  aksio doc show {_quote(result['document']['title'])}")
    out.print(f"  aksio search 'page replacement' --course {name}")
    out.print(f"  aksio search 进程 --course {name}")
    out.print(f"  aksio import ~/lectures --course {name}")


@app.command("tui")
def tui(course: CourseOpt = None) -> None:
    """Open the terminal app (what `aksio` alone does in a terminal)."""
    _run_tui(course)


def _run_tui(course: str | None, start: str = "dashboard") -> None:
    from aksio.cli.frontends import open_app

    open_app(_state["home"], course, start)


@app.command("web")
def web(
    port: Annotated[int, typer.Option("--port", help="Port to listen on (1-65535).")] = 8000,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; other than 127.0.0.1, other machines can reach it.")
    ] = "127.0.0.1",
) -> None:
    """Serve the terminal app to a browser (textual-serve) at an address holding a secret made for this run."""
    import shlex
    import sys

    from aksio.cli.frontends import frontend
    from aksio.errors import InvalidInput

    if not 1 <= port <= 65535:
        raise InvalidInput(f"--port {port}: a port is a number from 1 to 65535")
    serve = frontend("web")
    home = _state["home"]
    command = f"{shlex.quote(sys.executable)} -m aksio.cli"
    if home is not None:
        command += f" --home {shlex.quote(str(home))}"
    command += " tui"
    serve(command, port, host)


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


from aksio.cli import cards as _cards  # noqa: E402, F401 - registers the card commands
from aksio.cli import generate as _generate  # noqa: E402, F401 - registers the generation commands
from aksio.cli import sync as _sync  # noqa: E402, F401 - registers the sync commands
