"""What `python -m adbench.bench real` runs: each method's bench setting, and the settings grid
of the validation study (methods x a few knobs), as adbench command-line overrides."""

from __future__ import annotations

# The bench setting of each method: its defaults (RD4AD with 60 of the paper's 200 epochs, ~3
# CPU minutes per category), or DRAEM and CRN as their CPU demo presets. Settings without a
# preset run at the bench's --image-size.
METHODS: dict[str, list[str]] = {
    "patchcore": ["model=patchcore"],
    "padim": ["model=padim"],
    "cflow": ["model=cflow"],
    "rd4ad": ["model=rd4ad", "model.epochs=60"],
    "draem": ["model=draem", "preset=demo"],
    "crn": ["model=crn", "preset=demo"],
}
PEER_METHODS = ("patchcore", "padim", "cflow")  # also run with anomalib

# The validation study: settings whose validation and test AUROC are compared per category.
STUDY: dict[str, list[str]] = {
    "patchcore": ["model=patchcore"],
    "patchcore layers=1,2 coreset=0.01": [
        "model=patchcore",
        "model.layers=[1,2]",
        "model.coreset_sampling_ratio=0.01",
    ],
    "patchcore layers=3": ["model=patchcore", "model.layers=[3]"],
    "patchcore coreset=0.01": ["model=patchcore", "model.coreset_sampling_ratio=0.01"],
    "patchcore k=1": ["model=patchcore", "model.num_neighbors=1"],
    "patchcore lite2": ["model=patchcore", "backbone=efficientnet_lite2"],
    "padim": ["model=padim"],
    "padim n_features=20": ["model=padim", "model.n_features=20"],
    "padim layers=2,3": ["model=padim", "model.layers=[2,3]"],
    "padim eps=1": ["model=padim", "model.eps=1.0"],
    "cflow epochs=2": ["model=cflow", "model.epochs=2"],
    "rd4ad demo": ["model=rd4ad", "preset=demo"],
    "draem demo": ["model=draem", "preset=demo"],
}
