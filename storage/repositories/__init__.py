"""Repositories: intention-revealing reads and writes, one module per aggregate.

Each repository is bound to a session and a workspace; services reach them as attributes
of the unit of work (storage/unit_of_work.py), which builds them. A repository never
commits: the unit of work decides.
"""

from storage.repositories.audit import AuditRepository
from storage.repositories.deliveries import DeliveryRepository
from storage.repositories.digests import DigestRunRepository
from storage.repositories.domains import DomainRepository
from storage.repositories.embeddings import EmbeddingRepository
from storage.repositories.objectives import ObjectiveRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.placements import PlacementQueue
from storage.repositories.pulses import PulseRepository
from storage.repositories.requests import RequestRepository
from storage.repositories.themes import ThemeRepository
from storage.repositories.users import UserRepository
from storage.repositories.votes import VoteRepository

__all__ = [
    "AuditRepository",
    "DeliveryRepository",
    "DigestRunRepository",
    "DomainRepository",
    "EmbeddingRepository",
    "ObjectiveRepository",
    "OutboxRepository",
    "PlacementQueue",
    "PulseRepository",
    "RequestRepository",
    "ThemeRepository",
    "UserRepository",
    "VoteRepository",
]
