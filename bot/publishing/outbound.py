"""Outbound hygiene: no secret and no mass mention leaves paperclub.

`ChatRouter` applies `Outbound.post` to everything the core posts, and each adapter's
one reply helper applies `Outbound.text` to command replies and errors, so a model or
a paper that echoes a token, or writes `@everyone`, reaches nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot.render import Post
from bot.text.mentions import defuse_mass_mentions

MIN_SECRET_CHARS = 6  # shorter "secrets" (test placeholders, "none") would redact ordinary words
REDACTED = "[redacted]"


class Outbound:
    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = [s for s in secrets if len(s) >= MIN_SECRET_CHARS]

    def text(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return defuse_mass_mentions(text)

    def post(self, post: Post) -> Post:
        card = post.card
        if card is not None:
            card = replace(
                card,
                title=self.text(card.title),
                subtitle=self.text(card.subtitle),
                description=self.text(card.description),
                fields=tuple(replace(f, value=self.text(f.value)) for f in card.fields),
                links=tuple(replace(link, url=self.text(link.url)) for link in card.links),
                notes=tuple(self.text(note) for note in card.notes),
            )
        image = post.image
        if image is not None:
            image = replace(image, caption=self.text(image.caption), url=self.text(image.url))
        return Post(text=self.text(post.text), card=card, image=image)

    def streamed_prefix(self, text: str) -> str:
        """A streamed prefix, minus any tail that could be the start of a secret still
        arriving (the next edit would show it before the whole secret can be matched)."""
        for secret in self._secrets:
            for size in range(min(len(secret) - 1, len(text)), 0, -1):
                if text.endswith(secret[:size]):
                    text = text[:-size]
                    break
        return self.text(text)
