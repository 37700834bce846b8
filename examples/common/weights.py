"""The examples' trained weights as .npz files, saved by train.py and loaded
for PyTorch's rows in evaluate.py (through models.py's load_model)."""

import numpy as np
import torch


def save_weights(model, path):
    """The state dict as a .npz (plain arrays: readable without PyTorch, no
    pickle); batch norms' running statistics included."""
    np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


def load_weights(model, path):
    """`model` in eval mode with the weights saved by save_weights."""
    with np.load(path) as w:
        model.load_state_dict({k: torch.from_numpy(w[k]) for k in w.files})
    return model.eval()
