"""referrals: the warm referral with consent, its history and its audit trail (#13)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_id = sqlmodel.sql.sqltypes.AutoString
_moment = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    # New tables only: existing data is untouched.
    op.create_table(
        'referral',
        sa.Column('id', _id(length=36), nullable=False),
        sa.Column('service_id', _id(length=36), nullable=False),
        sa.Column('organization_id', _id(length=36), nullable=False),
        sa.Column('coach_id', _id(length=36), nullable=False),
        sa.Column('status', _id(length=20), nullable=False),
        sa.Column('reason', _id(length=30), nullable=True),
        sa.Column('need_codes', sa.JSON(), nullable=False),
        sa.Column('municipality_nis', _id(length=5), nullable=True),
        sa.Column('personal_encrypted', _id(), nullable=True),
        sa.Column('consent_at', _moment(), nullable=False),
        sa.Column('created_at', _moment(), nullable=False),
        sa.Column('updated_at', _moment(), nullable=False),
        sa.Column('closed_at', _moment(), nullable=True),
        sa.Column('erased_at', _moment(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['coach_id'], ['app_user.id']),
        sa.ForeignKeyConstraint(['municipality_nis'], ['municipality.nis']),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['service_id'], ['service.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('coach_id', 'organization_id', 'service_id', 'status'):
        op.create_index(op.f(f'ix_referral_{column}'), 'referral', [column], unique=False)
    op.create_table(
        'referral_event',
        sa.Column('id', _id(length=36), nullable=False),
        sa.Column('referral_id', _id(length=36), nullable=False),
        sa.Column('at', _moment(), nullable=False),
        sa.Column('kind', _id(length=20), nullable=False),
        sa.Column('status', _id(length=20), nullable=True),
        sa.Column('reason', _id(length=30), nullable=True),
        sa.Column('service_id', _id(length=36), nullable=True),
        sa.Column('actor_role', _id(length=20), nullable=False),
        sa.Column('text_encrypted', _id(), nullable=True),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_referral_event_referral_id'), 'referral_event', ['referral_id'], unique=False)
    op.create_table(
        'referral_access',
        sa.Column('id', _id(length=36), nullable=False),
        sa.Column('referral_id', _id(length=36), nullable=False),
        sa.Column('user_id', _id(length=36), nullable=True),
        sa.Column('actor', _id(length=200), nullable=False),
        sa.Column('action', _id(length=20), nullable=False),
        sa.Column('at', _moment(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_referral_access_referral_id'), 'referral_access', ['referral_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_referral_access_referral_id'), table_name='referral_access')
    op.drop_table('referral_access')
    op.drop_index(op.f('ix_referral_event_referral_id'), table_name='referral_event')
    op.drop_table('referral_event')
    for column in ('status', 'service_id', 'organization_id', 'coach_id'):
        op.drop_index(op.f(f'ix_referral_{column}'), table_name='referral')
    op.drop_table('referral')
