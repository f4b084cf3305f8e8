"""The unit of work: one transaction, and the repositories of one workspace inside it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy.orm import Session

from storage.db import SessionFactory
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
from storage.repositories.workspaces import known_workspace_ids
from storage.sqlite_writer import WRITE_TIMEOUT


class NoWorkspaceError(RuntimeError):
    """A workspace's repository was asked of a unit of work opened for no workspace."""


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
        return known_workspace_ids(self.session)

    # The deployment's: not bound to a workspace.

    @cached_property
    def placements(self) -> PlacementQueue:
        return PlacementQueue(self.session)

    @cached_property
    def leases(self) -> LeaseRepository:
        return LeaseRepository(self.session)

    @cached_property
    def queue_depths(self) -> QueueDepths:
        return QueueDepths(self.session)

    @cached_property
    def link_states(self) -> LinkStates:
        return LinkStates(self.session)

    # A workspace's.

    @cached_property
    def audit(self) -> AuditRepository:
        return AuditRepository(self.session, self.workspace_id)

    @cached_property
    def backups(self) -> BackupRepository:
        return BackupRepository(self.session, self.workspace_id)

    @cached_property
    def deliveries(self) -> DeliveryRepository:
        return DeliveryRepository(self.session, self.workspace_id)

    @cached_property
    def digests(self) -> DigestRunRepository:
        return DigestRunRepository(self.session, self.workspace_id)

    @cached_property
    def directory(self) -> DirectoryRepository:
        return DirectoryRepository(self.session, self.workspace_id)

    @cached_property
    def driver_results(self) -> DriverResultsRepository:
        return DriverResultsRepository(self.session, self.workspace_id)

    @cached_property
    def drivers(self) -> DriverRepository:
        return DriverRepository(self.session, self.workspace_id)

    @cached_property
    def driver_answers(self) -> DriverAnswerRepository:
        return DriverAnswerRepository(self.session, self.workspace_id)

    @cached_property
    def domains(self) -> DomainRepository:
        return DomainRepository(self.session, self.workspace_id)

    @cached_property
    def embeddings(self) -> EmbeddingRepository:
        return EmbeddingRepository(self.session, self.workspace_id)

    @cached_property
    def followups(self) -> FollowupRepository:
        return FollowupRepository(self.session, self.workspace_id)

    @cached_property
    def kpi_values(self) -> KpiValueRepository:
        return KpiValueRepository(self.session, self.workspace_id)

    @cached_property
    def links(self) -> ThemeLinkRepository:
        return ThemeLinkRepository(self.session, self.workspace_id)

    @cached_property
    def objectives(self) -> ObjectiveRepository:
        return ObjectiveRepository(self.session, self.workspace_id)

    @cached_property
    def outbox(self) -> OutboxRepository:
        return OutboxRepository(self.session, self.workspace_id)

    @cached_property
    def pulse_charts(self) -> PulseChartRepository:
        return PulseChartRepository(self.session, self.workspace_id)

    @cached_property
    def pulses(self) -> PulseRepository:
        return PulseRepository(self.session, self.workspace_id)

    @cached_property
    def requests(self) -> RequestRepository:
        return RequestRepository(self.session, self.workspace_id)

    @cached_property
    def themes(self) -> ThemeRepository:
        return ThemeRepository(self.session, self.workspace_id)

    @cached_property
    def users(self) -> UserRepository:
        return UserRepository(self.session, self.workspace_id)

    @cached_property
    def votes(self) -> VoteRepository:
        return VoteRepository(self.session, self.workspace_id)


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
