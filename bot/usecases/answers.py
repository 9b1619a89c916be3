"""Answers from a paper's full text: in its thread (streamed), or once (`paperclub ask`).

Every answer is checked against the paper: a model answer whose quotes are not verbatim
in the passages it was given is replaced by the paper's own sentences. The model's
output is bounded in characters and in time; a cut answer says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from bot.domain import Answer, Author, MessageRef, ThreadRef, Turn
from bot.errors import LLMUnavailable, PaperclubError, PlatformUnavailable
from bot.llm.attribution import attribute
from bot.llm.grounding import extractive_answer, finalise_answer
from bot.llm.repetition import RepetitionGuard, without_loop
from bot.publishing import ChatRouter, Outbound
from bot.reading.library import PaperLibrary
from bot.reading.model import PaperText, Passage, TextSource
from bot.render import Post, answer_post
from bot.retrieval import ScoredPassage
from bot.seams import LLM
from bot.sources.ids import parse_arxiv_ref
from bot.store import Store
from bot.store.unfinished_answers import UnfinishedAnswers
from bot.text import t
from bot.usecases.channel_rules import readable
from bot.usecases.channels import Channels
from bot.usecases.papers import Papers
from bot.usecases.quotas import QuestionQuota
from bot.usecases.usage import billed_to

log = logging.getLogger(__name__)

FOLLOW_UP_WORDS = 8  # a question this short may lean on the thread's previous one
STREAM_EDIT_INTERVAL = 1.0  # seconds between edits of a streaming answer: well inside rate limits
# The first edit comes this soon after the first token (a timer, so a stalled stream still
# shows its start): the member sees text within ~0.3 s, then an edit per interval.
STREAM_FIRST_EDIT_DELAY = 0.15
ASSISTANT = "paperclub"

OnText = Callable[[list[str]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Evidence:
    """An answer and the passages it was given, in rank order (`paperclub ask --json`)."""

    answer: Answer
    passages: tuple[ScoredPassage, ...]


class Answers:
    def __init__(
        self,
        store: Store,
        llm: LLM,
        fallback: LLM,
        library: PaperLibrary,
        papers: Papers,
        channels: Channels,
        chats: ChatRouter,
        outbound: Outbound,
        quota: QuestionQuota,
        unfinished: UnfinishedAnswers,
        *,
        word_budget: int,
        max_answer_chars: int,
        deadline_seconds: float,
    ) -> None:
        self._store = store
        self._llm = llm
        self._fallback = fallback
        self._library = library
        self._papers = papers
        self._channels = channels
        self._chats = chats
        self._outbound = outbound
        self._quota = quota
        self._unfinished = unfinished
        self._word_budget = word_budget
        self._max_chars = max_answer_chars
        self._deadline = deadline_seconds

    async def is_paper_thread(self, thread: ThreadRef) -> bool:
        return await self._store.thread_paper(thread) is not None

    async def answer(self, thread: ThreadRef, author: Author, question: str) -> Answer | None:
        """Answer `question` in `thread` from the paper's text, streaming; None if not our thread."""
        if author.is_bot:
            return None
        arxiv_id = await self._store.thread_paper(thread)
        if arxiv_id is None:
            return None
        chat = self._chats.for_conversation(thread.conversation)
        channel = await self._channels.channel_settings(thread.conversation)
        question = readable(question).strip()
        if not question:
            return None
        refusal = await self._quota.refusal(thread.conversation, author, question)
        if refusal:
            await chat.reply(thread, Post(text=refusal))
            return None
        paper = await self._papers.known_paper(arxiv_id)
        text = await self._library.text(paper)
        history = await self._store.turns(thread)
        message = await chat.reply(thread, Post(text="…"))
        await self._unfinished.begin(message, author.user_id, question, channel.language)
        with billed_to(thread.conversation):
            answer = await self._stream_answer(message, question, text, history, channel.language)
        await self._store.add_turn(thread, Turn("user", author.user_id, question))
        await self._store.add_turn(
            thread, Turn("assistant", ASSISTANT, self._outbound.text(answer.text))
        )
        await self._unfinished.finish(message)
        return answer

    async def mark_interrupted(self, now: datetime | None = None) -> int:
        """Answers a crash cut short: each half-written message says so, and its question
        is kept in the thread's history. One whose platform is not connected yet waits
        for the next call (the scheduler polls every minute)."""
        marked = 0
        for unfinished in await self._unfinished.all():
            message = unfinished.message
            assert message.thread is not None
            try:
                chat = self._chats.for_conversation(message.conversation)
                await chat.edit(message, Post(text=t("answer_interrupted", unfinished.language)))
            except PaperclubError as error:
                log.info("interrupted answer %s not marked yet: %s", message.message_id, error)
                continue
            await self._store.add_turn(
                message.thread, Turn("user", unfinished.author_id, unfinished.question)
            )
            await self._unfinished.finish(message)
            marked += 1
        return marked

    async def ask(self, reference: str, question: str, language: str) -> Evidence:
        """Answer a question about an arXiv paper outside any thread (`/ask`, `paperclub ask`).

        `reference` is an arXiv id or link, never a path: members' input reaches this.
        """
        paper = await self._papers.find_paper(parse_arxiv_ref(reference).arxiv_id)
        text = await self._library.text(paper)
        return await self._compose_answer(readable(question), text, (), language)

    async def ask_file(self, path: Path, question: str, language: str) -> Evidence:
        """Answer a question about a local file: the CLI's capability only, never a platform's."""
        text = await self._library.local_file(path)
        return await self._compose_answer(readable(question), text, (), language)

    async def _compose_answer(
        self,
        question: str,
        text: PaperText,
        history: Sequence[Turn],
        language: str,
        on_text: OnText | None = None,
    ) -> Evidence:
        """Retrieve, generate (showing progress through `on_text`), then check the citations."""
        scored, rewritten = await self._retrieve(question, text, history)
        passages = [s.passage for s in scored]
        notes: list[str] = []
        try:
            pieces, cut = await self._generate(question, passages, history, language, on_text)
        except LLMUnavailable as error:
            log.warning("answer degraded to extractive: %s", error.reason)
            pieces, cut = [], ""
            notes.append(f"The language model was unavailable ({error.reason}).")
        if cut:
            notes.append(cut)
        answer = self._checked_answer("".join(pieces), passages, question, language, rewritten)
        if text.source is TextSource.ABSTRACT:
            notes.append("Only the abstract could be read; the full text was unavailable.")
        return Evidence(replace(answer, notes=(*answer.notes, *notes)), tuple(scored))

    async def _generate(
        self,
        question: str,
        passages: Sequence[Passage],
        history: Sequence[Turn],
        language: str,
        on_text: OnText | None,
    ) -> tuple[list[str], str]:
        """The model's pieces, and why the answer was cut ("" if it was not)."""
        pieces: list[str] = []
        length = 0
        guard = RepetitionGuard()
        stream = self._llm.answer(question, passages, history, language)
        try:
            async with asyncio.timeout(self._deadline):
                async for piece in stream:
                    room = self._max_chars - length
                    pieces.append(piece[:room])
                    length += min(len(piece), room)
                    if guard.feed(piece):  # a looping model: keep one copy, stop reading
                        pieces[:] = [without_loop("".join(pieces), guard.period)]
                        return (
                            pieces,
                            "The model started repeating itself, so its answer was cut there.",
                        )
                    if on_text is not None:
                        await on_text(pieces)
                    if length >= self._max_chars:
                        return pieces, (
                            f"The model's answer was cut at {self._max_chars:,} characters."
                        )
        except TimeoutError:
            return pieces, (
                f"The model took longer than {self._deadline:.0f} s, so its answer was cut there."
            )
        finally:
            await _close(stream)
        return pieces, ""

    async def _retrieve(
        self, question: str, text: PaperText, history: Sequence[Turn]
    ) -> tuple[list[ScoredPassage], list[str]]:
        """The passages, and the model's English queries for a question in another language."""
        index = await self._library.index(text)
        rewritten = await self._llm.search_queries(question)
        alternatives = list(rewritten)
        earlier = [t.text for t in history if t.role == "user"]
        if earlier and len(question.split()) <= FOLLOW_UP_WORDS:
            alternatives = [*alternatives, f"{earlier[-1]} {question}"]
        scored = await asyncio.to_thread(
            index.search, question, word_budget=self._word_budget, alternatives=alternatives
        )
        return scored, rewritten

    async def _stream_answer(
        self,
        message: MessageRef,
        question: str,
        text: PaperText,
        history: Sequence[Turn],
        language: str,
    ) -> Answer:
        assert message.thread is not None
        thread = message.thread
        chat = self._chats.for_conversation(thread.conversation)
        interval = STREAM_EDIT_INTERVAL
        first_delay = min(STREAM_FIRST_EDIT_DELAY, interval)
        last_edit = 0.0
        latest: list[str] = []
        first: asyncio.Task[None] | None = None  # the timer of the first edit
        started = False
        editing = asyncio.Lock()

        async def edit_now() -> None:
            nonlocal last_edit
            async with editing:
                shown = self._outbound.streamed_prefix("".join(latest))
                try:
                    await chat.edit(message, Post(text=shown + " …"))
                except PlatformUnavailable as error:  # a progress edit is a courtesy
                    log.warning("streaming edit failed: %s", error)
                last_edit = time.monotonic()

        async def first_edit() -> None:
            await asyncio.sleep(first_delay)
            await edit_now()

        async def show(pieces: list[str]) -> None:
            nonlocal first, latest, started
            latest = pieces  # the generator's own list: it grows as pieces arrive
            if not started:
                started = True
                if first_delay > 0:
                    first = asyncio.create_task(first_edit())
                else:
                    await edit_now()
            elif last_edit and not editing.locked() and time.monotonic() - last_edit >= interval:
                await edit_now()

        try:
            evidence = await self._compose_answer(question, text, history, language, show)
        finally:
            await _settle(first, editing)
        final = answer_post(evidence.answer, language)
        try:
            await chat.edit(message, final)
        except PlatformUnavailable as error:
            log.warning("final edit failed (%s); posting the answer as a new message", error)
            await chat.reply(thread, final)
        return evidence.answer

    def _checked_answer(
        self,
        model_text: str,
        passages: Sequence[Passage],
        question: str,
        language: str,
        rewritten: Sequence[str] = (),
    ) -> Answer:
        """The model's answer if its quotes are verbatim in the paper (or, without citation
        lines, if quotes chosen from the passages support it), else an extractive one.

        The extractive answer to a question in another language searches with the
        model's English queries too, so it quotes the paper rather than refusing."""
        searched = " ".join([question, *rewritten]) if rewritten else question
        if not model_text.strip() or self._llm.name == self._fallback.name:
            return extractive_answer(searched, passages, language)
        answer = finalise_answer(model_text, passages)
        if answer.grounded:
            return answer
        chosen = attribute(model_text, answer.text, passages, question)
        if chosen is not None:
            return chosen
        fallback = extractive_answer(searched, passages, language)
        note = (
            "The model's answer could not be checked against the paper, "
            "so these are the paper's own sentences."
        )
        return replace(fallback, notes=(*fallback.notes, note))


async def _settle(first: asyncio.Task[None] | None, editing: asyncio.Lock) -> None:
    """Before the final edit: a progress edit under way finishes, one not started is dropped."""
    if first is None or first.done():
        return
    if not editing.locked():
        first.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await first


async def _close(stream: AsyncIterator[str]) -> None:
    """Stop the model's stream (and its HTTP response) when we stop reading early."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()
