"""`python -m tests.loopback.discord_pointed PORT paperclub-args...`: the real `paperclub`
command line in a process of its own, with discord.py pointed at the loopback Discord on
127.0.0.1:PORT (what `pointed_at` does inside a test process), so tests can run real
`paperclub discord` processes against one fake gateway."""

from __future__ import annotations

import sys

import discord.gateway
import discord.http
import yarl

from adapters.cli import main


def point_at(port: int) -> None:
    discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/gateway")


if __name__ == "__main__":
    point_at(int(sys.argv[1]))
    sys.exit(main(sys.argv[2:]))
