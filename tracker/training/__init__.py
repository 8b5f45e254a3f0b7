"""Training and honest measurement of the learned extractor (`make train`, `make eval`).

Not part of the pure core: it reads the labelled corpus from disk (`../shared/gold`) and
writes the model artefact `tracker/extract/model.json`. Needs the `train` extra
(scikit-learn), which the running tracker does not.
"""
