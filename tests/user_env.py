"""A user-defined gymnax environment, registered on import (for `synthax metalearn --import`)."""

import gymnax
from gymnax.environments.classic_control.cartpole import CartPole, EnvParams


class ShortCartPole(CartPole):
    """CartPole with a 100-step time limit."""

    @property
    def default_params(self) -> EnvParams:
        return EnvParams(max_steps_in_episode=100)


if "ShortCartPole-v0" not in gymnax.registered_envs:
    gymnax.register("ShortCartPole-v0", lambda **kwargs: ShortCartPole())
