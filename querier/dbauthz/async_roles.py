"""Custom organization roles: each method's authorization, stated once.

Async source; the sync twin `sync_roles.py` is generated from it (`querier/gen/unasync.py`).
Create, update and delete need the matching action on `assign_org_role` in the org **and**
the escalation guard (`authz.escalation.authorize_role_change`: a `RoleEscalationError`
naming the first permission the actor lacks). An update is decided on the stored definition,
locked `FOR UPDATE`, as well as on the new one (a role the actor could not create it may not
change). A role held by any member cannot be deleted (`CustomRoleInUseError`, 409). Reading
definitions needs `read` on `assign_org_role` in the org (organization admins, user admins and
the like; plain members may not list them).
"""

from __future__ import annotations

from uuid import UUID

from authz import Action, resources
from authz.custom_roles import check_custom_role_name
from authz.escalation import authorize_role_change
from querier.dbauthz.async_base import AsyncAuthzBase
from querier.dbauthz.context import current_actor
from querier.dbauthz.decide import custom_role_from_row, new_custom_role, permission_texts
from querier.dbauthz.guards import CustomRoleInUseError
from querier.generated.models import CustomRole as CustomRoleRow
from querier.generated.models import DeleteCustomRoleIfUnusedRow


class AsyncCustomRoleMethods(AsyncAuthzBase):
    __slots__ = ()

    async def insert_custom_role(
        self,
        *,
        organization_id: UUID,
        name: str,
        display_name: str,
        org_permissions: tuple[str, ...],
        member_permissions: tuple[str, ...],
    ) -> CustomRoleRow:
        """Validated first (`InvalidRoleError`: bad name, built-in name, bad permission), then
        `create` and the guard; the permissions are stored as parsed (`type:action`)."""
        actor = current_actor()
        role = new_custom_role(
            organization_id, name, display_name, org_permissions, member_permissions
        )
        authorize_role_change(actor, Action.CREATE, role, self._decide.authorizer)
        return await self._inner.insert_custom_role(
            organization_id=organization_id,
            name=role.name,
            display_name=role.display_name,
            org_permissions=permission_texts(role.org),
            member_permissions=permission_texts(role.member),
        )

    async def get_custom_role(self, *, organization_id: UUID, name: str) -> CustomRoleRow:
        self._read_roles(organization_id)
        return await self._inner.get_custom_role(organization_id=organization_id, name=name)

    async def get_custom_role_for_update(
        self, *, organization_id: UUID, name: str
    ) -> CustomRoleRow:
        self._read_roles(organization_id)
        return await self._inner.get_custom_role_for_update(
            organization_id=organization_id, name=name
        )

    async def get_custom_roles_by_organization(
        self, *, organization_id: UUID
    ) -> list[CustomRoleRow]:
        self._read_roles(organization_id)
        return await self._inner.get_custom_roles_by_organization(organization_id=organization_id)

    async def update_custom_role(
        self,
        *,
        display_name: str,
        org_permissions: tuple[str, ...],
        member_permissions: tuple[str, ...],
        organization_id: UUID,
        name: str,
    ) -> CustomRoleRow:
        """Decided on the stored definition (locked) and the new one; the version is bumped."""
        actor = current_actor()
        check_custom_role_name(name)  # a built-in name is 400, not "no such custom role"
        self._read_roles(organization_id)
        stored = await self._inner.get_custom_role_for_update(
            organization_id=organization_id, name=name
        )
        previous = custom_role_from_row(stored)
        role = new_custom_role(
            organization_id, stored.name, display_name, org_permissions, member_permissions
        )
        authorize_role_change(
            actor, Action.UPDATE, role, self._decide.authorizer, previous=previous
        )
        return await self._inner.update_custom_role(
            display_name=role.display_name,
            org_permissions=permission_texts(role.org),
            member_permissions=permission_texts(role.member),
            organization_id=organization_id,
            name=stored.name,
        )

    async def delete_custom_role_if_unused(
        self, *, organization_id: UUID, name: str
    ) -> DeleteCustomRoleIfUnusedRow:
        """`delete` and the guard on the stored definition (locked); refused while any member
        holds it (`CustomRoleInUseError` with the count, nothing deleted)."""
        actor = current_actor()
        self._read_roles(organization_id)
        stored = await self._inner.get_custom_role_for_update(
            organization_id=organization_id, name=name
        )
        authorize_role_change(
            actor, Action.DELETE, custom_role_from_row(stored), self._decide.authorizer
        )
        result = await self._inner.delete_custom_role_if_unused(
            organization_id=organization_id, name=name
        )
        if result.members:
            raise CustomRoleInUseError(name, result.members)
        return result

    async def get_custom_roles_for_assignment(
        self, *, organization_id: UUID, names: tuple[str, ...]
    ) -> list[CustomRoleRow]:
        """Share-locks the rows: for the assignment path (see `AsyncUserMethods`)."""
        self._read_roles(organization_id)
        return await self._inner.get_custom_roles_for_assignment(
            organization_id=organization_id, names=names
        )

    def _read_roles(self, organization_id: UUID) -> None:
        self._decide.check(
            current_actor(), Action.READ, resources.ASSIGN_ORG_ROLE.in_org(organization_id)
        )
