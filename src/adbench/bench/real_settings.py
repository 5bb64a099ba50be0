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
    "rd4ad": ["model=rd4ad", "trainer.max_epochs=60"],
    "draem": ["model=draem", "preset=demo"],
    "crn": ["model=crn", "preset=demo"],
}
# The methods also run with anomalib (same backbone, image size and epochs), each at adbench's
# feature levels unless other levels are given here: anomalib's own default where adbench's
# levels would take anomalib too long (PatchCore at [1, 2], stride 4: its 10% greedy coreset
# over 245k patch vectors had not finished one category after 40 minutes on 2 cores); CFlow at
# anomalib's best level measured here (image AUROC 0.775 at [1], 0.752 at [1, 2, 3]), as its
# flows per level cannot take adbench's patch features of levels [1, 2].
PEER_LEVELS: dict[str, list[int] | None] = {"patchcore": [2, 3], "padim": None, "cflow": [1]}

# The validation study: settings whose validation and test AUROC are compared per category.
STUDY: dict[str, list[str]] = {
    "patchcore": ["model=patchcore"],
    "patchcore paper: layers=2,3 coreset=0.1 scaling=none k=9": [
        "model=patchcore",
        "model.layers=[2,3]",
        "model.coreset_sampling_ratio=0.1",
        "model.feature_scaling=none",
        "model.num_neighbors=9",
    ],
    "patchcore layers=3": ["model=patchcore", "model.layers=[3]"],
    "patchcore coreset=0.1": ["model=patchcore", "model.coreset_sampling_ratio=0.1"],
    "patchcore k=9": ["model=patchcore", "model.num_neighbors=9"],
    "patchcore lite2": ["model=patchcore", "backbone=efficientnet_lite2"],
    "padim": ["model=padim"],
    "padim n_features=20": ["model=padim", "model.n_features=20"],
    "padim layers=2,3": ["model=padim", "model.layers=[2,3]"],
    "padim eps=1": ["model=padim", "model.eps=1.0"],
    "cflow epochs=2": ["model=cflow", "trainer.max_epochs=2"],
    "rd4ad demo": ["model=rd4ad", "preset=demo"],
    "draem demo": ["model=draem", "preset=demo"],
}
