"""Typed questions: answered from the FAQ, close matches offered, or handed to a person."""

from __future__ import annotations

from dataclasses import replace

from bot.core.faq.snapshot import SOURCE_LANGUAGE
from bot.core.messages import N_, Arg, Lines, Msg, Option, Prose, Reply
from bot.core.state import State
from bot.flows.base import Ctx, OpenCase, Outcome, Unanswered
from bot.flows.guidance import CASE_OPENED

FAQ_PREFIX = "faq:"
ASKED = "asked"  # the question a "did you mean" list was shown for
NOT_SURE = N_("I am not sure I understood. Did you mean one of these?")
# Under an answer no person has reviewed yet in the reader's language (MACHINE_NOTICE).
MACHINE_NOTE = N_("Translated by machine. A counsellor can help if something is unclear.")
DONT_KNOW = N_(
    "I do not know the answer to that yet. A counsellor can help you: choose "
    '"Talk to a person", or ask your question in other words.'
)


def answer_reply(ctx: Ctx, slug: str, lang: str) -> Reply | None:
    """The FAQ answer in the user's language, marked when outdated or not translated."""
    if ctx.faq is None:
        return None
    found = ctx.faq.answer(slug, lang)
    lines: list[Arg] = []
    if found is None:
        german = ctx.faq.answer(slug, SOURCE_LANGUAGE)
        if german is None:
            return None
        lines.append(
            Msg(N_("This answer is not translated into your language yet. Here it is in German:"))
        )
        lines.append(Prose(german.text))
    else:
        lines.append(Prose(found.text))
        if found.outdated:
            lines.append(
                Msg(
                    N_("This translation may be out of date. A counsellor can tell you the latest.")
                )
            )
        elif found.machine and lang in ctx.machine_notice:
            lines.append(Msg(MACHINE_NOTE))
    return Reply(Lines(tuple(lines)), title=Msg(N_("Answer")))


def _label(ctx: Ctx, slug: str, lang: str) -> Arg:
    assert ctx.faq is not None
    return Prose(ctx.faq.index.title(slug, lang) or slug)


def question(state: State, text: str, lang: str, ctx: Ctx, step_prompt: list[Reply]) -> Outcome:
    """Answer a typed question, then show the current step again."""
    assert ctx.faq is not None
    decision = ctx.faq.index.decide(text, lang)
    if decision.kind == "answer":
        reply = answer_reply(ctx, decision.slugs[0], lang)
        if reply is not None:
            return Outcome(state, (reply, *step_prompt))
    if decision.kind == "suggest":
        options = tuple(
            Option(FAQ_PREFIX + slug, _label(ctx, slug, lang)) for slug in decision.slugs
        )
        options += (Option(FAQ_PREFIX + "none", Msg(N_("None of these"))),)
        # Buttons hold at most 32 characters: the whole questions are in the text.
        whole = tuple(Prose(ctx.faq.index.title(s, lang, None) or s) for s in decision.slugs)
        body = Lines((Msg(NOT_SURE), Lines(whole, bullet=True)))
        # Kept until the answer to "did you mean": "None of these" hands it to the admins.
        # Only with consent: before it, nothing personal is saved with the conversation.
        asked = replace(state, answers={**state.answers, ASKED: text[:300]})
        return Outcome(asked if state.consent else state, (Reply(body, options=options),))
    return Outcome(
        state,
        (Reply(Msg(DONT_KNOW), options=_person_option(ctx)), *step_prompt),
        (Unanswered(text),),
    )


def _person_option(ctx: Ctx) -> tuple[Option, ...]:
    if not ctx.counselling_available:
        return ()
    return (Option(FAQ_PREFIX + "person", Msg(N_("Talk to a person"))),)


def chosen(state: State, key: str, lang: str, ctx: Ctx, step_prompt: list[Reply]) -> Outcome:
    """A button from a "did you mean" list, or "talk to a person"."""
    slug = key.removeprefix(FAQ_PREFIX)
    if slug == "person":
        opened = Reply(Msg(CASE_OPENED))
        return Outcome(state, (opened, *step_prompt), (OpenCase("person"),))
    if slug == "none":
        asked = state.answers.get(ASKED)
        rest = {k: v for k, v in state.answers.items() if k != ASKED}
        dont_know = (Reply(Msg(DONT_KNOW), options=_person_option(ctx)), *step_prompt)
        effects = (Unanswered(asked),) if asked else ()
        return Outcome(replace(state, answers=rest), dont_know, effects)
    reply = answer_reply(ctx, slug, lang)
    if reply is None:
        return Outcome(state, tuple(step_prompt))
    return Outcome(state, (reply, *step_prompt))


def is_faq_key(key: str, ctx: Ctx) -> bool:
    """Whether a button is an FAQ button that still makes sense."""
    if not key.startswith(FAQ_PREFIX) or ctx.faq is None:
        return False
    slug = key.removeprefix(FAQ_PREFIX)
    return slug in ("none", "person") or slug in ctx.faq.sources
