"""issue 14, migration 7: a paper loaded back from the store keeps its arXiv comment and its
code link, so a thread answer, a re-render or an export shows them on the card."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.render import paper_data, paper_thread

MakeSettings = Callable[..., Settings]
COMMENTED = "1605.08386"  # its recorded arXiv entry says "20 pages, 3 figures"
REPOSITORY = "https://github.com/example-lab/example-code"


async def test_a_prepared_paper_loaded_from_a_fresh_store_shows_its_comment_and_code(
    make_settings: MakeSettings,
) -> None:
    settings = make_settings()
    async with bootstrap(settings) as club:
        looked_up = await club.papers.find_paper(COMMENTED)
        assert looked_up.comment == "20 pages, 3 figures"
        await club.papers.prepare_paper(replace(looked_up, code_url=REPOSITORY), "en")

    async with bootstrap(settings) as club:  # a restart: nothing but the database is kept
        stored = await club.store.paper(COMMENTED)
        assert stored is not None
        assert (stored.comment, stored.code_url) == ("20 pages, 3 figures", REPOSITORY)
        summary = await club.store.summary(COMMENTED, "en")
        assert summary is not None
        card = paper_thread(stored, summary).root.card
        assert card is not None
        assert ("Comment", "20 pages, 3 figures") in [(f.name, f.value) for f in card.fields]
        assert ("Code", REPOSITORY) in [(link.label, link.url) for link in card.links]
        data = paper_data(stored, summary)
        assert data["comment"] == "20 pages, 3 figures"
        assert data["links"] == {
            "abstract": f"https://arxiv.org/abs/{COMMENTED}",
            "pdf": f"https://arxiv.org/pdf/{COMMENTED}",
            "html": f"https://arxiv.org/html/{COMMENTED}",
            "code": REPOSITORY,
        }

        # `/paper` of a known paper looks it up on arXiv again, which knows no code link:
        # saving that lookup keeps the repository Hugging Face listed.
        await club.store.save_paper(await club.papers.find_paper(COMMENTED))
        again = await club.store.paper(COMMENTED)
        assert again is not None and again.code_url == REPOSITORY
        assert again.comment == "20 pages, 3 figures"
