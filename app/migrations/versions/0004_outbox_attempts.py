"""outbox: one message per purpose, attempts and the last error

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs with server defaults: queued messages stay queued, none has failed yet.
    op.add_column('outbox_message', sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
    op.add_column('outbox_message', sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('outbox_message', sa.Column('last_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('outbox_message', sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                              server_default=''))
    op.create_index(op.f('ix_outbox_message_dedupe_key'), 'outbox_message', ['dedupe_key'], unique=True)


def downgrade() -> None:
    op.drop_index(op.f('ix_outbox_message_dedupe_key'), table_name='outbox_message')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('last_error')
        batch_op.drop_column('last_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('dedupe_key')
