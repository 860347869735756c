"""dbauthz: the authorizing querier (sync and async faces) and the actor it authorizes."""

from querier.dbauthz.actors import InactiveUserError, load_subject, subject_from_row
from querier.dbauthz.async_actors import load_subject_async
from querier.dbauthz.async_authz_querier import AsyncAuthzQuerier
from querier.dbauthz.authz_querier import AuthzQuerier
from querier.dbauthz.context import (
    as_actor,
    as_chatd,
    as_system_restricted,
    current_actor,
    without_actor,
)
from querier.dbauthz.decide import Decider, FilterNotAllowedError, RoleAssignmentError

__all__ = [
    "AsyncAuthzQuerier",
    "AuthzQuerier",
    "Decider",
    "FilterNotAllowedError",
    "InactiveUserError",
    "RoleAssignmentError",
    "as_actor",
    "as_chatd",
    "as_system_restricted",
    "current_actor",
    "load_subject",
    "load_subject_async",
    "subject_from_row",
    "without_actor",
]
