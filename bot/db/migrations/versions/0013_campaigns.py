"""campaigns at every level: a campaign and a deadline belong to an office (NULL: the home office)

Revision ID: 0013_campaigns
Revises: 0012_scale
Create Date: 2026-12-05 00:20:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0013_campaigns'
down_revision: Union[str, Sequence[str], None] = '0012_scale'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_TABLES = ('campaign', 'deadline')


def upgrade() -> None:
    # Existing campaigns and deadlines keep office_id NULL: the home office's, exactly as before.
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('office_id', sa.Integer(), nullable=True))
            batch_op.create_index(f'ix_{table}_office_id', ['office_id'])
            batch_op.create_foreign_key(f'fk_{table}_office_id', 'office', ['office_id'], ['id'])


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_office_id', type_='foreignkey')
            batch_op.drop_index(f'ix_{table}_office_id')
            batch_op.drop_column('office_id')
