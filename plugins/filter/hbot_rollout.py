"""Filters for rolling operations on bots (upgrade, backup, restore): pure functions over the inventory."""

from __future__ import annotations

from typing import Any


def hbot_bots_with_images(bots: list, images: dict) -> list:
    """The declared bots, with the image of each bot named in `images` replaced.

    An upgrade renders the compose project from this list, so a bot keeps the image it runs until its
    turn comes, even when the inventory already names a newer one."""
    return [
        {**bot, "image": images[bot["name"]]} if isinstance(bot, dict) and bot.get("name") in images else bot
        for bot in bots
    ]


def hbot_select_bots(selection: Any, planned: list) -> dict:
    """Resolve `bots` (list of names, comma-separated string, or 'all') against the planned bots.

    Returns {"names": [...] in inventory order, "errors": [...]}; an unknown name is an error naming it."""
    known = [bot["name"] for bot in planned]
    if isinstance(selection, str):
        selection = [name.strip() for name in selection.split(",") if name.strip()]
    if not isinstance(selection, list) or not selection:
        return {"names": [], "errors": [f"bots: expected 'all' or bot names, got {selection!r}"]}
    if selection == ["all"]:
        return {"names": known, "errors": []}
    unknown = [name for name in selection if name not in known]
    known_list = ", ".join(known) or "none"
    errors = [f"bots: {name!r} is not a bot on this host; known: {known_list}" for name in unknown]
    return {"names": [name for name in known if name in selection], "errors": errors}


def hbot_upgrade_targets(planned: list, names: list, image: str = "") -> dict:
    """Bot name -> the image it moves to: `image` when given, else the inventory's image of that bot."""
    return {bot["name"]: image or bot["image"] for bot in planned if bot["name"] in names}


def hbot_newest_archives(paths: list, keep: int) -> dict:
    """Split archive paths (timestamped names sort by age) into the `keep` newest and the rest."""
    ordered = sorted(paths, reverse=True)
    return {"keep": ordered[:keep], "prune": ordered[keep:]}


class FilterModule:
    def filters(self):
        return {
            "hbot_bots_with_images": hbot_bots_with_images,
            "hbot_select_bots": hbot_select_bots,
            "hbot_upgrade_targets": hbot_upgrade_targets,
            "hbot_newest_archives": hbot_newest_archives,
        }
