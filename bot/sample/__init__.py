"""The bundled sample workspace that drives `pulseboard demo` and the end-to-end tests."""

from __future__ import annotations

from importlib.resources import files

from bot.services.workspace.file import WorkspaceFile

SAMPLE_FILE = "workspace.json"


def load_sample() -> WorkspaceFile:
    text = files(__package__).joinpath(SAMPLE_FILE).read_text(encoding="utf-8")
    return WorkspaceFile.model_validate_json(text)
