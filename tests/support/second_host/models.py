"""The second host's tables: UUID primary keys everywhere, names of its own."""

from __future__ import annotations

import uuid

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

db = SQLAlchemy()


def _key() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


def _workspace() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("workspaces.id"), index=True)


class Workspace(db.Model):  # type: ignore[name-defined]
    __tablename__ = "workspaces"
    id: Mapped[uuid.UUID] = _key()
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(100))


class Member(db.Model):  # type: ignore[name-defined]
    __tablename__ = "members"
    id: Mapped[uuid.UUID] = _key()
    workspace_id: Mapped[uuid.UUID] = _workspace()
    email: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # owner | engineer | auditor


class Customer(db.Model):  # type: ignore[name-defined]
    __tablename__ = "customers"
    id: Mapped[uuid.UUID] = _key()
    workspace_id: Mapped[uuid.UUID] = _workspace()
    label: Mapped[str] = mapped_column(String(200))


case_equipment = Table(
    "case_equipment",
    db.metadata,
    Column("case_id", ForeignKey("cases.id"), primary_key=True),
    Column("equipment_id", ForeignKey("equipment.id"), primary_key=True),
)


class Equipment(db.Model):  # type: ignore[name-defined]
    __tablename__ = "equipment"
    id: Mapped[uuid.UUID] = _key()
    workspace_id: Mapped[uuid.UUID] = _workspace()
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    hostname: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    serial: Mapped[str | None] = mapped_column(String(100))
    rmm_device_id: Mapped[int | None] = mapped_column(Integer, index=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    retired_reason: Mapped[str | None] = mapped_column(String(255))


class Case(db.Model):  # type: ignore[name-defined]
    __tablename__ = "cases"
    id: Mapped[uuid.UUID] = _key()
    workspace_id: Mapped[uuid.UUID] = _workspace()
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"))
    subject: Mapped[str] = mapped_column(String(255))
    urgency: Mapped[str] = mapped_column(String(10))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    origin_ref: Mapped[str | None] = mapped_column(String(100))
    touched_by_person: Mapped[bool] = mapped_column(Boolean, default=False)
    log: Mapped[str] = mapped_column(Text, default="")
