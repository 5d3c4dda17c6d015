"""offices under the home office: office table; unit, admin and chat belong to an office (NULL: the home office)

Revision ID: 0011_offices
Revises: 0010_sites
Create Date: 2026-12-05 00:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011_offices'
down_revision: Union[str, Sequence[str], None] = '0010_sites'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_TABLES = ('unit', 'admin', 'chat')


def upgrade() -> None:
    # Every existing unit, admin and group keeps office_id NULL: the home office, so a single-office database
    # upgrades in place and behaves as before until an office is added.
    op.create_table(
        'office',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('region', sa.String(length=200), nullable=False, server_default=''),
        sa.Column('group', sa.String(length=20), nullable=False, server_default=''),
        sa.Column('parent_id', sa.Integer(), sa.ForeignKey('office.id'), nullable=True),
        sa.Column('created_by', sa.String(length=100), nullable=False, server_default=''),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.UniqueConstraint('code', 'group', name='uq_office_place'),
    )
    op.create_index('ix_office_parent_id', 'office', ['parent_id'])
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('office_id', sa.Integer(), nullable=True))
            batch_op.create_index(f'ix_{table}_office_id', ['office_id'])
            batch_op.create_foreign_key(f'fk_{table}_office_id', 'office', ['office_id'], ['id'])


def downgrade() -> None:
    rows = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM office")).scalar()
    if rows:
        raise RuntimeError(f"{rows} offices are set up: remove them before downgrading")
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_office_id', type_='foreignkey')
            batch_op.drop_index(f'ix_{table}_office_id')
            batch_op.drop_column('office_id')
    op.drop_index('ix_office_parent_id', table_name='office')
    op.drop_table('office')
