"""a site is host + path: domain.path ('' = the whole host), unique on (name, path); domain.site_name (网站名称)

Revision ID: 0010_sites
Revises: 0009_delivery
Create Date: 2026-12-04 22:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0010_sites'
down_revision: Union[str, Sequence[str], None] = '0009_delivery'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('domain', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('site_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.drop_index('ix_domain_name')  # the unique (name, path) index serves lookups by host too
        batch_op.create_unique_constraint('uq_domain_site', ['name', 'path'])


def downgrade() -> None:
    # a host-unique registry cannot hold columns (paths): refuse rather than drop the office's sites
    columns = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM domain WHERE path != ''")).scalar()
    if columns:
        raise RuntimeError(f"{columns} registered sites are columns (host + path): remove them before downgrading")
    with op.batch_alter_table('domain', schema=None) as batch_op:
        batch_op.drop_constraint('uq_domain_site', type_='unique')
        batch_op.create_index('ix_domain_name', ['name'], unique=True)
        batch_op.drop_column('site_name')
        batch_op.drop_column('path')
