"""Operating the bots: playbooks/bots.yml reruns with changed inventories, then upgrade (good and bad
version, with rollback) and backup/restore, each run as an operator runs it against the converged host.

Runs after test_bots.py (file order) and in the order written: each section leaves the host as the next
one expects. The exchange is unreachable here, so "started" (logged in, strategy and controllers running)
is what upgrade and restore wait for (hummingbot_rollout_wait_healthy: false in the sandbox inventory).
"""

from __future__ import annotations

import time

import pytest
from conftest import PYTHON, Bot, declared_bots, in_bot, play, python_command, started_at

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BOT_IMAGE = "hummingbot/hummingbot:version-2.12.0"  # the tag production pulls, as the sandbox loads it
NEXT_IMAGE = f"{BOT_IMAGE}-next"
BROKEN_IMAGE = f"{BOT_IMAGE}-broken"
BROKER = "hbot-mosquitto-1"


@pytest.fixture
def bot2(host) -> Bot:
    return Bot(host, "bot2")


def with_controller_config(bots: list[dict], bot: str, **fields) -> list[dict]:
    for declared in bots:
        if declared["name"] == bot:
            declared["controllers"][0]["config"].update(fields)
    return bots


def with_state(bots: list[dict], bot: str, state: str) -> list[dict]:
    for declared in bots:
        if declared["name"] == bot:
            declared["state"] = state
    return bots


def image_of(bot: Bot) -> str:
    return bot.inspect()["Config"]["Image"]


def started(bot: Bot) -> str:
    """The image's own healthcheck, --started: logged in, strategy and every controller running."""
    with bot.host.sudo():
        return bot.host.run(f"docker exec {bot.container} {PYTHON} bin/hbot_healthcheck.py --started").stdout


