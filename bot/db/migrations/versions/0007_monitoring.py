"""domain monitoring: targets, runs, findings, events

Revision ID: 0007
Revises: 0003
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'monitor_target',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(length=253), nullable=False, unique=True),
        sa.Column('domain_id', sa.Integer(), sa.ForeignKey('domain.id', ondelete='SET NULL'), nullable=True),
        sa.Column('next_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('claimed_by', sa.String(length=100), nullable=False, server_default=''),
        sa.Column('claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('last_run_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('last_good', sa.Text(), nullable=False, server_default=''),
        sa.Column('last_answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('silent_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_index('ix_monitor_target_due', 'monitor_target', ['next_due_at'])
    op.create_index('ix_monitor_target_domain_id', 'monitor_target', ['domain_id'])
    op.create_table(
        'monitor_run',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('target_id', sa.Integer(), sa.ForeignKey('monitor_target.id', ondelete='CASCADE'), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('worker', sa.String(length=100), nullable=False, server_default=''),
        sa.Column('resolves', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('codes', sa.String(length=400), nullable=False, server_default=''),
        sa.Column('result', sa.Text(), nullable=False, server_default=''),
    )
    op.create_index('ix_monitor_run_target', 'monitor_run', ['target_id', 'at'])
    op.create_table(
        'monitor_finding',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('target_id', sa.Integer(), sa.ForeignKey('monitor_target.id', ondelete='CASCADE'), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('variant', sa.String(length=40), nullable=False, server_default=''),
        sa.Column('status', sa.String(length=10), nullable=False, server_default='open'),
        sa.Column('message', sa.Text(), nullable=False, server_default=''),
        sa.Column('basis', sa.String(length=40), nullable=False, server_default=''),
        sa.Column('first_seen', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_seen', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_index('ix_monitor_finding_open', 'monitor_finding', ['target_id', 'status'])
    op.create_table(
        'monitor_event',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('target_id', sa.Integer(), sa.ForeignKey('monitor_target.id', ondelete='CASCADE'), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('before', sa.Text(), nullable=False, server_default=''),
        sa.Column('after', sa.Text(), nullable=False, server_default=''),
    )
    op.create_index('ix_monitor_event_target', 'monitor_event', ['target_id', 'at'])


def downgrade() -> None:
    op.drop_table('monitor_event')
    op.drop_table('monitor_finding')
    op.drop_table('monitor_run')
    op.drop_table('monitor_target')
