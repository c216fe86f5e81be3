"""Every notebooks/*.ipynb runs headless top to bottom (jupyter nbconvert --execute, kernel
python3, any cell error fails) and writes its figures as PNG under the build tree
($MNEMO_BUILD_DIR/figures); each expected figure exists and is not blank."""
import glob
import json
import os
import subprocess
import tempfile
import time
import unittest

import matplotlib.image as mpimg

SOURCE = os.path.abspath(os.environ.get("MNEMO_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("MNEMO_BUILD_DIR") or os.path.join(SOURCE, "build"))
FIGURES = os.path.join(BUILD, "figures")
NOTEBOOKS = sorted(glob.glob(os.path.join(SOURCE, "notebooks", "*.ipynb")))
CELL_TIMEOUT = 300  # seconds per cell; a whole notebook takes ~15 s here

FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"

# The figures each notebook must write (its data permitting); a notebook not listed must write at
# least one `<notebook>_*.png`.
EXPECTED = {
    "01_quickstart": ["01_quickstart_overlaps", "01_quickstart_energy"],
    "02_stability": ["02_stability_spectra", "02_stability_landscape"],
    "03_capacity": ["03_capacity_classical", "03_capacity_dense", "03_capacity_modern"],
    "04_noisy_neurons": ["04_noisy_neurons_karbasi", "04_noisy_neurons_sde", "04_noisy_neurons_metastable"],
    "05_correlated_synapses": ["05_correlated_synapses_error_vs_M"],
    "06_random_features": ["06_random_features_error_vs_Y"],
    "07_dead_neurons": ["07_dead_neurons_flat", "07_dead_neurons_lyapunov"],
    "08_images": ["08_images_overlap"]
    + (["08_images_fashion_masked", "08_images_fashion_noisy"] if os.path.exists(FASHION) else [])
    + (["08_images_digits_masked"] if os.path.exists(DIGITS) else []),
    "09_learned_memories": ["09_learned_memories_kernelized_hopfield", "09_learned_memories_sparse_recovery",
                            "09_learned_memories_entropic", "09_learned_memories_iamm"],
    "10_predictive_coding": ["10_predictive_coding_capacity", "10_predictive_coding_recalls"],
    "11_sequential_learning": ["11_sequential_learning_task1", "11_sequential_learning_curves"],
}


def not_blank(testcase, path):
    """A PNG worth looking at: > 5 KB, not one colour, and with data drawn on it — coloured lines or
    markers, or large grey-level images. Empty axes (ticks and labels only) fail: measured 0 %
    coloured and 3 % non-white pixels."""
    size = os.path.getsize(path)
    testcase.assertGreater(size, 5 * 1024, f"{path}: only {size} bytes")
    rgb = mpimg.imread(path)[..., :3].astype(float)
    testcase.assertGreater(rgb.std(), 0.05, f"{path}: (nearly) a single colour")
    coloured = float((rgb.max(axis=2) - rgb.min(axis=2) > 0.15).mean())
    inked = float((rgb.min(axis=2) < 0.9).mean())
    testcase.assertTrue(coloured > 0.002 or inked > 0.10,
                        f"{path}: nothing drawn ({coloured:.1%} coloured, {inked:.1%} non-white pixels)")


class Notebooks(unittest.TestCase):
    def test_there_are_notebooks(self):
        self.assertIn("01_quickstart", [os.path.splitext(os.path.basename(n))[0] for n in NOTEBOOKS])

    def execute(self, notebook):
        stem = os.path.splitext(os.path.basename(notebook))[0]
        os.makedirs(FIGURES, exist_ok=True)
        for old in glob.glob(os.path.join(FIGURES, stem + "_*.png")):  # no stale figure passes
            os.remove(old)
        with tempfile.TemporaryDirectory(prefix="mnemo-nb-") as tmp:
            env = dict(os.environ, MNEMO_FIGURES=FIGURES, MNEMO_WORK=os.path.join(tmp, "work"),
                       MNEMO_SOURCE_DIR=SOURCE, MNEMO_BUILD_DIR=BUILD, MPLBACKEND="Agg",
                       PYDEVD_DISABLE_FILE_VALIDATION="1", HDF5_USE_FILE_LOCKING="FALSE")
            start = time.monotonic()
            r = subprocess.run(["/usr/bin/python3", "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                                f"--ExecutePreprocessor.timeout={CELL_TIMEOUT}",
                                "--ExecutePreprocessor.kernel_name=python3", "--output-dir", tmp, notebook],
                               capture_output=True, text=True, env=env, cwd=os.path.dirname(notebook))
            seconds = time.monotonic() - start
            self.assertEqual(r.returncode, 0, f"{stem} failed:\n{r.stderr[-4000:]}")
            with open(os.path.join(tmp, os.path.basename(notebook))) as f:
                executed = json.load(f)
        print(f"{stem}: {seconds:.1f} s")
        for cell in executed["cells"]:
            if cell["cell_type"] != "code":
                continue
            self.assertIsNotNone(cell.get("execution_count"), f"{stem}: a code cell did not run")
            for out in cell.get("outputs", []):
                self.assertNotEqual(out.get("output_type"), "error", f"{stem}: {out.get('ename')}: {out.get('evalue')}")
        written = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(FIGURES, stem + "_*.png")))
        expected = EXPECTED.get(stem)
        if expected is None:
            self.assertTrue(written, f"{stem} wrote no {stem}_*.png into {FIGURES}")
        for name in expected or written:
            self.assertIn(name, written, f"{stem} did not write {name}.png into {FIGURES}")
            not_blank(self, os.path.join(FIGURES, name + ".png"))


def _add(notebook):
    stem = os.path.splitext(os.path.basename(notebook))[0]
    setattr(Notebooks, f"test_{stem}", lambda self: self.execute(notebook))


for _nb in NOTEBOOKS:
    _add(_nb)


if __name__ == "__main__":
    unittest.main()
