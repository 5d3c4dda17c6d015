"""exactly-once delivery: the send's start and Telegram's message id on the outbox, command receipts, the
durable update inbox and worker heartbeats

Revision ID: 0009_delivery
Revises: 0008
Create Date: 2026-12-04 21:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009_delivery'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('delivery') as batch:
        batch.add_column(sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('message_id', sa.BigInteger(), nullable=True))
    op.create_table(
        'command_receipt',
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_table(
        'update_inbox',
        sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('claimed_by', sa.String(length=100), nullable=False),
        sa.Column('claimed_at', sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint('update_id'),
    )
    op.create_table(
        'worker_beat',
        sa.Column('worker', sa.String(length=100), nullable=False),
        sa.Column('seen_at', sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint('worker'),
    )


def downgrade() -> None:
    op.drop_table('worker_beat')
    op.drop_table('update_inbox')
    op.drop_table('command_receipt')
    with op.batch_alter_table('delivery') as batch:
        batch.drop_column('message_id')
        batch.drop_column('started_at')
