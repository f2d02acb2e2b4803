"""SQLAlchemy models of the product-attributes service: the *intended* head schema.

This is what the team meant the migrations to build (and what their developer databases,
see reference.sql, actually have): ``sizes`` renamed to ``sizes_normalized`` with the unique
constraint ``uq_sizes_normalized_name``, and ``colors`` with the ``color_family`` enum column
and the self-referencing ``parent_color_id``. env.py uses ``metadata`` as target_metadata.
"""

from typing import Optional

from sqlalchemy import Enum, ForeignKey, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

SCHEMA = "product_attributes"

COLOR_FAMILIES = ("neutral", "warm", "cool")


class Base(DeclarativeBase):
    metadata = MetaData()


metadata = Base.metadata


class SizeNormalized(Base):
    __tablename__ = "sizes_normalized"
    __table_args__ = (
        UniqueConstraint("name", name="uq_sizes_normalized_name"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    sort_order: Mapped[int] = mapped_column(Integer)
    size_system: Mapped[str | None] = mapped_column(String(10))


class Color(Base):
    __tablename__ = "colors"
    __table_args__ = (
        UniqueConstraint("name_en", name="uq_colors_name_en"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_en: Mapped[str] = mapped_column(String(100))
    hex_code: Mapped[str] = mapped_column(String(7))
    family: Mapped[str | None] = mapped_column(
        Enum(*COLOR_FAMILIES, name="color_family", schema=SCHEMA)
    )
    parent_color_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey(f"{SCHEMA}.colors.id", name="fk_colors_parent_color_id")
    )

    parent: Mapped[Optional["Color"]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Color"]] = relationship(back_populates="parent")
