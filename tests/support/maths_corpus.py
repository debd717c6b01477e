"""The maths corpus: formulas written the way DeepSeek-R1 writes them (`maths_corpus.md`, one per
entry), and whole R1-style answers with maths (`maths_answers.md`, separated by `=====`)."""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).parent


def formulas() -> list[tuple[int, bool, str]]:
    """(number, display?, LaTeX) of each corpus formula."""
    text = (HERE / "maths_corpus.md").read_text(encoding="utf-8")
    return [(int(m.group(1)), m.group(2) == "display", m.group(3).strip())
            for m in re.finditer(r"^### (\d+) (inline|display)\n(.+?)(?=\n\n|\Z)", text,
                                 re.DOTALL | re.MULTILINE)]


def answers() -> list[str]:
    """Whole answers, Markdown with maths, as a model streams them."""
    text = (HERE / "maths_answers.md").read_text(encoding="utf-8")
    return [part.strip() + "\n" for part in text.split("\n=====\n") if part.strip()]
