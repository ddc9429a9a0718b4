"""Department hashtags and handles end to end: ingest, pipeline and outbox roles, the X
emulator over HTTP (it creates the department handles and their user tokens), Rasa."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from bot.nlu.server import RasaServer
from tests.conftest import ROOT, RedisServer
from tests.e2e.test_desk import Desk, running_desk

HASHTAG = "DGFTDeskTest"
ANSWERING = "DGFTDesk"  # the desk holds its user token
UNTOKENED = "SEZDesk"  # the desk does not


def _kb_with_tags(tmp: Path) -> Path:
    """A copy of the shipped KB whose DGFT and SEZ departments own tags (fixtures only)."""
    kb_dir = tmp / "faq_kb"
    shutil.copytree(ROOT / "faq_kb", kb_dir)
    path = kb_dir / "departments.yml"
    depts = yaml.safe_load(path.read_text(encoding="utf-8"))
    for dept in depts:
        if dept["id"] == "dgft":
            dept |= {"hashtags": [HASHTAG], "handles": [ANSWERING]}
        if dept["id"] == "sez":
            dept |= {"handles": [UNTOKENED]}
    path.write_text(yaml.safe_dump(depts, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return kb_dir


async def _until_rules(desk: Desk, wanted: set[str], timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while not wanted <= {r.value for r in await desk.x.get_rules()}:
            await asyncio.sleep(0.2)


async def _decision(desk: Desk, post_id: str, timeout: float = 60) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            raw = await desk.redis.get(desk.keys.decision(post_id))
            if raw and json.loads(raw).get("done"):
                return dict(json.loads(raw))
            await asyncio.sleep(0.1)


async def test_department_tags_route_and_the_summoned_handle_answers(
    rasa: RasaServer, redis_server: RedisServer, key_prefix: str, tmp_path: Path
) -> None:
    """A department hashtag routes to its department; a post summoning only a department's
    handle is answered from that handle with its token, and goes to a hand reply without."""
    token_file = tmp_path / "dgftdesk.token"

    async def handle_with_token(emu: Any) -> dict[str, Any]:
        """The department's handle on "X", and its user token in a secret file."""
        user = await emu.control.create_user(ANSWERING)
        token_file.write_text(user["user_token"], encoding="utf-8")
        return {"x_handle_tokens": f"{ANSWERING}={token_file}"}

    async with running_desk(
        rasa, redis_server, key_prefix, "ingest,pipeline,outbox", handle_with_token,
        kb_dir=_kb_with_tags(tmp_path), ingest_poll_interval_s=1.0,
    ) as desk:  # fmt: skip
        await desk.emu.control.create_user(UNTOKENED)
        for citizen in ("citizen_a", "citizen_b", "citizen_c"):
            await desk.emu.control.create_user(citizen)
        await _until_rules(
            desk, {f"#{HASHTAG.lower()} -is:retweet", f"@{ANSWERING.lower()} -is:retweet"}
        )
        tagged = await desk.emu.control.publish("citizen_a", f"#{HASHTAG} nobody answers me")
        asked = await desk.emu.control.publish("citizen_b", f"@{ANSWERING} how do I apply for IEC?")
        untokened = await desk.emu.control.publish(
            "citizen_c", f"@{UNTOKENED} my unit approval has been pending for months"
        )

        routed = await _decision(desk, tagged["id"])
        assert ("escalate", "dgft", True) == (
            routed["decision"]["action"],
            routed["decision"]["dept"],
            routed["decision"]["manual_reply"],
        )

        answered = await _decision(desk, asked["id"])
        assert "answer_faq" == answered["decision"]["action"]
        [reply] = await desk.thread(asked["id"])
        [reply_post] = await desk.emu.control.posts(in_reply_to=asked["id"])
        assert reply in reply_post["text"]
        handle_user = await desk.emu.control.posts(author=ANSWERING)
        assert [reply_post["id"]] == [p["id"] for p in handle_user]

        manual = await _decision(desk, untokened["id"])
        assert ("escalate", "sez", True) == (
            manual["decision"]["action"],
            manual["decision"]["dept"],
            manual["decision"]["manual_reply"],
        )
        await asyncio.sleep(2.0)
        assert [] == await desk.emu.control.posts(in_reply_to=untokened["id"])
        assert [] == await desk.emu.control.posts(in_reply_to=tagged["id"])
