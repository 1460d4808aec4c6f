"""Pages of the guide made from other files: sections of the READMEs included by reference (one text, two
places), and the saved-query catalogue from ``queries/``."""

from __future__ import annotations

import re
from pathlib import Path

from rulakg.queries import Library

# <!-- include: README.md "## The SPARQL endpoint" --> (optionally "as ###": the level the section gets)
INCLUDE = re.compile(r'^<!-- include: (\S+) "(#+ [^"]+)"(?: as (#+))? -->$', re.M)
HEADING = re.compile(r"^(#+) ", re.M)
RELATIVE_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\((?!https?:|mailto:|#|/)([^)]+)\)")


class IncludeError(ValueError):
    """An include names a file or a heading that does not exist: the message says which."""


def section(text: str, heading: str) -> str:
    """The section that starts with ``heading`` (a whole line), up to the next heading of the same or a higher
    level; fenced code is not mistaken for headings."""
    lines = text.splitlines()
    level = len(heading) - len(heading.lstrip("#"))
    try:
        start = lines.index(heading)
    except ValueError:
        raise IncludeError(f"no heading {heading!r}") from None
    fenced = False
    end = len(lines)
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("```"):
            fenced = not fenced
        m = HEADING.match(lines[i])
        if not fenced and m and len(m.group(1)) <= level:
            end = i
            break
    return "\n".join(lines[start:end]).strip() + "\n"


def _shift(text: str, by: int) -> str:
    if by == 0:
        return text
    out, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and HEADING.match(line):
            hashes = len(line) - len(line.lstrip("#"))
            line = "#" * max(1, min(6, hashes + by)) + line[hashes:]
        out.append(line)
    return "\n".join(out) + "\n"


def expand_includes(markdown: str, root: Path) -> str:
    """Replace each include comment by the named section of the named file (relative to the repository root).
    Relative links in the included text point into the repository, not the site: they become plain text."""

    def replace(m: re.Match[str]) -> str:
        path = root / m.group(1)
        if not path.is_file():
            raise IncludeError(f"include: no file {m.group(1)}")
        try:
            text = section(path.read_text(encoding="utf-8"), m.group(2))
        except IncludeError as e:
            raise IncludeError(f"include: {m.group(1)}: {e}") from None
        if m.group(3):
            text = _shift(text, len(m.group(3)) - (len(m.group(2)) - len(m.group(2).lstrip("#"))))
        return RELATIVE_LINK.sub(r"\1", text)

    return INCLUDE.sub(replace, markdown)


def queries_page(library: Library) -> str:
    """The saved queries, by section, with their parameters and the API address of each."""
    lines = [
        "# Saved queries",
        "",
        f"The {len(library)} saved queries of `queries/`, by section. Each runs at `/api/queries/NAME` (GET with its",
        "parameters, any result format by `Accept` or `format=`), opens in the [gallery](/queries) and in the editor,",
        "and is described in the OpenAPI document at [/docs](/docs). Generated from the `.rq` files.",
        "",
    ]
    sections: dict[str, list] = {}  # type: ignore[type-arg]
    for q in library:
        sections.setdefault("/".join(q.section) or "other", []).append(q)
    for name in sorted(sections):
        lines += [f"## {name}", "", "| query | what it answers | parameters |", "| --- | --- | --- |"]
        for q in sorted(sections[name], key=lambda q: q.name):
            params = ", ".join(
                f"`{p.name}`{'' if p.required else ' (optional)'}: {p.type}" for p in q.parameters
            ) or "—"
            summary = " ".join(q.summary.split()).replace("|", "\\|")
            lines.append(f"| [`{q.name}`](/api/queries/{q.name}) | {summary} | {params} |")
        lines.append("")
    return "\n".join(lines)
