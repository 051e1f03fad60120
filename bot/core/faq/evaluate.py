"""How well the FAQ matcher does on a labelled set (lang, question, expected slug or "none")."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.faq.index import FaqIndex, LanguageIndexes


@dataclass
class Report:
    """Accuracy figures; rates are fractions of the questions named in each docstring."""

    total: int = 0
    answerable: int = 0
    top1: int = 0
    confident_wrong: int = 0
    dont_know: int = 0
    answered: int = 0
    by_language: Counter[str] = field(default_factory=Counter)
    correct_by_language: Counter[str] = field(default_factory=Counter)
    mistakes: list[str] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        """Questions whose best candidate is right (for "none": no confident answer)."""
        return self.top1 / self.total if self.total else 0.0

    @property
    def confident_wrong_rate(self) -> float:
        """Questions answered confidently with the wrong entry, of all questions."""
        return self.confident_wrong / self.total if self.total else 0.0

    @property
    def dont_know_rate(self) -> float:
        """Answerable questions where the bot said it does not know, of answerable ones."""
        return self.dont_know / self.answerable if self.answerable else 0.0

    @property
    def answered_rate(self) -> float:
        """Answerable questions answered at once with the right entry (no "did you mean"), of
        answerable ones."""
        return self.answered / self.answerable if self.answerable else 0.0

    def lines(self) -> list[str]:
        """A printable summary."""
        out = [
            f"questions: {self.total} ({self.answerable} answerable)",
            f"top-1 accuracy: {self.top1_rate:.1%} (target >= 95 %)",
            f"confident wrong: {self.confident_wrong_rate:.1%} (target <= 2 %)",
            f"don't know on answerable: {self.dont_know_rate:.1%}",
            f"answered at once (right, no choice needed): {self.answered_rate:.1%} of answerable"
            " (target >= 85 %)",
        ]
        out += [
            f"  {lang}: {self.correct_by_language[lang]}/{n} top-1"
            for lang, n in sorted(self.by_language.items())
        ]
        return out


def read_set(paths: list[Path]) -> list[tuple[str, str, str]]:
    """(lang, question, expected) rows of one or more CSV files."""
    rows = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as fh:
            rows += [(r["lang"], r["question"], r["expected"]) for r in csv.DictReader(fh)]
    return rows


def evaluate(index: FaqIndex | LanguageIndexes, rows: list[tuple[str, str, str]]) -> Report:
    """Run every question through the matcher."""
    report = Report()
    for lang, question, expected in rows:
        report.total += 1
        report.by_language[lang] += 1
        ranked = index.rank(question, lang)
        decision = index.decide(question, lang, ranked)
        if expected == "none":
            right = decision.kind != "answer"
        else:
            report.answerable += 1
            best = decision.slugs[0] if decision.slugs else (ranked[0][0] if ranked else None)
            right = decision.kind != "none" and best == expected
            if decision.kind == "none":
                report.dont_know += 1
            if decision.kind == "answer" and decision.slugs[0] == expected:
                report.answered += 1
        if decision.kind == "answer" and decision.slugs[0] != expected:
            report.confident_wrong += 1
        if right:
            report.top1 += 1
            report.correct_by_language[lang] += 1
        else:
            got = f"{decision.kind} {decision.slugs} {decision.score:.0f}"
            report.mistakes.append(f"{lang} {question!r}: expected {expected}, got {got}")
    return report
