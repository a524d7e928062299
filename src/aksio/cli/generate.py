"""Generation commands: cards and quiz questions from a course's documents, the model's status, curation."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from aksio.cli.app import CourseOpt, JsonOpt, _open, app
from aksio.cli.cards import card_app
from aksio.cli.output import console, err_console, markup, print_json, short
from aksio.control_chars import printable
from aksio.errors import InvalidInput

if TYPE_CHECKING:
    from aksio.generation import GenerationReport

generate_app = typer.Typer(help="Generate grounded flashcards and quiz questions from a course.", no_args_is_help=True)
llm_app = typer.Typer(help="The language model: what is configured and whether it answers.", no_args_is_help=True)
question_app = typer.Typer(help="List quiz questions.", no_args_is_help=True)
app.add_typer(generate_app, name="generate")
app.add_typer(llm_app, name="llm")
app.add_typer(question_app, name="question")

CourseReq = Annotated[str, typer.Option("--course", "-c", help="Course name, code or id.")]
DocOpt = Annotated[Optional[str], typer.Option("--document", "-d", help="Only this document.")]  # noqa: UP045
SectionOpt = Annotated[
    Optional[str], typer.Option("--section", "-s", help="Only this section (title or id).")  # noqa: UP045
]
PerSectionOpt = Annotated[int, typer.Option("--per-section", "-n", help="Items asked for per section.")]
ProviderOpt = Annotated[
    Optional[str], typer.Option("--provider", "-p", help="offline, ollama or openai (default: config).")  # noqa: UP045
]
ModelOpt = Annotated[Optional[str], typer.Option("--model", "-m", help="Model name (default: config).")]  # noqa: UP045
ConcurrencyOpt = Annotated[
    Optional[int], typer.Option("--concurrency", "-k", help="Model calls at once (default: config).")  # noqa: UP045
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Generate and check, store nothing.")]
SHOWN_ITEMS = 5  # items a report prints without --show
ShowOpt = Annotated[bool, typer.Option("--show", help=f"Print every item made, not only the first {SHOWN_ITEMS}.")]
OriginOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--origin", help="generated, offline, a provider (ollama) or provider/model."),
]


@generate_app.command("cards")
def generate_cards(
    course: CourseReq,
    document: DocOpt = None,
    section: SectionOpt = None,
    per_section: PerSectionOpt = 5,
    kind: Annotated[str, typer.Option("--kind", help="basic, cloze or mixed.")] = "mixed",
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    concurrency: ConcurrencyOpt = None,
    dry_run: DryRunOpt = False,
    hold: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option(
            "--hold/--no-hold",
            help="Keep the cards out of study until `aksio card accept` (default: the generate.hold setting, on).",
        ),
    ] = None,
    show: ShowOpt = False,
    json: JsonOpt = False,
) -> None:
    """Generate flashcards, each citing the page and sentence it comes from. Rerun to resume."""
    _generate(
        "cards", course, document, section, per_section, kind, provider, model, concurrency, dry_run, hold, json, show
    )


@generate_app.command("questions")
def generate_questions(
    course: CourseReq,
    document: DocOpt = None,
    section: SectionOpt = None,
    per_section: PerSectionOpt = 3,
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    concurrency: ConcurrencyOpt = None,
    dry_run: DryRunOpt = False,
    show: ShowOpt = False,
    json: JsonOpt = False,
) -> None:
    """Generate quiz questions (multiple choice, true/false, short answer), each citing its source."""
    _generate(
        "questions",
        course,
        document,
        section,
        per_section,
        "mixed",
        provider,
        model,
        concurrency,
        dry_run,
        False,
        json,
        show,
    )


def _generate(
    what: str,
    course: str,
    document: str | None,
    section: str | None,
    per_section: int,
    kind: str,
    provider: str | None,
    model: str | None,
    concurrency: int | None,
    dry_run: bool,
    hold: bool | None,
    json: bool,
    show: bool,
) -> None:
    from aksio.cli.progress import GenerateBar

    with _open() as aksio, GenerateBar(enabled=not json) as bar, _second_interrupt_exits():
        report = aksio.generate(
            "cards" if what == "cards" else "questions",
            course,
            document=document,
            section=section,
            per_section=per_section,
            kind=kind,  # type: ignore[arg-type]  # checked by generate()
            provider=provider,
            model=model,
            concurrency=concurrency,
            dry_run=dry_run,
            hold=hold,
            progress=bar.update,
        )
    if json:
        print_json(report)
    else:
        _print_report(report, len(report.items) if show else SHOWN_ITEMS)
    if report.interrupted:
        done = report.parts_done + report.parts_resumed
        err_console().print(
            f"interrupted: {done} of {report.parts} part(s) done, rerun the same command to resume", soft_wrap=True
        )
        raise typer.Exit(130)
    if report.kept == 0 and report.parts_done == 0 and report.parts_resumed == 0:
        # the commonest reason, so that one line says why (a timeout, a wrong base_url...)
        why = max(report.model_errors, key=report.model_errors.__getitem__, default="")
        line = markup("[red]error[/]: the model gave nothing usable for any of {} section part(s)", report.parts)
        err_console().print(line.append(f": {printable(why, lines=False)}" if why else ""), soft_wrap=True)
        raise typer.Exit(1)


@contextmanager
def _second_interrupt_exits() -> Iterator[None]:
    """Ctrl-C stops the batch as usual (finished parts are committed); a second one ends the process at once and
    quietly, whatever it is doing: with nothing half-written to lose, waiting for a clean exit helps nobody."""
    if threading.current_thread() is not threading.main_thread():  # signal handlers belong to the main thread
        yield
        return

    def first(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, lambda *_: os._exit(130))
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) is first:  # after a Ctrl-C the second one's handler stays to the end
            signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def _print_report(report: GenerationReport, shown: int) -> None:
    """The report's figures, after its first ``shown`` items: a course's worth of cards is not read in a terminal."""
    from aksio.generate.checks import REASONS

    out = console()
    noun = "card" if report.what == "cards" else "question"
    for item in report.items[:shown]:
        head = f"{short(item.id)}  " if item.id else ""
        out.print(markup("{}[dim]p{:<4}[/] {}  [dim]→[/] {}", head, item.page, item.front, item.back or "(cloze)"))
    if len(report.items) > shown:
        where = (
            "" if report.dry_run else f"; all of them: aksio {report.what[:-1]} list --course {short(report.course_id)}"
        )
        out.print(markup("[dim]… and {} more (--show prints every one{})[/]", len(report.items) - shown, where))
    done = "would keep" if report.dry_run else "kept"
    line = markup(
        "{}: {} {} {}(s) from {} part(s) of {}",
        report.generator,
        done,
        report.kept,
        noun,
        report.parts_done,
        report.parts,
    )
    if report.parts_resumed:
        line.append(f", {report.parts_resumed} already done earlier")
    if report.parts_failed:
        line.append_text(markup(", [yellow]{} failed[/] (rerun to retry)", report.parts_failed))
    out.print(line)
    described = dict(REASONS)
    for reason, count in sorted(report.rejected.items(), key=lambda kv: -kv[1]):
        why = described.get(reason, "the model's answer was unusable" if reason == "model_error" else reason)  # type: ignore[call-overload]
        out.print(f"  rejected {count}: {reason} ({why})")
    for message, count in sorted(report.model_errors.items(), key=lambda kv: -kv[1])[:3]:
        out.print(f"    {count} part(s): {printable(message, lines=False)}")
    if report.calls or report.cached:
        out.print(
            f"  {report.calls} model call(s), {report.cached} from cache, "
            f"{report.prompt_tokens} prompt + {report.completion_tokens} completion tokens, {report.seconds:.1f} s"
        )
    if report.held and report.kept:
        out.print(
            f"Held for review: aksio card list --pending --course {short(report.course_id)}, then aksio card accept "
            "or card reject (--no-hold, or `aksio config set generate.hold false`, puts them straight into study)"
        )


@llm_app.command("status")
def llm_status(provider: ProviderOpt = None, model: ModelOpt = None, json: JsonOpt = False) -> None:
    """Say which model is configured and whether its server answers (and, for Ollama, has the model)."""
    with _open() as aksio:
        status = aksio.llm_status(provider, model)
    if json:
        print_json(status)
    else:
        out = console()
        out.print(f"provider {status.provider}  model {status.model or '-'}  url {status.base_url or '-'}")
        out.print(status.message)
    if not status.reachable or status.model_available is False:
        raise typer.Exit(1)


@card_app.command("accept")
def card_accept(
    cards: Annotated[Optional[list[str]], typer.Argument(help="Card ids; none: every held card matching.")] = None,  # noqa: UP045
    course: CourseOpt = None,
    origin: OriginOpt = None,
    json: JsonOpt = False,
) -> None:
    """Accept held (generated with --hold) cards into study, in bulk."""
    if not cards and not course and not origin:
        raise InvalidInput("name the cards, or give --course and/or --origin")
    with _open() as aksio:
        count = aksio.accept_cards(course, origin=origin, cards=cards or [])
    if json:
        print_json({"accepted_notes": count})
    else:
        console().print(f"accepted {count} note(s)")


@card_app.command("reject")
def card_reject(
    cards: Annotated[Optional[list[str]], typer.Argument(help="Card ids; none: every held card matching.")] = None,  # noqa: UP045
    course: CourseOpt = None,
    origin: OriginOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Also cards already accepted (not only held ones).")] = False,
    json: JsonOpt = False,
) -> None:
    """Delete generated cards in bulk: the held ones, or with --all every one matching. One transaction."""
    if not cards and not course and not origin:
        raise InvalidInput("name the cards, or give --course and/or --origin")
    with _open() as aksio:
        count = aksio.reject_cards(course, origin=origin, cards=cards or [], pending=not all_)
    if json:
        print_json({"rejected_notes": count})
    else:
        console().print(f"rejected {count} note(s)")


@question_app.command("list")
def question_list(
    course: CourseOpt = None,
    origin: OriginOpt = None,
    limit: Annotated[Optional[int], typer.Option("--limit", help="At most this many.")] = None,  # noqa: UP045
    json: JsonOpt = False,
) -> None:
    """List quiz questions with their answers and sources."""
    with _open() as aksio:
        found = aksio.questions(course, origin=origin, limit=limit)
    if json:
        print_json({"questions": found})
        return
    out = console()
    for q in found:
        line = markup("{}  [dim]{:<15}[/] {}", short(q["id"]), q["kind"], q["prompt"])
        if q["choices"]:
            line.append_text(markup("  [dim]{}[/]", " | ".join(q["choices"])))
        out.print(line)
        out.print(markup("          [green]{}[/]  [dim]p{}[/]", q["answer"], q["source_page"]))
    out.print(markup("[dim]{} question(s)[/]", len(found)))
