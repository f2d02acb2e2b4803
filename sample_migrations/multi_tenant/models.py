"""SQLAlchemy models of the multi-tenant sample: the schema at the head of versions/.

Tenant tables use the placeholder schema ``tenant``; applications (and env.py) remap it per
tenant with ``schema_translate_map={"tenant": "<tenant schema>"}``. ``Tenant`` is the shared
registry in ``public``. env.py compares these models (translated to the migrated tenant's
schema) with the database, so they must match the migrations exactly.
"""

import datetime
from typing import Optional

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    MetaData,
    Text,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

TENANT_SCHEMA = "tenant"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = Base.metadata


class Tenant(Base):
    """Shared registry of tenants (public schema, never remapped)."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    schema_name: Mapped[str] = mapped_column(Text, unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class User(Base):
    __tablename__ = "users"
    __table_args__ = {"schema": TENANT_SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(Text, unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ProjectStatus(Base):
    """Reference data, seeded by revision 20260202_1030."""

    __tablename__ = "project_statuses"
    __table_args__ = {"schema": TENANT_SCHEMA}

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer)
    is_terminal: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = {"schema": TENANT_SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey(f"{TENANT_SCHEMA}.users.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    status_code: Mapped[str] = mapped_column(
        Text,
        ForeignKey(f"{TENANT_SCHEMA}.project_statuses.code", ondelete="RESTRICT"),
        server_default="active",
        index=True,
    )
    created_at: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    owner: Mapped["User"] = relationship()
    status: Mapped["ProjectStatus"] = relationship()
    tasks: Mapped[list["Task"]] = relationship(back_populates="project")


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = {"schema": TENANT_SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    project_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey(f"{TENANT_SCHEMA}.projects.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey(f"{TENANT_SCHEMA}.users.id", ondelete="SET NULL"), index=True
    )
    due_date: Mapped[datetime.date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))

    project: Mapped["Project"] = relationship(back_populates="tasks")
    assignee: Mapped[Optional["User"]] = relationship()


class ProjectMember(Base):
    __tablename__ = "project_members"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'editor', 'viewer')", name="role_known"),
        {"schema": TENANT_SCHEMA},
    )

    project_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey(f"{TENANT_SCHEMA}.projects.id", ondelete="CASCADE"),
        primary_key=True,
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey(f"{TENANT_SCHEMA}.users.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    role: Mapped[str] = mapped_column(Text, server_default="viewer")

    project: Mapped["Project"] = relationship()
    user: Mapped["User"] = relationship()
