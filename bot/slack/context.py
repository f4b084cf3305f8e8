"""The app's dependencies in bolt's per-request context, where every listener finds them.

:func:`deps_middleware` is a global middleware (bot/slack/app.py) that puts the one
:class:`~bot.runtime.deps.Deps` of the app into each request's ``context``; a listener
asks for ``context: BoltContext`` and reads them with :func:`deps_of`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

from bot.runtime.deps import Deps

DEPS = "pulseboard_deps"

Middleware = Callable[..., Any]


def deps_middleware(deps: Deps) -> Middleware:
    def put_deps(context: BoltContext, next: Callable[[], Any]) -> Any:
        context[DEPS] = deps
        return next()

    return put_deps


def deps_of(context: BoltContext) -> Deps:
    deps = context.get(DEPS)
    if not isinstance(deps, Deps):
        raise RuntimeError("no Deps in the bolt context: is deps_middleware installed?")
    return deps
