"""Print the README's table of SEVA_* settings from the Settings model (run by hand).

A test checks that README.md documents every setting, so this table cannot go stale.
"""

from __future__ import annotations

from pydantic import SecretStr

from bot.settings import ENV_PREFIX, Settings


def main() -> None:
    """Print the table."""
    print("| variable | default | meaning |")
    print("| --- | --- | --- |")
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=False)
        if field.default_factory is not None:
            default = "(computed)"
        if field.annotation is not None and "SecretStr" in str(field.annotation):
            default = "(secret; env or SEVA_SECRETS_DIR file)"
        if isinstance(default, list):
            default = ",".join(default)
        if isinstance(default, SecretStr):
            default = "***"
        doc = field.description or ""
        print(f"| `{ENV_PREFIX}{name.upper()}` | `{default}` | {doc} |")


if __name__ == "__main__":
    main()
