"""The unit of work: one transaction, and the repositories of one workspace inside it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db import SessionFactory
from storage.models import User
from storage.repositories.audit import AuditRepository
from storage.repositories.backups import BackupRepository
from storage.repositories.deliveries import DeliveryRepository
from storage.repositories.digests import DigestRunRepository
from storage.repositories.directory import DirectoryRepository
from storage.repositories.domains import DomainRepository
from storage.repositories.driver_results import DriverResultsRepository
from storage.repositories.drivers import DriverAnswerRepository, DriverRepository
from storage.repositories.embeddings import EmbeddingRepository
from storage.repositories.followups import FollowupRepository
from storage.repositories.leases import LeaseRepository
from storage.repositories.links import LinkStates, ThemeLinkRepository
from storage.repositories.objective_kpis import KpiValueRepository
from storage.repositories.objectives import ObjectiveRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.placements import PlacementQueue
from storage.repositories.pulse_charts import PulseChartRepository
from storage.repositories.pulses import PulseRepository
from storage.repositories.queue_depths import QueueDepths
from storage.repositories.requests import RequestRepository
from storage.repositories.themes import ThemeRepository
from storage.repositories.users import UserRepository
from storage.repositories.votes import VoteRepository
from storage.sqlite_writer import WRITE_TIMEOUT

RepositoryT = TypeVar("RepositoryT")


class NoWorkspaceError(RuntimeError):
    """A workspace's repository was asked of a unit of work opened for no workspace."""


def _deployment_repository(
    repository: Callable[[Session], RepositoryT],
) -> cached_property[RepositoryT]:
    """A unit of work's repository of the whole deployment, built when first asked for."""
    return cached_property(lambda uow: repository(uow.session))


def _workspace_repository(
    repository: Callable[[Session, str], RepositoryT],
) -> cached_property[RepositoryT]:
    """A unit of work's repository of its workspace, built when first asked for."""
    return cached_property(lambda uow: repository(uow.session, uow.workspace_id))


class UnitOfWork:
    """One session, and the repositories of one workspace bound to it.

    Services take a unit of work and reach the database through its attributes
    (``uow.requests.log_once(...)``); each repository is built the first time it is asked
    for, bound to this session and scoped to ``workspace_id``. The unit of work never
    commits: :func:`unit_of_work` does, when its block ends.

    Across workspaces (a job that loops over them, the outbox sender), open it without a
    workspace: it then reaches only what belongs to the whole deployment (``placements``,
    ``leases``, ``queue_depths``, ``workspace_ids()``), and a workspace's repository raises
    :class:`NoWorkspaceError`. ``uow.for_workspace(id)`` is that workspace's unit of work
    in the same session and transaction.
    """

    def __init__(self, session: Session, workspace_id: str | None = None) -> None:
        self.session = session
        self._workspace_id = workspace_id

    @property
    def workspace_id(self) -> str:
        if self._workspace_id is None:
            raise NoWorkspaceError(
                "this unit of work is for no workspace: use uow.for_workspace(workspace_id)"
            )
        return self._workspace_id

    def for_workspace(self, workspace_id: str) -> UnitOfWork:
        """The unit of work of ``workspace_id`` in this same session and transaction."""
        if workspace_id == self._workspace_id:
            return self
        return UnitOfWork(self.session, workspace_id)

    def workspace_ids(self) -> list[str]:
        """Workspaces that have data in this database."""
        query = select(User.workspace_id).distinct().order_by(User.workspace_id)
        return list(self.session.scalars(query))

    # The deployment's: not bound to a workspace.

    placements = _deployment_repository(PlacementQueue)
    leases = _deployment_repository(LeaseRepository)
    queue_depths = _deployment_repository(QueueDepths)
    link_states = _deployment_repository(LinkStates)

    # A workspace's.

    audit = _workspace_repository(AuditRepository)
    backups = _workspace_repository(BackupRepository)
    deliveries = _workspace_repository(DeliveryRepository)
    digests = _workspace_repository(DigestRunRepository)
    directory = _workspace_repository(DirectoryRepository)
    driver_results = _workspace_repository(DriverResultsRepository)
    drivers = _workspace_repository(DriverRepository)
    driver_answers = _workspace_repository(DriverAnswerRepository)
    domains = _workspace_repository(DomainRepository)
    embeddings = _workspace_repository(EmbeddingRepository)
    followups = _workspace_repository(FollowupRepository)
    kpi_values = _workspace_repository(KpiValueRepository)
    links = _workspace_repository(ThemeLinkRepository)
    objectives = _workspace_repository(ObjectiveRepository)
    outbox = _workspace_repository(OutboxRepository)
    pulse_charts = _workspace_repository(PulseChartRepository)
    pulses = _workspace_repository(PulseRepository)
    requests = _workspace_repository(RequestRepository)
    themes = _workspace_repository(ThemeRepository)
    users = _workspace_repository(UserRepository)
    votes = _workspace_repository(VoteRepository)


@contextmanager
def unit_of_work(
    session_factory: SessionFactory,
    workspace_id: str | None = None,
    write_timeout: float | None = None,
) -> Iterator[UnitOfWork]:
    """One transaction: committed when the block ends, rolled back if it raises.

    ``workspace_id`` scopes the repositories (None: the deployment's only; see
    :class:`UnitOfWork`). ``write_timeout`` (seconds) bounds how long its first write
    waits for another writer on SQLite; past it, DatabaseBusyError (storage/errors.py)
    with nothing stored.
    """
    session = session_factory()
    try:
        if write_timeout is not None:
            session.connection(execution_options={WRITE_TIMEOUT: write_timeout})
        yield UnitOfWork(session, workspace_id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
