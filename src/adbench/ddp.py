"""`trainer=ddp`'s strategy: Lightning's DDP, minus the wrapper when there is nothing to train.

torch's DistributedDataParallel refuses a module without trainable parameters, and the
one-pass methods (PatchCore, PaDiM) have none: their ranks share data through the helpers in
adbench.methods.distributed instead. Their weights are still made identical on every rank.
"""

from __future__ import annotations

import torch.distributed as dist
from lightning.pytorch.strategies import DDPStrategy
from torch import nn


class AnomalyDDPStrategy(DDPStrategy):
    """DDP for trained methods; frozen modules run unwrapped, rank 0's weights on every rank.
    A method whose steps train only some of its parameters says so in its registration
    (`ddp_find_unused_parameters`, adbench.methods.registry)."""

    def configure_ddp(self) -> None:
        if has_trainable_parameters(self.model):
            if self.model.spec.ddp_find_unused_parameters:
                self._ddp_kwargs["find_unused_parameters"] = True  # the method says it must
            super().configure_ddp()
        else:
            broadcast_module_state(self.model)


def has_trainable_parameters(module: nn.Module) -> bool:
    return any(parameter.requires_grad for parameter in module.parameters())


def broadcast_module_state(module: nn.Module, src: int = 0) -> None:
    """Copy rank `src`'s parameters and buffers into every rank's `module`, in place."""
    for tensor in [*module.parameters(), *module.buffers()]:
        dist.broadcast(tensor.data, src=src)
