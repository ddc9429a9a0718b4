"""Department hashtags and handles: validated, and they route posts to their department."""

from __future__ import annotations

from pathlib import Path

from bot.kb.schema import Department, KnowledgeBase
from bot.kb.validate import validate
from bot.nlu.entities import EntityFinder
from bot.settings import load_settings


def _with_tags(kb: KnowledgeBase, tags: dict[str, dict[str, list[str]]]) -> KnowledgeBase:
    """``kb`` whose departments get the given ``hashtags``/``handles`` (test fixtures)."""
    depts: list[Department] = [d.model_copy(update=tags.get(d.id, {})) for d in kb.departments]
    return kb.model_copy(update={"departments": depts})


def _tag_problems(kb: KnowledgeBase, own: list[str] | None = None) -> list[str]:
    own_tags = own if own is not None else ["@moci_seva", "#mociseva"]
    return sorted(
        f"{p.where}: {p.message}"
        for p in validate(kb, own_tags=own_tags)
        if "hashtag" in p.message or "handle" in p.message
    )


def test_well_formed_unique_tags_validate(shipped_kb: KnowledgeBase) -> None:
    """Tags written with or without # and @, one department each, pass."""
    kb = _with_tags(
        shipped_kb,
        {"dgft": {"hashtags": ["#DGFTSeva", "IECSeva"], "handles": ["@DGFT_Desk"]},
         "sez": {"hashtags": ["SEZSeva"], "handles": ["SEZDesk"]}},
    )  # fmt: skip
    assert [] == _tag_problems(kb)
    assert {"#dgftseva": "dgft", "#iecseva": "dgft", "@dgft_desk": "dgft", "#sezseva": "sez",
            "@sezdesk": "sez"} == kb.tag_owners()  # fmt: skip


def test_malformed_shared_and_the_desk_s_own_tags_fail(shipped_kb: KnowledgeBase) -> None:
    """A bad hashtag or handle, a tag two departments claim and the desk's own each fail."""
    kb = _with_tags(
        shipped_kb,
        {"dgft": {"hashtags": ["DGFT Seva", "2026", "SharedSeva"], "handles": ["far_too_long_a_handle"]},
         "sez": {"hashtags": ["#sharedseva", "MoCISeva"], "handles": ["@MoCI_Seva"]}},
    )  # fmt: skip
    assert [
        "departments [dgft]: handle 'far_too_long_a_handle' is not a valid X handle",
        "departments [dgft]: hashtag '2026' is not a valid X hashtag",
        "departments [dgft]: hashtag 'DGFT Seva' is not a valid X hashtag",
        "departments [sez]: handle @moci_seva is the desk's own",
        "departments [sez]: hashtag #mociseva is the desk's own",
        "departments [sez]: hashtag #sharedseva is also dgft's",
    ] == _tag_problems(kb)


def test_the_desk_s_own_tags_come_from_settings() -> None:
    """Settings.own_tags is the account's @handle and hashtags, lower case."""
    settings = load_settings(account_handle="@MoCI_Seva", hashtags="MoCISeva,#Other")
    assert ["@moci_seva", "#mociseva", "#other"] == settings.own_tags()


def test_a_department_hashtag_or_handle_routes_before_any_alias(shipped_kb: KnowledgeBase) -> None:
    """#SEZSeva and @SEZDesk give the sez department first, even beside a DGFT alias; a tag
    inside a word or an e-mail does not count."""
    kb = _with_tags(shipped_kb, {"sez": {"hashtags": ["SEZSeva"], "handles": ["SEZDesk"]}})
    finder = EntityFinder(kb, "MOCI")
    assert ("sez", "dgft") == finder.find("#sezseva my IEC is stuck").depts[:2]
    assert ("sez",) == finder.find("@SEZDesk please help").depts[:1]
    assert "sez" not in finder.find("mail me at a@SEZDesk.in or x#SEZSeva").depts


def test_handle_tokens_come_from_secret_files_and_are_masked(tmp_path: Path) -> None:
    """x_user_access_token_<handle> files in SEVA_SECRETS_DIR and HANDLE=FILE pairs give
    the handles' tokens, which secret_values lists for the log masker."""
    (tmp_path / "x_user_access_token_DGFTDesk").write_text("tok-dgft\n", encoding="utf-8")
    (tmp_path / "seva_x_user_access_token_sezdesk").write_text("tok-sez", encoding="utf-8")
    other = tmp_path / "ipr.token"
    other.write_text("tok-ipr", encoding="utf-8")
    settings = load_settings(secrets_dir=tmp_path, x_handle_tokens=f"@IPRDesk={other}")
    tokens = {h: t.get_secret_value() for h, t in settings.handle_tokens().items()}
    assert {"dgftdesk": "tok-dgft", "sezdesk": "tok-sez", "iprdesk": "tok-ipr"} == tokens
    assert {"tok-dgft", "tok-sez", "tok-ipr"} <= set(settings.secret_values())
    assert "tok-dgft" not in repr(settings)
