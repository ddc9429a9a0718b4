"""Fuzz ``bot.ingest.normalise``: any post, handle and quote map gives flags, never a crash."""

import sys

import atheris

with atheris.instrument_imports(enable_loader_override=False):
    from bot.ingest.normalise import for_account, is_own
    from bot.x.models import Post


def one_input(data: bytes) -> None:
    """Build a post from fuzzed strings and decide what it means for the account."""
    fdp = atheris.FuzzedDataProvider(data)
    handle = fdp.ConsumeUnicodeNoSurrogates(20)
    account = fdp.ConsumeUnicodeNoSurrogates(20) or None
    post = Post(
        id=fdp.ConsumeUnicodeNoSurrogates(20),
        author_id=fdp.ConsumeUnicodeNoSurrogates(20),
        author_handle=fdp.ConsumeUnicodeNoSurrogates(16) or None,
        text=fdp.ConsumeUnicode(200),
        lang=None,
        created_at=None,
        conversation_id=None,
        referenced=tuple(
            (fdp.PickValueInList(["quoted", "replied_to", "retweeted", ""]), str(i))
            for i in range(fdp.ConsumeIntInRange(0, 3))
        ),
        mentions=tuple(fdp.ConsumeUnicode(16) for _ in range(fdp.ConsumeIntInRange(0, 3))),
    )
    quoted = {"0": account or "", "1": fdp.ConsumeUnicode(8)}
    out = for_account(
        post,
        handle=handle,
        quoted_authors=quoted,
        account_id=account,
        reply_restriction=fdp.ConsumeBool(),
    )
    assert out.reply_allowed >= (out.mentions_account or out.quotes_account)
    assert isinstance(is_own(post, account, handle), bool)


if __name__ == "__main__":
    atheris.instrument_all()  # the editable install's loader hides imports from instrument_imports
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
