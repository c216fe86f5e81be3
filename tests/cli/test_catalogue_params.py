"""Bad parameters of the catalogue kinds (issue 4): dense, modern_hopfield, classical_hopfield,
krotov_hopfield, hierarchical, random_features, kernelized_hopfield --
one line `mnemo: error: FILE...: key 'model.X': reason`, exit status 2 (contract section 2), and
the examples of these kinds validate."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from clitools import SOURCE, config, mnemo, tempdir  # noqa: E402

CASES = [
    ("dense", 'interaction = "poly"\nn = 1', "model.n", "must be >= 2"),
    ("dense", "n = 2.5", "model.n", "whole number"),
    ("dense", 'interaction = "exp"\nbeta = 0.0', "model.beta", "must be > 0"),
    ("dense", "gain = -1.0", "model.gain", "must be > 0"),
    ("dense", 'interaction = "cubic"', "model.interaction", "must be one of"),
    ("dense", 'form = "two_layer"\nn = 3', "model.form", "convex"),
    ("modern_hopfield", "beta = 0.0", "model.beta", "must be > 0"),
    ("modern_hopfield", 'separation = "rectified_norm"\nn = 1', "model.n", "must be >= 2"),
    ("modern_hopfield", 'separation = "rectified_norm"\nn = 3.5', "model.n", "whole number"),
    ("classical_hopfield", 'rule = "oja"', "model.rule", "must be one of"),
    ("classical_hopfield", 'self_coupling = "maybe"', "model.self_coupling", "must be one of"),
    ("classical_hopfield", 'input = "memory"\ninput_memory = 99', "model.input_memory", "number of memories"),
    # krotov_hopfield (KH2021 models A, B, C)
    ("krotov_hopfield", 'model = "B"\nbeta = 0.0', "model.beta", "must be > 0"),
    ("krotov_hopfield", "beta = -2.0", "model.beta", "must be > 0"),
    ("krotov_hopfield", "n = 1.5", "model.n", "must be >= 2"),
    ("krotov_hopfield", "gain = 0", "model.gain", "must be > 0"),
    ("krotov_hopfield", "gamma = -1", "model.gamma", "must be > 0"),
    ("krotov_hopfield", 'model = "D"', "model.model", "must be one of A, B, C"),
    ("krotov_hopfield", 'hidden_lagrangian = "sigmoid"', "model.hidden_lagrangian", "must be one of"),
    ("krotov_hopfield", 'feature_lagrangian = "poly"', "model.feature_lagrangian", "no PSD Hessian"),
    ("krotov_hopfield", 'hidden_lagrangian = "poly"\ntau_hidden = 0.5', "model.hidden_lagrangian", "no PSD Hessian"),
    # hierarchical (Krotov 2021): arrays that do not chain or have the wrong length (memories: K = 5, N = 20)
    ("hierarchical", "sizes = [20, 5, 0]", "model.sizes", "entry 2 must be >= 1"),
    ("hierarchical", "sizes = [20, 5.5, 3]", "model.sizes", "entry 1 must be a whole number"),
    ("hierarchical", 'sizes = [20, "five", 3]', "model.sizes", "entry 1 must be a number, got string"),
    ("hierarchical", "sizes = 20", "model.sizes", "must be an array"),
    ("hierarchical", 'lagrangians = ["identity", "sigmoid", "softmax"]', "model.lagrangians", "entry 1 must be one of"),
    ("hierarchical", 'lagrangians = ["identity", 2, "softmax"]', "model.lagrangians", "entry 1 must be a string"),
    ("hierarchical", "taus = [1.0, -0.1, 0.2]", "model.taus", "entry 1 must be >= 0"),
    ("hierarchical", "weight_scale = -1", "model.weight_scale", "must be >= 0"),
    ("hierarchical", "sizes = [12, 5, 3]", "model.sizes", "must equal the memory dimension N = 20", "run"),
    ("hierarchical", "sizes = [20, 7, 3]", "model.sizes", "must equal the number of memories K = 5", "run"),
    ("hierarchical", "sizes = [20]", "model.sizes", "at least 2 layers", "run"),
    ("hierarchical", 'lagrangians = ["identity", "softmax"]', "model.lagrangians", "has 2 entries but sizes has 3", "run"),
    ("hierarchical", "sizes = [20, 5, 4, 3]\ntaus = [1, 0.2, 0.2]", "model.taus", "has 3 entries but sizes has 4", "run"),
    ("hierarchical", "parameters = [0, 1]", "model.parameters", "has 2 entries but sizes has 3", "run"),
    ("hierarchical", "taus = [1, 0, 0]", "model.taus", "both instantaneous", "run"),
    ("hierarchical", "taus = [0, 0.2, 0.2]", "model.taus", "entry 0 must be > 0", "run"),
    ("hierarchical", "parameters = [0, 0, 1]", "model.parameters", "softmax needs beta > 0", "run"),
    ("hierarchical", 'lagrangians = ["identity", "softmax", "poly"]', "model.lagrangians", "no PSD Hessian", "run"),
    # random_features (DrDAM)
    ("random_features", "beta = 0.0", "model.beta", "must be > 0"),
    ("random_features", "beta = -3", "model.beta", "must be > 0"),
    ("random_features", "Y = 0", "model.Y", "must be >= 1"),
    ("random_features", "Y = 100.5", "model.Y", "whole number"),
    ("random_features", 'features = "cosine"', "model.features", "must be one of"),
    ("random_features", "clip = 0", "model.clip", "must be > 0"),
    ("random_features", "Y = 900000000", "model.Y", "refusing", "run"),
    # kernelized_hopfield (U-Hop+)
    ("kernelized_hopfield", "beta = 0", "model.beta", "must be > 0"),
    ("kernelized_hopfield", "temperature = -0.1", "model.temperature", "must be > 0"),
    ("kernelized_hopfield", "train_steps = -1", "model.train_steps", "must be >= 0"),
    ("kernelized_hopfield", "feature_dim = 10", "model.feature_dim", "must be 0 or >= the memory dimension 20", "run"),
]


class CatalogueParams(unittest.TestCase):
    def test_bad_parameters_exit_2_with_one_line(self):
        for kind, model, key, reason, *when in CASES:
            with self.subTest(kind=kind, model=model), tempdir() as tmp:
                cfg, _ = config(tmp, kind=kind, model=model)
                for cmd in (["run", cfg, "--quiet"], ["validate", cfg]):
                    if cmd[0] == "validate" and (key == "model.input_memory" or when == ["run"]):
                        continue  # needs the memories: checked when the model is built
                    r = mnemo(*cmd)
                    self.assertEqual(r.returncode, 2, f"{cmd}: {r.stderr!r}")
                    lines = r.stderr.strip().splitlines()
                    self.assertEqual(len(lines), 1, r.stderr)
                    self.assertTrue(lines[0].startswith("mnemo: error: "), lines[0])
                    self.assertIn(os.path.basename(cfg), lines[0])
                    self.assertIn(f"key '{key}'", lines[0])
                    self.assertIn(reason, lines[0])

    def test_array_entry_errors_name_the_line(self):
        # The [model] lines of clitools.BASE start at line 4: kind, then the parameters.
        for model, key, line in [('sizes = [20, 5, 3]\nlagrangians = ["identity", 1, "softmax"]', "model.lagrangians", 6),
                                 ('first_synapse = "random"\nsizes = [20, 5, "x"]', "model.sizes", 6)]:
            with self.subTest(model=model), tempdir() as tmp:
                cfg, _ = config(tmp, kind="hierarchical", model=model)
                r = mnemo("validate", cfg)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(f"run.toml:{line}: key '{key}'", r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_examples_of_these_kinds_validate(self):
        names = ["dense.toml", "dense_capacity.toml", "modern_hopfield.toml", "classical_pseudo_inverse.toml",
                 "krotov_hopfield_A.toml", "krotov_hopfield_B.toml", "krotov_hopfield_C.toml", "hierarchical.toml",
                 "random_features.toml", "kernelized_hopfield.toml"]
        for name in names:
            path = os.path.join(SOURCE, "examples", name)
            with self.subTest(example=name):
                self.assertTrue(os.path.exists(path), path)
                r = mnemo("validate", path)
                self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
