"""What every exercise shares: its declaration, the check's result, hints and display.

Each kind of exercise (``SQLQuery``, ``SQLState``, ``MongoQuery``, ``MongoState``,
``RedisTask``) subclasses :class:`Exercise` and implements two things: ``_is_placeholder``
(the learner has not answered yet) and ``_evaluate`` (run the answer and the reference, and
return what differs as a few short lines).

Strictness: ``ex.check(answer)`` never raises on a wrong answer, so a learner's notebook keeps
running; it prints the feedback and returns a :class:`CheckResult`. It raises
``AssertionError`` (with the same message) when called with ``strict=True``, or when the
environment has ``DBWB_STRICT_CHECKS=1`` (the test suite and nbval set it, so a committed
notebook whose reference solution stops passing fails its test).
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

PASS_MARK = "✓"
FAIL_MARK = "✗"
NO_MORE_HINTS = (
    "No more hints. Try the last step yourself; if you are still stuck, `ex.solution()` shows "
    "the reference answer (your progress will say you read it)."
)
ID_PATTERN = re.compile(r"^(?P<notebook>\d\d|[a-z][a-z0-9_]*)\.(?P<number>[0-9A-Za-z_]+)$")
TRUTHY = {"1", "true", "yes", "on"}
EMPTY_REFERENCE = (
    "The reference solution returns nothing, so an empty answer would pass: "
    "is the dataset loaded (`make seed`) and did the notebook's setup cell run?"
)


def strict_from_env() -> bool:
    return os.environ.get("DBWB_STRICT_CHECKS", "").strip().lower() in TRUTHY


class Feedback(Exception):
    """Raised inside ``_evaluate`` to stop with one message (a DB error, a timeout...)."""

    def __init__(self, *lines: str):
        super().__init__("\n".join(lines))
        self.lines = list(lines)


class AuthorError(Feedback):
    """The exercise's own declaration or reference solution is broken (not the learner's fault)."""


@dataclass
class CheckResult:
    """What ``check`` returns: ``passed``, the printed ``message``, and the exercise id."""

    exercise_id: str
    passed: bool
    message: str
    _shown_in: object = field(default=None, repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return self.message

    def _ipython_display_(self) -> None:
        # check() already printed the message in this cell: do not echo it as Out[n] too.
        if self._shown_in is not None and self._shown_in == _execution_count():
            return
        print(self.message)


def _execution_count():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    ip = get_ipython()
    return getattr(ip, "execution_count", None) if ip is not None else None


@dataclass(kw_only=True, repr=False)
class Exercise:
    """One exercise, declared once as data.

    id         "03.2": notebook 03, exercise 2 (the notebook's own objects are ``nb03``...)
    title      a short imperative title ("Find a user's five latest posts")
    task       markdown shown to the learner
    reference  the reference answer (same type as the learner's answer); ``solution()`` shows it
    hints      revealed one at a time by ``hint()``; the last one still leaves a step to the learner
    wrong      the red-team data: realistic wrong answers, each a :class:`Wrong` with a fragment its
               feedback must contain (``tests_after_notebooks/test_red_team.py`` runs them all)
    right      correct answers written differently from the reference: each must pass
    """

    id: str
    title: str
    task: str
    reference: object
    # Declared as lists or tuples (the catalogs write lists); kept as tuples (__post_init__).
    hints: Sequence[str] = ()
    wrong: Sequence[Wrong] = ()
    right: Sequence[Any] = ()

    kind = "exercise"
    answer_noun = "answer"

    def __post_init__(self):
        if not ID_PATTERN.match(self.id):
            raise ValueError(f"exercise id {self.id!r}: use 'NN.k' (e.g. '03.2')")
        self.hints = tuple(self.hints)
        self.wrong = tuple(self.wrong)
        self.right = tuple(self.right)
        self._hints_shown = 0

    # ------------------------------------------------------------------ identity & context
    @property
    def notebook(self) -> str:
        return self.id.split(".", 1)[0]

    def fresh(self) -> Exercise:
        """A copy with its own hint counter (what ``exercise(id)`` hands to a notebook).

        The counter starts where the learner left it: hints already read stay read when the
        exercise cell runs again (kept in the progress file, or in memory when it is off).
        """
        from . import progress

        clone = copy.copy(self)
        clone._hints_shown = min(progress.hints_shown(self.id), len(self.hints))
        return clone

    def _blank(self) -> Exercise:
        """A copy with no history (the test suite's checks): no hints read, nothing recorded."""
        clone = copy.copy(self)
        clone._hints_shown = 0
        return clone

    # ------------------------------------------------------------------ display
    def text(self) -> str:
        return f"Exercise {self.id} — {self.title}\n\n{self.task.strip()}\n"

    def _repr_markdown_(self) -> str:
        more = f" · `ex.hint()` reveals a hint ({len(self.hints)} available)" if self.hints else ""
        return (
            f"**Exercise {self.id} — {self.title}**\n\n{self.task.strip()}\n\n"
            f"*Check your answer with `ex.check(answer)`{more}.*"
        )

    def __repr__(self) -> str:
        return self.text()

    def show(self) -> None:
        """Show the title and task (as markdown in a notebook, as text elsewhere)."""
        try:
            from IPython import get_ipython
            from IPython.display import Markdown, display
        except ImportError:  # pragma: no cover
            print(self.text())
            return
        if get_ipython() is None:
            print(self.text())
        else:
            display(Markdown(self._repr_markdown_()))

    # ------------------------------------------------------------------ hints
    def hint(self) -> None:
        """Print the next hint ("Hint 1/3: ..."), then say there are no more."""
        from . import progress

        if self._hints_shown < len(self.hints):
            self._hints_shown += 1
            progress.record_hint(self, self._hints_shown)
            print(f"Hint {self._hints_shown}/{len(self.hints)}: {self.hints[self._hints_shown - 1]}")
        else:
            print(NO_MORE_HINTS)

    # ------------------------------------------------------------------ the answer, on request
    def solution(self, *, force: bool = False) -> None:
        """Show the reference answer: after at least one attempt, or once every hint was read.

        Progress records that it was revealed, so "passed" and "passed after reading the answer"
        stay apart. ``force=True`` shows it anyway (instructors, authors).
        """
        from . import progress

        entry = progress.entry(self.id)
        attempted = int(entry.get("attempts", 0)) > 0
        all_hints = self._hints_shown >= len(self.hints)
        if not (force or attempted or all_hints):
            left = len(self.hints) - self._hints_shown
            print(
                f"Not yet: check an answer of your own first (`ex.check(answer)`), or read the "
                f"{left} hint(s) left (`ex.hint()`). Then `ex.solution()` shows the reference answer."
            )
            return
        progress.record_reveal(self)
        print(f"Reference answer for {self.id} — {self.title} (recorded as revealed in your progress):\n")
        print(render_answer(self.reference))

    # ------------------------------------------------------------------ checking
    def check(
        self, answer=None, *, strict: bool | None = None, quiet: bool = False, record: bool = True
    ) -> CheckResult:
        """Check ``answer``: print one short block of feedback and return a CheckResult.

        strict  raise AssertionError when the answer fails (default: DBWB_STRICT_CHECKS=1)
        quiet   do not print (the result still carries the message)
        record  write the outcome to the progress file (see dbworkbook.exercises.progress)
        """
        if strict is None:
            strict = strict_from_env()
        result = self.evaluate(answer)
        if record:
            from . import progress

            progress.record(self, result.passed)
        if not result.passed and strict:
            raise AssertionError(result.message)
        if not quiet:
            print(result.message)
            result._shown_in = _execution_count()
        return result

    def red_team(self) -> list[str]:
        """Run the declared wrong and alternative-right answers; one line per problem (empty: all good)."""
        problems = []
        for i, bad in enumerate(self.wrong, 1):
            result = self._blank().check(bad.answer, strict=False, quiet=True, record=False)
            if result.passed:
                problems.append(f"{self.id} wrong answer {i} ({bad.why or bad.says}) passes its check")
            elif bad.says.lower() not in result.message.lower():
                problems.append(f"{self.id} wrong answer {i}: the feedback lacks {bad.says!r}:\n{result.message}")
        for i, good in enumerate(self.right, 1):
            result = self._blank().check(good, strict=False, quiet=True, record=False)
            if not result.passed:
                problems.append(f"{self.id} alternative answer {i} is refused:\n{result.message}")
        return problems

    def assert_passes(self, answer=None) -> CheckResult:
        """``check(answer, strict=True)``: raise AssertionError unless the answer passes."""
        return self.check(answer, strict=True)

    def evaluate(self, answer) -> CheckResult:
        """Run the check without printing, recording or raising."""
        from ..connect import ConnectionFailed

        head_fail = f"{FAIL_MARK} {self.id} not yet — {self.title}"
        if self._is_placeholder(answer):
            lines = [f"You have not written an answer yet: replace the placeholder with your {self.answer_noun}."]
            return CheckResult(self.id, False, _block(head_fail, lines))
        try:
            lines = self._evaluate(answer)
        except AuthorError as exc:
            lines = ["This exercise's reference solution does not run (a bug in the workbook, please report it):"]
            return CheckResult(
                self.id, False, _block(f"{FAIL_MARK} {self.id} could not be checked — {self.title}", lines + exc.lines)
            )
        except Feedback as exc:
            lines = exc.lines
        except ConnectionFailed as exc:
            return CheckResult(
                self.id, False, _block(f"{FAIL_MARK} {self.id} could not be checked — {self.title}", [str(exc)])
            )
        except Exception as exc:
            return CheckResult(
                self.id,
                False,
                _block(
                    f"{FAIL_MARK} {self.id} could not be checked — {self.title}",
                    ["The checker failed: " + python_error_line(exc)],
                ),
            )
        if not lines:
            return CheckResult(self.id, True, f"{PASS_MARK} {self.id} passed — {self.title}")
        if self.hints and self._hints_shown < len(self.hints):
            lines = [*lines, "Stuck? ex.hint() reveals a hint."]
        return CheckResult(self.id, False, _block(head_fail, lines))

    # ------------------------------------------------------------------ for subclasses
    def _is_placeholder(self, answer) -> bool:
        return is_empty(answer)

    def _evaluate(self, answer) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Wrong:
    """A realistic wrong answer (red-team data): ``says`` is a fragment its feedback must contain,
    ``why`` what the mistake reveals (the instructor guide lists them)."""

    answer: object
    says: str
    why: str = ""


def render_answer(answer) -> str:
    """The reference answer as a learner would type it (SQL text, a pipeline, a function's source)."""
    import inspect
    import pprint

    if isinstance(answer, str):
        return answer.strip()
    if callable(answer):
        try:
            source = inspect.getsource(answer)
        except (OSError, TypeError):
            return repr(answer)
        import textwrap

        return textwrap.dedent(source).strip()
    return pprint.pformat(answer, width=100, sort_dicts=False)


def _block(head: str, lines: list[str]) -> str:
    body: list[str] = []
    for line in lines:
        body.extend("  " + part for part in str(line).splitlines())
    return "\n".join([head, *body])


def is_empty(answer) -> bool:
    """None, ``...``, an empty string/dict/list, or a function whose body is only ``...``."""
    if answer is None or answer is Ellipsis:
        return True
    if isinstance(answer, (str, dict, list, tuple)) and len(answer) == 0:
        return True
    if isinstance(answer, str) and not answer.strip():
        return True
    return bool(callable(answer) and is_stub(answer))


def is_stub(func) -> bool:
    """A function whose body does nothing (``...`` or ``pass``, maybe after a docstring)."""
    import dis

    code = getattr(func, "__code__", None)
    if code is None or code.co_names:
        return False
    for ins in dis.get_instructions(code):
        if ins.opname in ("RESUME", "NOP", "RETURN_VALUE", "CACHE"):
            continue
        if ins.opname in ("LOAD_CONST", "RETURN_CONST") and ins.argval is None:
            continue
        return False
    return True


def db_error_lines(exc: BaseException, limit: int = 3) -> list[str]:
    """The first lines of a database error, without the driver's noise."""
    details = getattr(exc, "details", None)
    if isinstance(details, dict) and details.get("errmsg"):
        text = str(details["errmsg"])
    else:
        text = str(exc)
        text = text.split(", full error:")[0]
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return lines[:limit] or [type(exc).__name__]


def python_error_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def seconds(value: float) -> str:
    return f"{value:g} s"
