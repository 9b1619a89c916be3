"""Meeting notes from a paper thread: key points the paper backs, open questions, who asked.

Key points are each answer's first sentence, with the passages it quotes (or, for a
paraphrase, the sentence of the paper sharing most of its words); a question with no
answer, or an answer the paper does not back, stays open.
"""

from __future__ import annotations

import re

from bot.domain import (
    Citation,
    KeyPoint,
    MeetingNotes,
    Paper,
    PaperInChannel,
    Question,
    ThreadRef,
    Turn,
    VoteTarget,
)
from bot.errors import NotAPaperThread, NotReady
from bot.llm.grounding import cite
from bot.publishing import Publisher
from bot.reading.library import PaperLibrary
from bot.reading.model import Passage
from bot.render import Post, format_citation
from bot.sources.ids import parse_arxiv_ref
from bot.store import Store
from bot.text import command_prefix_for, t
from bot.usecases.channels import Channels
from bot.usecases.papers import Papers

RECAP_TURNS = 400
MIN_SHARED_WORDS = 0.6  # share of a key point's words a paper sentence must contain to back it
_QUOTE = re.compile(r"[“\"]([^”\"]{12,})[”\"]")
_MARKERS = re.compile(r"\s*\[\d+\]")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


class Recap:
    def __init__(
        self,
        store: Store,
        papers: Papers,
        library: PaperLibrary,
        channels: Channels,
        publisher: Publisher,
    ) -> None:
        self._store = store
        self._papers = papers
        self._library = library
        self._channels = channels
        self._publisher = publisher

    async def recap(self, target: VoteTarget, *, post: bool = True) -> MeetingNotes:
        """Meeting notes from the thread's questions and answers, posted in the thread.
        A paper named in a channel (`/paperclub recap 2309.12288`) means its thread there."""
        thread = target if isinstance(target, ThreadRef) else await self._paper_thread(target)
        arxiv_id = await self._store.thread_paper(thread)
        if arxiv_id is None:
            raise NotAPaperThread()
        paper = await self._papers.known_paper(arxiv_id)
        text = await self._library.text(paper)
        turns = await self._store.turns(thread, limit=RECAP_TURNS)
        notes = meeting_notes(paper, turns, text.passages)
        if post:
            language = (await self._channels.channel_settings(thread.conversation)).language
            await self._publisher.reply(thread, Post(text=recap_text(notes, language)))
        return notes

    async def _paper_thread(self, target: PaperInChannel) -> ThreadRef:
        arxiv_id = parse_arxiv_ref(target.reference).arxiv_id
        thread = await self._store.channel_thread_for(target.conversation, arxiv_id)
        if thread is None:
            p = command_prefix_for(target.conversation.platform)
            raise NotReady(key="error_recap_no_thread", arxiv_id=arxiv_id, p=p)
        return thread


def meeting_notes(paper: Paper, turns: list[Turn], passages: tuple[Passage, ...]) -> MeetingNotes:
    asked: list[Question] = []
    key_points: list[KeyPoint] = []
    open_questions: list[Question] = []
    for index, turn in enumerate(turns):
        if turn.role != "user":
            continue
        question = Question(turn.author_id, " ".join(turn.text.split()))
        asked.append(question)
        answer = turns[index + 1] if index + 1 < len(turns) else None
        if answer is None or answer.role != "assistant":
            open_questions.append(question)
            continue
        citations = _citations(answer.text, passages)
        if not citations:
            open_questions.append(question)
            continue
        key_points.append(KeyPoint(_first_sentence(answer.text), turn.author_id, citations))
    return MeetingNotes(paper, tuple(key_points), tuple(open_questions), tuple(asked))


def recap_text(notes: MeetingNotes, language: str) -> str:
    def say(key: str) -> str:
        return t(key, language)

    lines = [f"**📝 {t('recap_title', language, title=notes.paper.title)}**", ""]
    lines.append(f"**{say('recap_key_points')}**")
    for point in notes.key_points:
        where = "; ".join(format_citation(c, language, quote=False) for c in point.citations)
        lines.append(f"• {point.text} ({t('sources', language)}: {where})")
    if not notes.key_points:
        lines.append(f"• {say('recap_no_key_points')}")
    lines += ["", f"**{say('recap_open_questions')}**"]
    asked_by = say("recap_asked_by")
    lines += [f"• {q.text} ({asked_by} `{q.author_id}`)" for q in notes.open_questions] or [
        f"• {say('recap_none')}"
    ]
    lines += ["", f"**{say('recap_who_asked')}**"]
    by_member: dict[str, list[str]] = {}
    for q in notes.asked:
        by_member.setdefault(q.author_id, []).append(q.text)
    for member, questions in by_member.items():
        lines.append(f"• `{member}`: " + " / ".join(questions))
    if not by_member:
        lines.append(f"• {say('recap_nobody')}")
    return "\n".join(lines)


def _citations(answer: str, passages: tuple[Passage, ...]) -> tuple[Citation, ...]:
    """Where the paper backs the answer: its quotes found verbatim in the text, else the
    sentence of the text that shares most of the key point's words (a paraphrase)."""
    found: list[Citation] = []
    for quote in dict.fromkeys(m.group(1).strip() for m in _QUOTE.finditer(answer)):
        wanted = _normal(quote).rstrip(".")
        passage = next((p for p in passages if wanted and wanted in _normal(p.text)), None)
        if passage is not None and len(wanted) >= 12:
            found.append(cite(passage, quote))
    if found:
        return tuple(found)
    point = _first_sentence(answer)
    words = _words(point)
    if len(words) < 3:
        return ()
    best: tuple[float, str, Passage] | None = None
    for passage in passages:
        for sentence in _SENTENCE_END.split(" ".join(passage.text.split())):
            share = len(words & _words(sentence)) / len(words)
            if best is None or share > best[0]:
                best = (share, sentence, passage)
    if best is None or best[0] < MIN_SHARED_WORDS:
        return ()
    _, sentence, passage = best
    return (cite(passage, sentence),)


def _first_sentence(text: str) -> str:
    """The answer's first sentence of substance: not an intro line ("...:"), no quote
    marks or [n] markers, no "According to the paper," lead-in."""
    for line in text.strip().splitlines():
        line = line.strip().lstrip(">").strip()
        if not line or line.endswith(":"):
            continue
        first = _SENTENCE_END.split(line, maxsplit=1)[0]
        first = _MARKERS.sub("", first).strip()
        for lead in ("According to the paper,", "The paper says that", "The paper says"):
            if first.startswith(lead):
                first = first[len(lead) :].strip()
                first = first[:1].upper() + first[1:]
        return first
    return ""


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.casefold()) if len(w) > 3}


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()
