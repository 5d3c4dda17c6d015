"""domain applications, their events, persistent conversations

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-28 15:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'application',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('unit.id'), nullable=True),
        sa.Column('unit_name', sa.String(length=200), nullable=False),
        sa.Column('spec', sa.Text(), nullable=False),
        sa.Column('route', sa.Text(), nullable=False),
        sa.Column('basis', sa.String(length=100), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False),
        sa.Column('step_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_index('ix_application_unit_id', 'application', ['unit_id'])
    op.create_index('ix_application_status', 'application', ['status'])
    op.create_table(
        'application_event',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('application_id', sa.Integer(), sa.ForeignKey('application.id'), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=400), nullable=False),
        sa.Column('file_id', sa.String(length=200), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
    )
    op.create_index('ix_application_event_application_id', 'application_event', ['application_id'])
    op.create_table(
        'conversation_state',
        sa.Column('name', sa.String(length=50), primary_key=True),
        sa.Column('chat_id', sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column('user_id', sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column('state', sa.String(length=50), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('conversation_state')
    op.drop_index('ix_application_event_application_id', table_name='application_event')
    op.drop_table('application_event')
    op.drop_index('ix_application_status', table_name='application')
    op.drop_index('ix_application_unit_id', table_name='application')
    op.drop_table('application')
