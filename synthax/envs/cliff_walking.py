"""The Cliff Walking gridworld (Sutton & Barto, 2018, "Reinforcement Learning: An Introduction",
2nd ed., Example 6.6) as configured by Ferreira et al. (2022, "Learning Synthetic Environments
and Reward Networks for Reinforcement Learning", arXiv:2202.02790).

A 4x12 grid; the agent starts at the bottom-left cell (row 3, column 0) and must reach the
bottom-right cell (row 3, column 11). The cells between them (row 3, columns 1..10) are the
cliff. Every step costs -1; stepping into the cliff costs -100 and, as in Ferreira et al.,
ends the episode (Sutton & Barto send the agent back to the start instead); reaching the goal
gives 0 and ends the episode. Episodes are truncated after 50 steps. The optimal return is -12
(13 steps along the cliff edge).
"""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from gymnax.environments import spaces
from jaxtyping import Array, Float, Int, PRNGKeyArray

from .base import AbstractEnvironment, Observation, StepResult

# Row and column offsets of the actions 0 up, 1 right, 2 down, 3 left (gymnasium's order).
_ROW_DELTA = np.array([-1, 0, 1, 0], np.int32)
_COL_DELTA = np.array([0, 1, 0, -1], np.int32)


class CliffWalkingState(eqx.Module):
    """State of Cliff Walking.

    **Fields:**

    - `position`: int32 scalar, the cell index `row * 12 + col` of the agent.
    - `time`: int32 scalar, the number of steps taken in this episode.
    """

    position: Int[Array, ""]
    time: Int[Array, ""]


class CliffWalking(AbstractEnvironment):
    """Cliff Walking (Sutton & Barto, 2018, Example 6.6; Ferreira et al., 2022, arXiv:2202.02790).

    **Arguments:**

    - `max_steps_in_episode`: time limit in steps (default 50, as in Ferreira et al.); an episode
      that has not terminated after this many steps is truncated.

    **Dynamics:** the grid has `num_rows = 4` rows and `num_cols = 12` columns. Actions are
    `Discrete(4)`: 0 up, 1 right, 2 down, 3 left (gymnasium's order; out-of-range actions are
    clipped to `[0, 3]`); a move into the border leaves the agent where it is. `reset` is
    deterministic: it always starts at row 3, column 0 (the key is unused).

    **Rewards (float32):** -1 per step; -100 for stepping into the cliff (row 3, columns 1..10),
    which terminates the episode; 0 for stepping into the goal (row 3, column 11), which
    terminates the episode. `truncated` is true when the `max_steps_in_episode`-th step does not
    terminate. The optimal return is -12; `solved_return = -20.0` is learning_environments' solved
    threshold: the mean evaluation return at which the task counts as solved (e.g. for
    `synthax.evaluation.steps_to_solve`).

    **Observations:** float32 one-hot vectors of shape `(48,)` marking the cell index
    `row * 12 + col` (see `cell`); the observation space is `Box(0, 1, (48,), float32)`. After
    stepping into the cliff the observation marks the cliff cell.

    **Info:** `transition` returns `{"position": float32 (2,) [row / 3, col / 11]}`, the
    agent's position after the step scaled to [0, 1] (the info vector reward networks can use).

    **Raises:** `ValueError` if `max_steps_in_episode < 1`.
    """

    num_rows: ClassVar[int] = 4
    num_cols: ClassVar[int] = 12
    solved_return: ClassVar[float] = -20.0
    start: ClassVar[tuple[int, int]] = (3, 0)
    goal: ClassVar[tuple[int, int]] = (3, 11)

    max_steps_in_episode: int = eqx.field(static=True)

    def __init__(self, max_steps_in_episode: int = 50):
        if int(max_steps_in_episode) != max_steps_in_episode or max_steps_in_episode < 1:
            raise ValueError(
                f"max_steps_in_episode must be an integer >= 1, got {max_steps_in_episode!r}"
            )
        self.max_steps_in_episode = int(max_steps_in_episode)

    @classmethod
    def cell(cls, row: int, col: int) -> int:
        """The cell index `row * 12 + col` of a grid cell (the hot entry of its observation).

        **Arguments:** `row` in `[0, 4)`, `col` in `[0, 12)` (Python ints).

        **Returns:** a Python int in `[0, 48)`.

        **Raises:** `ValueError` when the cell lies outside the grid.
        """
        if not (0 <= row < cls.num_rows and 0 <= col < cls.num_cols):
            raise ValueError(
                f"cell ({row}, {col}) lies outside the {cls.num_rows}x{cls.num_cols} grid"
            )
        return int(row) * cls.num_cols + int(col)

    @property
    def num_cells(self) -> int:
        """Number of cells, 48 (the observation size)."""
        return self.num_rows * self.num_cols

    def _observation(self, position: Int[Array, ""]) -> Float[Array, " 48"]:
        return jax.nn.one_hot(position, self.num_cells, dtype=jnp.float32)

    def reset(self, key: PRNGKeyArray) -> tuple[Observation, CliffWalkingState]:
        position = jnp.asarray(self.cell(*self.start), jnp.int32)
        state = CliffWalkingState(position=position, time=jnp.asarray(0, jnp.int32))
        return self._observation(position), state

    def transition(
        self, key: PRNGKeyArray, state: CliffWalkingState, action: Array
    ) -> StepResult:
        action = jnp.clip(jnp.asarray(action, jnp.int32), 0, 3)
        row = state.position // self.num_cols
        col = state.position % self.num_cols
        row = jnp.clip(row + jnp.asarray(_ROW_DELTA)[action], 0, self.num_rows - 1)
        col = jnp.clip(col + jnp.asarray(_COL_DELTA)[action], 0, self.num_cols - 1)
        position = (row * self.num_cols + col).astype(jnp.int32)
        goal_row, goal_col = self.goal
        in_cliff = (row == goal_row) & (col >= 1) & (col <= goal_col - 1)
        at_goal = (row == goal_row) & (col == goal_col)
        reward = jnp.where(in_cliff, -100.0, jnp.where(at_goal, 0.0, -1.0)).astype(jnp.float32)
        terminated = jnp.logical_or(in_cliff, at_goal)
        time = state.time + 1
        truncated = jnp.logical_and(jnp.logical_not(terminated), time >= self.max_steps_in_episode)
        info = {
            "position": jnp.stack([row / (self.num_rows - 1), col / (self.num_cols - 1)]).astype(
                jnp.float32
            )
        }
        new_state = CliffWalkingState(position=position, time=time.astype(jnp.int32))
        return self._observation(position), new_state, reward, terminated, truncated, info

    @property
    def observation_space(self) -> spaces.Box:
        return spaces.Box(0.0, 1.0, (self.num_rows * self.num_cols,), jnp.float32)

    @property
    def action_space(self) -> spaces.Discrete:
        return spaces.Discrete(4)