def wait_started(bot: Bot, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    verdict = ""
    while time.monotonic() < deadline:
        verdict = started(bot)
        if verdict.startswith("started:"):
            return verdict
        time.sleep(5)
    pytest.fail(f"{bot.name} did not start within {timeout}s: {verdict}")


# --- Config changes: hot-reloadable vs restart, operator-edited built-ins ----------------------------

EDITED_BUILTIN = "scripts/sandbox_builtin.py"  # a built-in of the image (the sandbox stand-in)
OPERATOR_NOTE = "# operator note: kept across converges"


@pytest.fixture(scope="module")
def hot_change(host):
    """An operator edits a built-in, then changes bot1's total_amount_quote (is_updatable) and converges."""
    bot1, bot2 = Bot(host, "bot1"), Bot(host, "bot2")
    bot1.sudo(f"sh -c 'echo \"{OPERATOR_NOTE}\" >> {bot1.dir}/{EDITED_BUILTIN}'")
    before = {bot.name: started_at(bot) for bot in (bot1, bot2)}
    result = play(
        "bots.yml", hummingbot_bots=with_controller_config(declared_bots(), "bot1", total_amount_quote=12)
    )
    after = {bot.name: started_at(bot) for bot in (bot1, bot2)}
    return result, before, after


def test_hot_reloadable_change_updates_the_yaml_without_a_restart(hot_change, bot):
    result, before, after = hot_change
    assert result.rc == 0, result.output[-3000:]
    assert "total_amount_quote: 12" in bot.read("conf/controllers/fixed_spread.yml")
    assert after == before  # neither bot1 nor bot2 restarted
    assert result.changed >= 1


def test_operator_edited_built_in_is_reported_and_kept(hot_change, bot):
    result, _, _ = hot_change
    assert f"bot1: kept operator-edited built-ins: {EDITED_BUILTIN}" in result.output
    assert OPERATOR_NOTE in bot.read(EDITED_BUILTIN)


def test_non_updatable_change_restarts_that_bot_only(bot, bot2):
    bot1_before, bot2_before, broker_before = started_at(bot), started_at(bot2), started_at(bot, BROKER)
    bots = with_controller_config(declared_bots(), "bot1", total_amount_quote=12, trading_pair="BTC-USDT")
    result = play("bots.yml", hummingbot_bots=bots)
    assert result.rc == 0, result.output[-3000:]
    assert "trading_pair: BTC-USDT" in bot.read("conf/controllers/fixed_spread.yml")
    assert started_at(bot) != bot1_before
    assert started_at(bot2) == bot2_before
    assert started_at(bot, BROKER) == broker_before


@pytest.fixture(scope="module")
def bot2_stopped():
    return with_state(
        with_controller_config(declared_bots(), "bot1", total_amount_quote=12, trading_pair="BTC-USDT"),
        "bot2",
        "stopped",
    )


def test_stopped_state_stops_that_bot_only(bot, bot2, bot2_stopped):
    bot1_before = started_at(bot)
    result = play("bots.yml", hummingbot_bots=bot2_stopped)
    assert result.rc == 0, result.output[-3000:]
    assert bot2.inspect()["State"]["Status"] == "exited"
    assert bot.inspect()["State"]["Running"] is True
    assert started_at(bot) == bot1_before


def test_stopped_state_rerun_is_idempotent(bot2, bot2_stopped):
    result = play("bots.yml", hummingbot_bots=bot2_stopped)
    assert result.rc == 0, result.output[-3000:]
    assert result.changed == 0, result.output[-3000:]
    assert bot2.inspect()["State"]["Status"] == "exited"


def test_converging_the_inventory_again_restores_both_bots(bot, bot2):
    bot.sudo(f"sed -i '/^{OPERATOR_NOTE}$/d' {bot.dir}/{EDITED_BUILTIN}")
    result = play("bots.yml")
    assert result.rc == 0, result.output[-3000:]
    assert "kept operator-edited built-ins" not in result.output
    assert "trading_pair: ETH-USDT" in bot.read("conf/controllers/fixed_spread.yml")
    wait_started(bot)
    wait_started(bot2)


# --- Upgrade: a good version, then a bad one that is rolled back --------------------------------------

MARKER_SCRIPT = """
import sys, time
from decimal import Decimal
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from hummingbot.model import get_declarative_base
from hummingbot.model.trade_fill import TradeFill
get_declarative_base()  # imports every model, so TradeFill's relationships resolve
engine = create_engine("sqlite:////home/hummingbot/data/{bot}.sqlite")
with Session(engine) as session:
    session.add(TradeFill(
        config_file_path="{bot}.yml", strategy="hbot_v2_controllers", market="binance", symbol="ETH-USDT",
        base_asset="ETH", quote_asset="USDT", timestamp=int(time.time() * 1000), order_id="{marker}",
        trade_type="BUY", order_type="LIMIT", price=Decimal("2000"), amount=Decimal("0.005"), leverage=1,
        trade_fee={{}}, exchange_trade_id="{marker}"))
    session.commit()
"""


def add_marker_fill(bot: Bot, marker: str) -> None:
    """A TradeFill row through Hummingbot's own ORM, in the bot's live database."""
    in_bot(bot, MARKER_SCRIPT.format(bot=bot.name, marker=marker))


def delete_marker_fills(bot: Bot, marker: str) -> None:
    in_bot(
        bot,
        f"import sqlite3\nwith sqlite3.connect('data/{bot.name}.sqlite') as c:\n"
        f"    c.execute('DELETE FROM TradeFill WHERE exchange_trade_id = ?', ('{marker}',))",
    )


def marker_fills(bot: Bot, marker: str) -> int:
    script = (
        f"import sqlite3; c = sqlite3.connect('data/{bot.name}.sqlite'); "
        "query = 'SELECT COUNT(*) FROM TradeFill WHERE exchange_trade_id = ?'; "
        f"print(c.execute(query, ('{marker}',)).fetchone()[0])"
    )
    return int(in_bot(bot, script).strip())


def test_build_the_new_versions(host):  # host: keeps the file order (testinfra groups by it)
    result = play("../tests/molecule/bots/test_images.yml")
    assert result.rc == 0, result.output[-3000:]


def test_bad_upgrade_input_is_rejected_before_any_change(bot):
    before = started_at(bot)
    unknown = play("upgrade.yml", bots="bot1,bot9", image=NEXT_IMAGE)
    assert unknown.rc != 0
    assert "bots: 'bot9' is not a bot on this host" in unknown.output
    unpinned = play("upgrade.yml", bots="bot1", image="hummingbot/hummingbot:latest")
    assert unpinned.rc != 0
    assert 'image: "hummingbot/hummingbot:latest" has no version' in unpinned.output
    missing = play("upgrade.yml", bots="bot1", image="hummingbot/hummingbot:version-9.9.9")
    assert missing.rc != 0
    assert "not all on the host" in missing.output
    assert started_at(bot) == before
    assert image_of(bot) == BOT_IMAGE


def test_good_upgrade_recreates_the_bot_on_the_new_version(bot, bot2):
    add_marker_fill(bot, "before-upgrade")
    bot1_before, bot2_before = started_at(bot), started_at(bot2)
    result = play("upgrade.yml", bots="bot1", image=NEXT_IMAGE)
    assert result.rc == 0, result.output[-4000:]
    assert image_of(bot) == NEXT_IMAGE
    assert bot.inspect()["Config"]["Labels"]["hbot.test-version"] == "next"
    assert started_at(bot) != bot1_before
    assert started(bot).startswith("started:")
    assert image_of(bot2) == BOT_IMAGE and started_at(bot2) == bot2_before
    assert f"image: {NEXT_IMAGE}" in bot.sudo("cat /opt/hbot/compose.yml")
    assert marker_fills(bot, "before-upgrade") == 1


def test_upgrade_rerun_on_the_same_version_changes_nothing(bot):
    before = started_at(bot)
    result = play("upgrade.yml", bots="bot1", image=NEXT_IMAGE)
    assert result.rc == 0, result.output[-3000:]
    assert "bot1: already on" in result.output
    assert started_at(bot) == before


@pytest.fixture(scope="module")
def bad_upgrade(host):
    """Every bot to a version whose entry point exits: bot1 goes first, fails, is rolled back."""
    bot1, bot2 = Bot(host, "bot1"), Bot(host, "bot2")
    add_marker_fill(bot1, "before-bad-upgrade")
    bot2_before = started_at(bot2)
    result = play("upgrade.yml", bots="all", image=BROKEN_IMAGE)
    return result, bot2_before


def test_bad_upgrade_fails_naming_the_bot_and_the_version(bad_upgrade):
    result, _ = bad_upgrade
    assert result.rc != 0
    assert f"UPGRADE FAILED: bot bot1 did not come up on {BROKEN_IMAGE}" in result.output
    assert "its process exited" in result.output  # failed fast, not after the timeout
    assert f"Rolled back to {NEXT_IMAGE}" in result.output


def test_bad_upgrade_is_rolled_back_to_the_old_image_with_data_intact(bad_upgrade, bot):
    assert image_of(bot) == NEXT_IMAGE
    assert bot.inspect()["State"]["Running"] is True
    assert started(bot).startswith("started:")
    assert f"image: {NEXT_IMAGE}" in bot.sudo("cat /opt/hbot/compose.yml")
    assert BROKEN_IMAGE not in bot.sudo("cat /opt/hbot/compose.yml")
    assert marker_fills(bot, "before-upgrade") == 1
    assert marker_fills(bot, "before-bad-upgrade") == 1
    # The bad version really ran, and said why where every crash goes (stderr -> logs/errors.log).
    assert "broken release" in bot.read("logs/errors.log")


def test_bad_upgrade_stops_the_rollout_before_the_next_bot(bad_upgrade, bot2):
    _, bot2_before = bad_upgrade
    assert image_of(bot2) == BOT_IMAGE
    assert started_at(bot2) == bot2_before


# --- Backup and restore --------------------------------------------------------------------------------

BACKUPS = "/var/backups/hbot/bot1"


def archives(bot: Bot, pre_restore: bool = False) -> list[str]:
    """backup.yml's archives of the bot, oldest first; or the safety copies restores took."""
    names = sorted(bot.sudo(f"ls {BACKUPS}").split())
    return [name for name in names if name.endswith("-pre-restore.tar.gz") == pre_restore]


def archived_fills(bot: Bot, archive: str) -> dict:
    """Open the archive on the host: its database's integrity and its TradeFill rows."""
    script = (
        "import shutil, sqlite3, tarfile, tempfile\n"
        "d = tempfile.mkdtemp()\n"
        f"tarfile.open('{BACKUPS}/{archive}').extractall(d, filter='data')\n"
        "c = sqlite3.connect(d + '/data/bot1.sqlite')\n"
        "print(c.execute('PRAGMA integrity_check').fetchone()[0])\n"
        "print(c.execute('SELECT COUNT(*) FROM TradeFill').fetchone()[0])\n"
        "load = \"SELECT COUNT(*) FROM TradeFill WHERE exchange_trade_id LIKE 'load-%'\"\n"
        "print(c.execute(load).fetchone()[0])\n"
        "c.close()\n"
        "shutil.rmtree(d)\n"
    )
    integrity, total, load = bot.sudo(python_command("python3", script)).split()
    return {"integrity": integrity, "fills": int(total), "load_fills": int(load)}


LOAD_SCRIPT = """
import time
from decimal import Decimal
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from hummingbot.model import get_declarative_base
from hummingbot.model.trade_fill import TradeFill
get_declarative_base()  # imports every model, so TradeFill's relationships resolve
engine = create_engine("sqlite:////home/hummingbot/data/bot1.sqlite", connect_args={"timeout": 30})
deadline = time.time() + 40
batch = 0
while time.time() < deadline:
    with Session(engine) as session:
        for n in range(10):
            session.add(TradeFill(
                config_file_path="bot1.yml", strategy="load", market="binance", symbol="ETH-USDT",
                base_asset="ETH", quote_asset="USDT", timestamp=int(time.time() * 1000),
                order_id=f"load-{batch}-{n}", trade_type="BUY", order_type="LIMIT", price=Decimal("1"),
                amount=Decimal("1"), leverage=1, trade_fee={}, exchange_trade_id=f"load-{batch}-{n}"))
        session.commit()
    batch += 1
    time.sleep(0.05)
"""


def test_backup_while_the_database_is_written_is_consistent(bot):
    """A writer in the bot's container commits TradeFill rows 10 per transaction while backup.yml runs:
    the archived database passes integrity_check and holds whole transactions only."""
    in_bot(bot, LOAD_SCRIPT, detach=True)
    time.sleep(5)
    result = play("backup.yml", bots="bot1")
    assert result.rc == 0, result.output[-3000:]
    newest = archives(bot)[-1]
    copy = archived_fills(bot, newest)
    assert copy["integrity"] == "ok"
    assert copy["load_fills"] > 0 and copy["load_fills"] % 10 == 0


def test_archives_are_private(host):
    with host.sudo():
        assert host.file("/var/backups/hbot").mode == 0o700
        assert host.file(BACKUPS).mode == 0o700
        for name in host.check_output(f"ls {BACKUPS}").split():
            archive = host.file(f"{BACKUPS}/{name}")
            assert archive.mode == 0o600 and archive.user == "root", name


def test_restore_rejects_a_missing_archive_or_bot_before_any_change(bot):
    before = started_at(bot)
    missing = play("restore.yml", bot="bot1", archive="bot1-20000101T000000Z.tar.gz")
    assert missing.rc != 0
    assert "archive: bot1-20000101T000000Z.tar.gz not found for bot1" in missing.output
    unknown = play("restore.yml", bot="bot9")
    assert unknown.rc != 0
    assert 'bot: "bot9" is not a bot on this host' in unknown.output
    assert started_at(bot) == before


def test_restore_round_trip(bot):
    """Marker fill -> backup -> marker deleted, another fill added -> restore latest -> marker back."""
    time.sleep(1)  # archive names carry the second
    add_marker_fill(bot, "round-trip")
    backup = play("backup.yml", bots="bot1")
    assert backup.rc == 0, backup.output[-3000:]
    backed_up = archives(bot)[-1]
    delete_marker_fills(bot, "round-trip")
    add_marker_fill(bot, "after-backup")
    assert marker_fills(bot, "round-trip") == 0
    before = started_at(bot)
    restore = play("restore.yml", bot="bot1")
    assert restore.rc == 0, restore.output[-3000:]
    assert f"restored conf and data from {backed_up}" in restore.output
    assert marker_fills(bot, "round-trip") == 1
    assert marker_fills(bot, "after-backup") == 0
    assert started_at(bot) != before
    assert started(bot).startswith("started:")
    with bot.host.sudo():
        assert bot.host.file(f"{bot.dir}/conf").mode == 0o700
        assert bot.host.file(f"{bot.dir}/conf/connectors/binance.yml").mode == 0o600
    # What the restore replaced was backed up first, under its own name, so it can be undone.
    assert archives(bot)[-1] == backed_up
    replaced = archives(bot, pre_restore=True)
    assert len(replaced) == 1
    assert archived_fills(bot, replaced[0])["fills"] >= 1


def test_a_second_restore_of_latest_does_not_undo_the_first(bot):
    """The first restore's safety copy is the newest file, but `latest` still means backup.yml's newest;
    the safety copy comes back only when named."""
    time.sleep(1)  # archive names carry the second
    again = play("restore.yml", bot="bot1")
    assert again.rc == 0, again.output[-3000:]
    assert f"restored conf and data from {archives(bot)[-1]}" in again.output
    assert marker_fills(bot, "round-trip") == 1
    assert marker_fills(bot, "after-backup") == 0
    undo = play("restore.yml", bot="bot1", archive=archives(bot, pre_restore=True)[0])
    assert undo.rc == 0, undo.output[-3000:]
    assert marker_fills(bot, "after-backup") == 1
    assert marker_fills(bot, "round-trip") == 0
    assert len(archives(bot, pre_restore=True)) == 3  # one per restore, none pruned


def test_retention_keeps_the_newest_archives(bot):
    for _ in range(2):  # at least three archives, whatever ran before
        time.sleep(1)  # archive names carry the second
        extra = play("backup.yml", bots="bot1", hummingbot_backup_keep=10)
        assert extra.rc == 0, extra.output[-3000:]
    before = archives(bot)
    assert len(before) >= 3
    time.sleep(1)
    result = play("backup.yml", bots="bot1")  # hummingbot_backup_keep: 2 in host_vars/molecule-bots.yml
    assert result.rc == 0, result.output[-3000:]
    after = archives(bot)
    assert len(after) == 2
    assert after[0] == before[-1]  # the newest before, and the one just made
    assert after[1] not in before
    assert len(archives(bot, pre_restore=True)) == 3  # restores' safety copies are not retention's to prune
