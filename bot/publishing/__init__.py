"""Everything the core sends leaves through here: cleaned, routed, and posted once."""

from bot.publishing.chats import ChatRouter
from bot.publishing.outbound import Outbound
from bot.publishing.publisher import Publisher

__all__ = ["ChatRouter", "Outbound", "Publisher"]
