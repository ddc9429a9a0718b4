"""The demo's live feed: each post, the desk's decision, and what the citizen got back."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from typing import Any

import click

from bot import pii

ICONS = {
    "answer_faq": "ANSWER",
    "refer": "REFER",
    "escalate": "TICKET",
    "status": "STATUS",
    "greet": "GREET",
    "clarify": "CLARIFY",
    "followup": "FOLLOW-UP",
    "ignore": "IGNORED",
}


@dataclass
class Tally:
    """Counts for the closing summary."""

    posts: int = 0
    decided: int = 0
    replies: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    latencies_s: list[float] = field(default_factory=list)

    def add(self, action: str) -> None:
        """Count one decision."""
        self.decided += 1
        self.actions[action] = self.actions.get(action, 0) + 1


def post_line(author: str, text: str, note: str) -> None:
    """Print a citizen's post (personal data masked, as the desk would log it)."""
    click.echo("")
    click.secho(f"@{author}: ", bold=True, nl=False)
    click.echo(pii.mask(text))
    click.secho(f"    ({note})", dim=True)


def decision_line(record: dict[str, Any]) -> None:
    """Print the desk's decision with its confidence."""
    d = record["decision"]
    info = record.get("info", {})
    facts = record.get("facts", {})
    conf = info.get("confidence")
    conf_txt = f" {conf:.2f}" if isinstance(conf, int | float) and conf else ""
    label = ICONS.get(d["action"], d["action"].upper())
    extra = f"  docket {facts['docket']}" if facts.get("docket") else ""
    click.secho(f"    -> {label}{extra}", fg="cyan", nl=False)
    click.secho(
        f"   [{info.get('intent') or '-'}{conf_txt}, {info.get('lang', '?')}] {d['reason']}",
        dim=True,
    )


def reply_lines(parts: list[dict[str, Any]]) -> None:
    """Print the reply thread as posted on X."""
    for part in parts:
        for i, line in enumerate(textwrap.wrap(part["text"], 96) or [""]):
            prefix = "    <- " if i == 0 else "       "
            click.secho(prefix + line, fg="green")


def summary(tally: Tally, base: dict[str, Any]) -> None:
    """Print the closing summary."""
    click.echo("")
    click.secho("Summary", bold=True)
    click.echo(f"  posts published by the crowd : {tally.posts}")
    click.echo(f"  decisions recorded            : {tally.decided}")
    click.echo(f"  reply posts on X              : {tally.replies}")
    for action, n in sorted(tally.actions.items()):
        click.echo(f"    {ICONS.get(action, action):<10} {n}")
    if tally.latencies_s:
        lat = sorted(tally.latencies_s)
        click.echo(f"  publish -> first reply (median) : {lat[len(lat) // 2]:.2f} s")
    click.echo("  " + json.dumps(base))
