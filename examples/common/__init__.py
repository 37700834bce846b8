"""What the bundled examples (digits/, cnn/) share: their scripts differ only
in the models, the data's size and the configurations they compare.

  evaluation  eq-opt and eq-run on an example's exported models, top-1 and
              SQNR, the table of results, PyTorch's own int8 (evaluate.py;
              needs only NumPy, PyTorch for its rows)
  training    the digits data and its splits, the training loop, the files
              train.py writes (needs PyTorch, scikit-learn)
  weights     the trained weights as .npz (models.py)

The scripts put examples/ on sys.path and import `common.<module>`.
"""
