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
from bot.llm.attribution import attribute, content_terms
from bot.llm.grounding import extractive_answer, finalise_answer
from bot.llm.reasoning import Thinking
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
from bot.usecases.progress import Progress, say
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
AnswerRecorder = Callable[[MessageRef, str, str, "Evidence", str], Awaitable[None]]
"""Keeps a posted answer (its message, paper, question, evidence, language) for feedback."""
OnThinking = Callable[[], Awaitable[None]]
"""Called once when the model's stream is still in its reasoning block (nothing to show)."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """An answer and the passages it was given, in rank order (`paperclub ask --json`)."""

    answer: Answer
    passages: tuple[ScoredPassage, ...]
    queries: tuple[str, ...] = ()  # the model's English queries for a question in another tongue


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
        recorder: AnswerRecorder | None = None,
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
        self._recorder = recorder

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
            evidence = await self._stream_answer(message, question, text, history, channel.language)
        answer = evidence.answer
        await self._unfinished.finish(
            message,
            Turn("user", author.user_id, question),
            Turn("assistant", ASSISTANT, self._outbound.text(answer.text)),
            thread=thread,
        )
        if self._recorder is not None:
            await self._recorder(message, arxiv_id, question, evidence, channel.language)
        return answer

    async def mark_interrupted(
        self, now: datetime | None = None, *, started_before: datetime | None = None
    ) -> int:
        """Answers a crash cut short: each half-written message says so, and its question
        is kept in the thread's history. One whose platform is not connected yet waits
        for the next call (the scheduler polls every minute). Beside live receivers (the
        job queue's workers), only answers begun before `started_before` count as cut."""
        marked = 0
        for unfinished in await self._unfinished.all(started_before):
            message = unfinished.message
            assert message.thread is not None
            try:
                chat = self._chats.for_conversation(message.conversation)
                await chat.edit(message, Post(text=t("answer_interrupted", unfinished.language)))
            except PaperclubError as error:
                log.info("interrupted answer %s not marked yet: %s", message.message_id, error)
                continue
            await self._unfinished.finish(
                message, Turn("user", unfinished.author_id, unfinished.question)
            )
            marked += 1
        return marked

    async def ask(
        self, reference: str, question: str, language: str, progress: Progress | None = None
    ) -> Evidence:
        """Answer a question about an arXiv paper outside any thread (`/ask`, `paperclub ask`).

        `reference` is an arXiv id or link, never a path: members' input reaches this.
        `progress` hears "thinking…" while a reasoning model is still in its reasoning.
        """
        paper = await self._papers.find_paper(parse_arxiv_ref(reference).arxiv_id)
        text = await self._library.text(paper)

        async def thinking() -> None:
            await say(progress, t("answer_thinking", language))

        return await self._compose_answer(
            readable(question), text, (), language, on_thinking=thinking
        )

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
        on_thinking: OnThinking | None = None,
    ) -> Evidence:
        """Retrieve, generate (showing progress through `on_text` and `on_thinking`), then
        check the citations. Every note is in the member's language."""
        scored, rewritten, matched = await self._retrieve(question, text, history)
        passages = [s.passage for s in scored]
        notes: list[str] = []
        unavailable = ""
        try:
            pieces, cut = await self._generate(
                question, passages, history, language, on_text, on_thinking
            )
        except LLMUnavailable as error:
            log.warning("answer degraded to extractive: %s", error.reason)
            pieces, cut = [], ""
            unavailable = t("answer_note_model_unavailable", language, reason=error.reason)
            notes.append(unavailable)
        if cut:
            seconds, chars = f"{self._deadline:.0f}", f"{self._max_chars:,}"
            notes.append(t(cut, language, seconds=seconds, chars=chars))
        answer = self._checked_answer("".join(pieces), passages, question, language, rewritten)
        if unavailable:
            answer = replace(answer, fallback=unavailable)
        if not answer.citations and not matched and not _mostly_latin(question):
            nearest = await self._nearest_to_title(text, language)
            if nearest is not None:
                scored, answer = nearest
        if text.source is TextSource.ABSTRACT:
            notes.append(t("answer_note_abstract_only", language))
        answer = replace(answer, notes=(*answer.notes, *notes))
        return Evidence(answer, tuple(scored), tuple(rewritten))

    async def _generate(
        self,
        question: str,
        passages: Sequence[Passage],
        history: Sequence[Turn],
        language: str,
        on_text: OnText | None,
        on_thinking: OnThinking | None = None,
    ) -> tuple[list[str], str]:
        """The model's pieces, and the catalog key of why the answer was cut ("" if not)."""
        pieces: list[str] = []
        length = 0
        guard = RepetitionGuard()
        stream = self._llm.answer(question, passages, history, language)
        try:
            async with asyncio.timeout(self._deadline):
                async for piece in stream:
                    if isinstance(piece, Thinking):
                        if on_thinking is not None:
                            await on_thinking()
                        continue
                    kept = piece[: self._max_chars - length]
                    pieces.append(kept)
                    length += len(kept)
                    # Only the kept text is judged, so where the stream's pieces happen to
                    # split (many arrive merged) does not change why an answer is cut.
                    if guard.feed(kept):  # a looping model: keep one copy, stop reading
                        pieces[:] = [without_loop("".join(pieces), guard.period)]
                        return pieces, "answer_note_repeating"
                    if on_text is not None:
                        await on_text(pieces)
                    if length >= self._max_chars:
                        return pieces, "answer_note_cut_chars"
        except TimeoutError:
            return pieces, "answer_note_too_slow"
        finally:
            await _close(stream)
        return pieces, ""

    async def _retrieve(
        self, question: str, text: PaperText, history: Sequence[Turn]
    ) -> tuple[list[ScoredPassage], list[str], bool]:
        """The passages; the model's English queries for a question in another language
        that name words of the paper (a small model's URLs or "answer" are dropped);
        and whether the question or a query matched the paper's text at all."""
        index = await self._library.index(text)
        queries = await self._llm.search_queries(question)
        rewritten = [q for q in queries if content_terms(q) and index.knows(q)]
        alternatives = list(rewritten)
        earlier = [t.text for t in history if t.role == "user"]
        if earlier and len(question.split()) <= FOLLOW_UP_WORDS:
            alternatives = [*alternatives, f"{earlier[-1]} {question}"]
        scored = await asyncio.to_thread(
            index.search, question, word_budget=self._word_budget, alternatives=alternatives
        )
        matched = bool(rewritten) or any(index.knows(q) for q in (question, *alternatives))
        return scored, rewritten, matched

    async def _nearest_to_title(
        self, text: PaperText, language: str
    ) -> tuple[list[ScoredPassage], Answer] | None:
        """For a question that shares no word with the paper (in another language, and
        the model could not turn it into English queries that do): the paper's sentences
        closest to its own subject, its title, labelled as such, rather than a refusal.
        None when even those cannot be found."""
        if not text.title.strip():
            return None
        index = await self._library.index(text)
        scored = await asyncio.to_thread(index.search, text.title, word_budget=self._word_budget)
        nearest = extractive_answer(text.title, [s.passage for s in scored], language)
        if not nearest.citations:
            return None
        return scored, _fell_back(nearest, t("answer_note_nearest_to_title", language))

    async def _stream_answer(
        self,
        message: MessageRef,
        question: str,
        text: PaperText,
        history: Sequence[Turn],
        language: str,
    ) -> Evidence:
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

        async def thinking() -> None:
            """A reasoning model's silence before its answer: a progress line, never the
            reasoning itself (the answer's first edit replaces it)."""
            if started:
                return
            async with editing:
                try:
                    await chat.edit(message, Post(text=t("answer_thinking", language)))
                except PlatformUnavailable as error:
                    log.warning("thinking edit failed: %s", error)

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
            evidence = await self._compose_answer(question, text, history, language, show, thinking)
        finally:
            await _settle(first, editing)
        final = answer_post(evidence.answer, language)
        try:
            await chat.edit(message, final)
        except PlatformUnavailable as error:
            log.warning("final edit failed (%s); posting the answer as a new message", error)
            await chat.reply(thread, final)
        return evidence

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

        A model that says the passages do not answer is taken at its word only when the
        paper's own sentences agree: a small model refuses questions its passages do
        answer (a Japanese question on an English paper, most often), so when retrieval
        found sentences that share the question's terms, those are the answer, labelled.
        The extractive answer to a question in another language searches with the
        model's English queries too, so it quotes the paper rather than refusing."""
        searched = " ".join([question, *rewritten]) if rewritten else question
        if not model_text.strip() or self._llm.name == self._fallback.name:
            return extractive_answer(searched, passages, language)
        answer = finalise_answer(model_text, passages, language)
        if answer.grounded and not answer.citations:  # the model's "NOT IN PAPER"
            extractive = extractive_answer(searched, passages, language)
            if not extractive.citations:  # the paper agrees: nothing answers it
                return replace(answer, notes=())
            return _fell_back(extractive, t("answer_note_model_found_nothing", language))
        if answer.grounded:
            return answer
        chosen = attribute(model_text, answer.text, passages, question)
        if chosen is not None:
            return replace(chosen, notes=(t("answer_note_quotes_chosen", language),))
        fallback = extractive_answer(searched, passages, language)
        return _fell_back(fallback, t("answer_note_unchecked", language))


def _mostly_latin(question: str) -> bool:
    """Written in the paper's script (English) rather than Japanese or Korean."""
    return sum(char.isascii() and char.isalpha() for char in question) >= len(question) // 2


def _fell_back(answer: Answer, why: str) -> Answer:
    """An extractive answer given in place of the model's, saying why."""
    return replace(answer, notes=(*answer.notes, why), fallback=why)


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
