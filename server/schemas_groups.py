"""Request and response bodies of the groups API (#13)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, Field

from querier.dbauthz.group_objects import MAX_ROSTER_CHANGE
from server.schemas import DisplayName, RequestBody, ResponseBody, Text
from server.validation import GROUP_NAME_RULE, check_group_name

GroupName = Annotated[Text, AfterValidator(check_group_name), Field(description=GROUP_NAME_RULE)]
UserIds = Annotated[
    list[UUID],
    Field(
        max_length=MAX_ROSTER_CHANGE,
        description=f"User ids, at most {MAX_ROSTER_CHANGE}.",
    ),
]


class GroupCreateRequest(RequestBody):
    name: GroupName
    display_name: DisplayName = ""


class GroupPatchRequest(RequestBody):
    """Every field optional; all of it is applied in one transaction, or none of it."""

    name: GroupName | None = None
    display_name: DisplayName | None = None
    add_users: UserIds = Field(
        default_factory=list,
        description="Members of the group's organization to add (already in: skipped). Any "
        "other id — unknown, not readable, not a member — refuses the whole request (400).",
    )
    remove_users: UserIds = Field(
        default_factory=list, description="Users to remove (not in the group: ignored)."
    )


class GroupResponse(ResponseBody):
    id: UUID = Field(description="The Everyone group's id is its organization's id.")
    organization_id: UUID
    name: str
    display_name: str
    everyone: bool = Field(
        description="The organization's implicit Everyone group: every member is in it; it is "
        "never stored and never editable."
    )
    created_at: datetime
    members: list[UUID] | None = Field(
        default=None,
        description="User ids, for one group (GET/PATCH of `/groups/{id}`) when the caller may "
        "read its roster (the group's members may; for the Everyone group: whoever may list "
        "the organization's members); otherwise null. Lists leave it null.",
    )
