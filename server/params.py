"""Parameter types shared by routes."""

from typing import Annotated

from litestar.params import Parameter

# Row ids are 32-bit on every engine we run on; bigger numbers cannot name a row.
RowId = Annotated[int, Parameter(ge=1, le=2_147_483_647, description="row id")]
