"""Untrusted HTML and PDF bytes are decompressed and parsed in a short-lived process.

A hostile page or PDF (a deflate bomb, a page of millions of elements, a parser bug) can
cost gigabytes and minutes, and neither lxml nor pdfium can be interrupted from Python.
So each document gets its own process, forked from a small server that has already
imported the parsers (`forkserver`, or `spawn` where there is none), with an
address-space limit (RLIMIT_AS) set before it touches the bytes and a wall-clock
deadline after which it is killed. No pool is shared between documents, so a killed
worker cannot break the next paper's parse. Whatever happens in the worker, the caller
gets the parsed paper or PaperUnreadable with a reason for the notes, never another
exception, and the event loop only ever waits on a thread.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import Literal

from bot.errors import PaperUnreadable
from bot.reading.extract_html import HtmlPaper, passages_from_html
from bot.reading.extract_pdf import PdfPaper, passages_from_pdf
from bot.reading.figures import PageRender, render_figure_page

try:
    import resource
except ImportError:  # pragma: no cover (Windows: the deadline still holds, the memory cap not)
    resource = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

Kind = Literal["html", "pdf"]
Work = Literal["html", "pdf", "figure"]  # "figure": render a PDF's "Figure 1" page
WHAT: dict[Work, str] = {"html": "arXiv HTML", "pdf": "PDF", "figure": "PDF figure"}

# Two parses at once: each may use up to its memory limit, and a digest prepares four
# papers at once on machines that may have two cores.
MAX_PARALLEL_PARSES = 2
PARSE_NICENESS = 10  # added to a parse worker's niceness: the loop comes first
_slots = threading.BoundedSemaphore(MAX_PARALLEL_PARSES)
# The threads that start a worker and wait for its answer (never the event loop's own
# default executor, which the rest of the bot shares).
_waiters = ThreadPoolExecutor(max_workers=16, thread_name_prefix="paperclub-parse")
_context: BaseContext | None = None
_context_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """What parsing one document may cost (defaults match the settings' defaults)."""

    memory_bytes: int = 1536 * 2**20  # address space of the worker process
    deadline: float = 60.0  # seconds of wall clock, from the worker's start
    max_decompressed_bytes: int = 100_000_000  # a Content-Encoding: gzip body, inflated
    max_elements: int = 500_000  # HTML elements
    max_chars: int = 3_000_000  # characters of text kept
    max_passages: int = 20_000


def decompress(body: bytes, encoding: str, cap: int) -> bytes:
    """`body` decoded per its Content-Encoding, stopped at `cap` bytes (gzip bombs)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif encoding == "deflate":
        # RFC 9110 says zlib-wrapped; some servers send raw deflate.
        wbits = zlib.MAX_WBITS if body[:1] and (body[0] & 0x0F) == 8 else -zlib.MAX_WBITS
    else:
        raise PaperUnreadable(
            "download", f"its Content-Encoding '{encoding[:20]}' is not supported"
        )
    inflater = zlib.decompressobj(wbits)
    out = bytearray()
    data = body
    try:
        while data:
            out += inflater.decompress(data, cap + 1 - len(out))
            if len(out) > cap:
                raise PaperUnreadable(
                    "download", f"it is larger than the {cap / 1_000_000:.1f} MB cap once unzipped"
                )
            data = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error as error:
        raise PaperUnreadable(
            "download", f"its {encoding} encoding is damaged ({error})"
        ) from error
    return bytes(out)


def parse_document(
    kind: Kind, body: bytes, encoding: str, limits: ParseLimits
) -> HtmlPaper | PdfPaper:
    """In this process: decompress, then parse. Raises PaperUnreadable."""
    data = decompress(body, encoding, limits.max_decompressed_bytes)
    if kind == "html":
        return passages_from_html(
            data.decode("utf-8", errors="replace"),
            max_elements=limits.max_elements,
            max_chars=limits.max_chars,
            max_passages=limits.max_passages,
        )
    return passages_from_pdf(data, max_chars=limits.max_chars, max_passages=limits.max_passages)


Parsed = HtmlPaper | PdfPaper | PageRender | None
Answer = tuple[Literal["ok"], Parsed] | tuple[Literal["unreadable"], str]


def _do(work: Work, body: bytes, encoding: str, limits: ParseLimits) -> Parsed:
    if work == "figure":
        return render_figure_page(decompress(body, encoding, limits.max_decompressed_bytes))
    return parse_document(work, body, encoding, limits)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


def _worker(
    connection: Connection, kind: Work, body: bytes, encoding: str, limits: ParseLimits
) -> None:
    """The worker process's whole life: limit itself, parse, send one answer."""
    if hasattr(os, "nice"):
        # A parse is background work: on a busy machine the bot's event loop (acks,
        # streamed answers) gets a core before it (measured: bench/load.py --watch).
        os.nice(PARSE_NICENESS)
    if resource is not None:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        except (ValueError, OSError):  # the limit is below what is already mapped
            connection.send(("unreadable", "the parser could not start within its memory limit"))
            return
    answer: Answer
    try:
        answer = ("ok", _do(kind, body, encoding, limits))
    except PaperUnreadable as error:
        answer = ("unreadable", error.reason)
    except MemoryError:
        answer = (
            "unreadable",
            f"could not be read within the {_megabytes(limits.memory_bytes)} memory limit",
        )
    except RecursionError:
        answer = ("unreadable", "it is nested too deeply to read")
    except Exception as error:  # a parser bug on a strange file is that file's problem
        answer = ("unreadable", f"the parser failed ({type(error).__name__})")
    del body
    try:
        connection.send(answer)
    except MemoryError:
        connection.send(
            (
                "unreadable",
                f"its text needs more than the {_megabytes(limits.memory_bytes)} memory limit",
            )
        )
    connection.close()


def mp_context() -> BaseContext:
    """The start method of every worker process (also bot/text_processes.py's)."""
    global _context
    with _context_lock:
        if _context is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                context = multiprocessing.get_context("forkserver")
                # Forks of a server that has imported the parsers start in milliseconds.
                context.set_forkserver_preload([__name__])
                _context = context
            else:  # pragma: no cover
                _context = multiprocessing.get_context("spawn")
        return _context


def start_pool_worker() -> None:
    """The initializer of a long-lived pool worker (text work, embeddings): it runs at a
    lower priority, and ends when the bot's process does. Killed with SIGKILL, the bot
    cannot stop its pools, and idle workers would otherwise stay forever. Ctrl+C reaches
    the whole process group: the bot stops its workers, so they ignore it (interrupted,
    a worker broke its pool, and the bot's exit printed the pool's errors)."""
    if hasattr(os, "nice"):
        os.nice(PARSE_NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True).start()


def _end_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def _run_blocking(
    kind: Work, body: bytes, encoding: str, limits: ParseLimits, cancelled: threading.Event
) -> Answer:
    with _slots:
        if cancelled.is_set():
            return ("unreadable", "the read was cancelled")
        context = mp_context()
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(  # type: ignore[attr-defined]
            target=_worker, args=(sender, kind, body, encoding, limits), daemon=True
        )
        try:
            started = time.monotonic()
            process.start()
            sender.close()
            end = started + limits.deadline
            while True:
                if cancelled.is_set():
                    return ("unreadable", "the read was cancelled")
                left = end - time.monotonic()
                if left <= 0:
                    return (
                        "unreadable",
                        f"could not be read within the {limits.deadline:g} s deadline",
                    )
                if receiver.poll(min(left, 0.1)):
                    break
            try:
                answer: Answer = receiver.recv()
            except (EOFError, OSError):
                process.join(1.0)
                return ("unreadable", _death(process.exitcode, limits))
            return answer
        finally:
            if process.is_alive():
                process.kill()
            process.join(5.0)
            receiver.close()
            if process.exitcode is not None:
                process.close()


def _death(exitcode: int | None, limits: ParseLimits) -> str:
    """Why a worker ended without an answer, in words for the paper's notes."""
    if exitcode is not None and exitcode < 0:
        # pdfium and lxml abort or crash when an allocation fails under the limit.
        return (
            f"could not be read: the parser died (signal {-exitcode}), most likely at its "
            f"{_megabytes(limits.memory_bytes)} memory limit"
        )
    return f"could not be read: the parser exited (status {exitcode})"


async def parse_isolated(
    kind: Kind, body: bytes, encoding: str, limits: ParseLimits
) -> HtmlPaper | PdfPaper:
    """Parses in a bounded worker process; raises PaperUnreadable and nothing else."""
    parsed = await _isolated(kind, body, encoding, limits)
    assert isinstance(parsed, HtmlPaper | PdfPaper)
    return parsed


async def render_isolated(pdf: bytes, limits: ParseLimits) -> PageRender | None:
    """The page of `pdf` with its "Figure 1" caption, rendered in a bounded worker process
    like a parse; None when it has none or cannot be rendered within the limits."""
    try:
        rendered = await _isolated("figure", pdf, "", limits)
    except PaperUnreadable as error:
        log.info("no figure page rendered: %s", error.reason)
        return None
    return rendered if isinstance(rendered, PageRender) else None


async def _isolated(kind: Work, body: bytes, encoding: str, limits: ParseLimits) -> Parsed:
    cancelled = threading.Event()
    loop = asyncio.get_running_loop()
    try:
        answer = await loop.run_in_executor(
            _waiters, _run_blocking, kind, body, encoding, limits, cancelled
        )
    except asyncio.CancelledError:
        cancelled.set()  # the waiting thread kills the worker within 0.1 s
        raise
    except Exception as error:  # the worker could not even be started (fds, fork limits)
        log.warning("could not start a parse worker: %r", error)
        answer = ("unreadable", f"no parser process could be started ({type(error).__name__})")
    if answer[0] == "ok":
        return answer[1]
    raise PaperUnreadable(WHAT[kind], answer[1])
