"""Request and response bodies of the auth function; camelCase on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from shared.infra.shown_text import OneShownLine

Email = Annotated[str, Meta(max_length=320, description="Email address", examples=["anna@sklep.pl"])]
Password = Annotated[str, Meta(max_length=1024, description="At least 10 characters, not a common password")]
AssignableRole = Literal["owner", "admin", "member"]
RefreshTokenDelivery = Annotated[Literal["body", "cookie"], Meta(description=(
    "Where this session's refresh token travels. `body` (default; mobile and API clients): in "
    "`refreshToken` of every token answer. `cookie` (browser frontends; needs AUTH_REFRESH_COOKIE): only "
    "in an httpOnly Secure cookie, never in a body, so a script on the page cannot read it. Kept for the "
    "whole session: refresh and switch-tenant answer the same way."))]


class Body(msgspec.Struct, rename="camel", forbid_unknown_fields=False, kw_only=True):
    pass


class RegisterRequest(Body):
    email: Email
    password: Password
    company_name: Annotated[OneShownLine, Meta(min_length=1, max_length=255, examples=["Sklep Łódź"])]
    refresh_token_delivery: RefreshTokenDelivery = "body"


class LoginRequest(Body):
    email: Email
    password: Password
    tenant_id: UUID | None = None  # default: the workspace the user joined first
    refresh_token_delivery: RefreshTokenDelivery = "body"


class SwitchTenantRequest(Body):
    tenant_id: UUID


class RefreshRequest(Body):
    # May be left out by a browser whose refresh token is in the httpOnly cookie (AUTH_REFRESH_COOKIE).
    refresh_token: Annotated[str, Meta(min_length=1, max_length=200)] | None = None


class InviteRequest(Body):
    email: Email
    role: AssignableRole = "member"


class AcceptInviteRequest(Body):
    token: Annotated[str, Meta(min_length=1, max_length=200)]
    password: Password
    refresh_token_delivery: RefreshTokenDelivery = "body"


class ChangeRoleRequest(Body):
    role: AssignableRole


class TenantView(Body):
    id: UUID
    name: str
    slug: str
    role: str
    subscription_status: str


class UserView(Body):
    id: UUID
    email: str


class TokenPair(Body, kw_only=True):
    access_token: str
    # Absent when the session keeps its refresh token in the httpOnly cookie ("refreshTokenDelivery": "cookie").
    refresh_token: Annotated[str, Meta(description="Only for sessions whose refresh token travels in the "
                                                   "body; absent in cookie mode.")] | UnsetType = UNSET
    expires_in: int
    tenant: TenantView
    token_type: str = "Bearer"
    refresh_token_delivery: Literal["body", "cookie"] = "body"  # where this session's refresh token is


class MeResponse(Body):
    user: UserView
    tenant: TenantView
    role: str
    permissions: list[str]
    tenants: list[TenantView]  # every workspace this user can switch to


class MemberView(Body):
    user_id: UUID
    email: str
    role: str
    joined_at: datetime


class InviteCreated(Body):
    invite_token: str
    email: str
    role: str
    expires_at: datetime
    id: UUID  # to revoke it: DELETE /members/invites/{id}


class InviteView(Body):
    """An open invite, as owners and admins see it (never its token)."""

    id: UUID
    email: str
    role: str
    invited_by: UUID
    created_at: datetime
    expires_at: datetime
