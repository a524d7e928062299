"""The base of the core's pydantic models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A pydantic model whose validators are built when it is first used, not when its module is imported.

    Building them is most of what importing the core costs (a third of a millisecond or more a model, some
    forty models); the app's first frame needs a handful of them.
    """

    model_config = ConfigDict(defer_build=True)
