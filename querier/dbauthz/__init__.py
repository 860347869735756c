"""dbauthz: the authorizing querier and the actor it authorizes."""

from querier.dbauthz.actors import InactiveUserError, load_subject, subject_from_row
from querier.dbauthz.authz_querier import AuthzQuerier, FilterNotAllowedError, RoleAssignmentError
from querier.dbauthz.context import (
    as_actor,
    as_chatd,
    as_system_restricted,
    current_actor,
    without_actor,
)

__all__ = [
    "AuthzQuerier",
    "FilterNotAllowedError",
    "InactiveUserError",
    "RoleAssignmentError",
    "as_actor",
    "as_chatd",
    "as_system_restricted",
    "current_actor",
    "load_subject",
    "subject_from_row",
    "without_actor",
]
